import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { WebhookAttemptOutcome } from '../../webhooks/types.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

/** One HTTP attempt of a delivery: the delivery log. */
@ObjectType({ description: 'One attempt to deliver a webhook.' })
@Entity({ tableName: 'webhook_attempts' })
@Index({ properties: ['delivery', 'number'] })
export class WebhookAttempt {
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => WebhookDelivery, { deleteRule: 'cascade' })
  delivery!: Rel<WebhookDelivery>;

  @Field(() => Int, { description: 'Attempt number, from 1.' })
  @Property({ type: 'integer' })
  number!: number;

  @Field(() => Date, { description: 'When the attempt started.' })
  @Property({ type: 'datetime' })
  startedAt: Date & Opt = new Date();

  @Field(() => WebhookAttemptOutcome, { description: 'What the attempt came to.' })
  @Enum({ items: () => WebhookAttemptOutcome, type: 'string', length: 32 })
  outcome!: WebhookAttemptOutcome;

  @Field(() => Int, { nullable: true, description: 'HTTP status answered, if any.' })
  @Property({ type: 'integer', nullable: true })
  statusCode?: number | null;

  @Field(() => Int, { description: 'Milliseconds from the start of the attempt to its end.' })
  @Property({ type: 'integer' })
  latencyMs!: number;

  @Field(() => String, {
    nullable: true,
    description: 'What went wrong, e.g. "address 169.254.169.254 is refused (linkLocal)".',
  })
  @Property({ type: 'string', length: 500, nullable: true })
  error?: string | null;
}
