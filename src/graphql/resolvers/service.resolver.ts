import { Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { ServiceInfo } from '../types/service-info.js';

@Resolver()
export class ServiceInfoResolver {
  @Query(() => ServiceInfo, {
    description: 'Upload limits, accepted formats and languages of this server.',
  })
  serviceInfo(@Ctx() ctx: GraphQLContext): ServiceInfo {
    return ctx.serviceInfo;
  }
}
