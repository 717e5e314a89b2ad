/**
 * Webhook endpoints over GraphQL: register, list, change, delete, rotate the secret, read the
 * delivery log, redeliver. Thin: decisions are in `src/webhooks/service.ts`; every call is
 * scoped to the caller's tenant.
 */
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../db/entities/index.js';
import { WebhookDeliveryStatus, WebhookEventType } from '../../webhooks/types.js';
import type { GraphQLContext } from '../context.js';

@ObjectType({
  description:
    'An endpoint with its signing secret: returned only by createWebhookEndpoint and rotateWebhookSecret. Store the secret now; it is never shown again.',
})
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field({
    description:
      'The signing secret, `whsec_` + base64 (Standard Webhooks). Verify each delivery with it, e.g. `new Webhook(secret).verify(body, headers)` of the `standardwebhooks` package.',
  })
  secret!: string;
}

const EVENTS_ARG =
  'Event types to send; default all. job.completed, job.failed, job.cancelled, job.expired, transcript.edited.';

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Query(() => [WebhookEndpoint], { description: 'Your webhook endpoints, oldest first.' })
  webhookEndpoints(@Ctx() ctx: GraphQLContext): Promise<WebhookEndpoint[]> {
    return ctx.jobs.webhooks.list(ctx.em, ctx.tenantId);
  }

  @Query(() => WebhookEndpoint, {
    nullable: true,
    description: 'One of your webhook endpoints, or null if there is none with this id.',
  })
  async webhookEndpoint(
    @Arg('id', () => ID, { description: 'WebhookEndpoint.id.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookEndpoint | null> {
    return (await ctx.jobs.webhooks.list(ctx.em, ctx.tenantId)).find((e) => e.id === id) ?? null;
  }

  @FieldResolver(() => [WebhookDelivery], {
    description:
      'The delivery log, newest first: each event sent (or to be sent) here with its attempts, status, latency and next retry.',
  })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'How many, 1..100 (default 20).' })
    first?: number | null,
    @Arg('status', () => WebhookDeliveryStatus, {
      nullable: true,
      description: 'Only deliveries in this status.',
    })
    status?: WebhookDeliveryStatus | null,
  ): Promise<WebhookDelivery[]> {
    return ctx.jobs.webhooks.deliveries(ctx.em, ctx.tenantId, endpoint.id, { first, status });
  }

  @Mutation(() => WebhookEndpointWithSecret, {
    description:
      'Registers a URL to receive signed webhooks. Returns the signing secret once. Errors: BAD_USER_INPUT with reason WEBHOOK_URL_INVALID, WEBHOOK_URL_NOT_HTTPS, WEBHOOK_ADDRESS_REFUSED (a non-public IP), NO_EVENTS, DESCRIPTION_TOO_LONG, TOO_MANY_ENDPOINTS.',
  })
  createWebhookEndpoint(
    @Arg('url', { description: 'https:// URL that accepts POST; answer 2xx within 15 s.' })
    url: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('events', () => [WebhookEventType], { nullable: true, description: EVENTS_ARG })
    events?: WebhookEventType[] | null,
    @Arg('description', () => String, {
      nullable: true,
      description: 'What it is for, up to 500 characters.',
    })
    description?: string | null,
  ): Promise<WebhookEndpointWithSecret> {
    return ctx.jobs.webhooks.create(ctx.em, ctx.tenantId, { url, events, description });
  }

  @Mutation(() => WebhookEndpoint, {
    description:
      'Changes the arguments given. enabled: true re-enables an endpoint disabled by a 410; past events are not resent (redeliverWebhook). Errors: NOT_FOUND, and those of createWebhookEndpoint.',
  })
  updateWebhookEndpoint(
    @Arg('id', () => ID, { description: 'WebhookEndpoint.id.' }) id: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('url', () => String, { nullable: true, description: 'New URL.' }) url?: string | null,
    @Arg('events', () => [WebhookEventType], { nullable: true, description: 'New event types.' })
    events?: WebhookEventType[] | null,
    @Arg('description', () => String, {
      nullable: true,
      description: 'New description; an empty string clears it.',
    })
    description?: string | null,
    @Arg('enabled', () => Boolean, {
      nullable: true,
      description: 'false: send nothing to it; true: send again.',
    })
    enabled?: boolean | null,
  ): Promise<WebhookEndpoint> {
    return ctx.jobs.webhooks.update(ctx.em, ctx.tenantId, id, {
      url,
      events,
      description,
      enabled,
    });
  }

  @Mutation(() => Boolean, {
    description: 'Deletes an endpoint and its delivery log. Errors: NOT_FOUND.',
  })
  deleteWebhookEndpoint(
    @Arg('id', () => ID, { description: 'WebhookEndpoint.id.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    return ctx.jobs.webhooks.delete(ctx.em, ctx.tenantId, id);
  }

  @Mutation(() => WebhookEndpointWithSecret, {
    description:
      'Gives the endpoint a new secret, returned once. For 24 h every delivery carries a signature with the old secret too, so your receiver can switch without missing one. Errors: NOT_FOUND.',
  })
  rotateWebhookSecret(
    @Arg('id', () => ID, { description: 'WebhookEndpoint.id.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookEndpointWithSecret> {
    return ctx.jobs.webhooks.rotateSecret(ctx.em, ctx.tenantId, id);
  }

  @Mutation(() => [WebhookDelivery], {
    description:
      'Sends an event again, with the same webhook-id, to one endpoint or to every enabled endpoint subscribed to its type; returns the deliveries, due now. Errors: NOT_FOUND, BAD_USER_INPUT (ENDPOINT_DISABLED, EVENT_NOT_SUBSCRIBED).',
  })
  redeliverWebhook(
    @Arg('eventId', () => ID, {
      description: 'The event: the `webhook-id` header (`msg_…`), also WebhookDelivery.eventId.',
    })
    eventId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('endpointId', () => ID, {
      nullable: true,
      description: 'Only to this endpoint; default every enabled endpoint subscribed to the event.',
    })
    endpointId?: string | null,
  ): Promise<WebhookDelivery[]> {
    return ctx.jobs.webhooks.redeliver(ctx.em, ctx.tenantId, eventId, endpointId);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => ID, {
    description: 'The event: the `webhook-id` header, the same on every attempt.',
  })
  eventId(@Root() d: WebhookDelivery): string {
    return d.event.id;
  }

  @FieldResolver(() => ID, { description: 'The endpoint (WebhookEndpoint.id).' })
  endpointId(@Root() d: WebhookDelivery): string {
    return d.endpoint.id;
  }

  @FieldResolver(() => [WebhookAttempt], { description: 'Every attempt, first to latest.' })
  attemptLog(@Root() d: WebhookDelivery, @Ctx() ctx: GraphQLContext): Promise<WebhookAttempt[]> {
    return ctx.jobs.webhooks.attempts(ctx.em, d.id);
  }
}
