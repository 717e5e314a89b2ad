import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import {
  WebhookAttemptOutcome,
  WebhookDeliveryStatus,
  WebhookEventType,
} from '../../webhooks/types.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';
import { WebhookEvent } from './webhook-event.entity.js';

/**
 * One event to one endpoint: its state, the latest attempt and when the next one is due. The
 * attempts themselves are `WebhookAttempt` rows.
 */
@ObjectType({
  description: 'One event sent (or to be sent) to one endpoint: its state and latest attempt.',
})
@Entity({ tableName: 'webhook_deliveries' })
@Unique({ properties: ['event', 'endpoint'] })
@Index({ properties: ['status', 'nextAttemptAt'] })
@Index({ properties: ['endpoint', 'createdAt'] })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Identifies the delivery.' })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => WebhookEvent, { deleteRule: 'cascade' })
  event!: Rel<WebhookEvent>;

  @ManyToOne(() => WebhookEndpoint, { deleteRule: 'cascade' })
  endpoint!: Rel<WebhookEndpoint>;

  @Field(() => WebhookEventType, { description: 'The event type.' })
  @Enum({ items: () => WebhookEventType, type: 'string', length: 32 })
  eventType!: WebhookEventType;

  @Field(() => WebhookDeliveryStatus, {
    description: 'PENDING until the endpoint answers 2xx (DELIVERED) or it is given up (FAILED).',
  })
  @Enum({ items: () => WebhookDeliveryStatus, type: 'string', length: 16 })
  status: WebhookDeliveryStatus & Opt = WebhookDeliveryStatus.PENDING;

  @Field(() => Int, { description: 'Attempts made so far.' })
  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  @Field(() => Date, {
    nullable: true,
    description: 'When the next attempt is due (PENDING only); null once final.',
  })
  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt?: Date | null;

  /** A dispatcher holds the delivery while it sends it; another takes it over after this. */
  @Property({ type: 'datetime', nullable: true })
  lockedUntil?: Date | null;

  @Field(() => WebhookAttemptOutcome, {
    nullable: true,
    description: 'Outcome of the latest attempt; null before the first.',
  })
  @Enum({ items: () => WebhookAttemptOutcome, type: 'string', length: 32, nullable: true })
  lastOutcome?: WebhookAttemptOutcome | null;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the latest attempt, if any.' })
  @Property({ type: 'integer', nullable: true })
  lastStatusCode?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Milliseconds the latest attempt took, from connecting to the answer.',
  })
  @Property({ type: 'integer', nullable: true })
  lastLatencyMs?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'What went wrong in the latest attempt, e.g. "address 127.0.0.1 is refused".',
  })
  @Property({ type: 'string', length: 500, nullable: true })
  lastError?: string | null;

  @Field(() => Date, { description: 'When the event was handed to this endpoint.' })
  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date, { nullable: true, description: 'When the endpoint answered 2xx.' })
  @Property({ type: 'datetime', nullable: true })
  deliveredAt?: Date | null;
}
