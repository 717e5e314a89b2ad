import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { UsageGroupByEnum, UsageRow } from '../types/usage.js';

@Resolver()
export class UsageResolver {
  @Query(() => [UsageRow], {
    description:
      'Your usage and its estimated cost, per engine and per UTC day or month of upload, for uploads in [from, to): jobs by outcome, audio uploaded, audio billed by each engine’s own rule, requests, errors. At most 400 days per call; BAD_USER_INPUT (reason INVALID_RANGE) otherwise. Periods without uploads are left out.',
  })
  usage(
    @Arg('from', () => Date, { description: 'First upload time counted (inclusive), ISO 8601.' })
    from: Date,
    @Arg('to', () => Date, { description: 'End of the range (exclusive), ISO 8601.' }) to: Date,
    @Ctx() ctx: GraphQLContext,
    @Arg('groupBy', () => UsageGroupByEnum, {
      defaultValue: UsageGroupByEnum.DAY,
      description: 'DAY (default) or MONTH.',
    })
    groupBy: UsageGroupByEnum,
  ): Promise<UsageRow[]> {
    return ctx.jobs.usage(ctx.em, { tenantId: ctx.tenantId, from, to, groupBy });
  }
}
