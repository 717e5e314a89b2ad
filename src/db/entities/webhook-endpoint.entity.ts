import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { WebhookEventType } from '../../webhooks/types.js';
import { Tenant } from './tenant.entity.js';

/**
 * A URL of a tenant's that receives signed webhooks (Standard Webhooks) for the events it
 * subscribes to. Its secret (`whsec_…`) is shown once, when created or rotated; it is stored in
 * clear because every delivery is signed with it.
 */
@ObjectType({
  description:
    'A URL that receives signed webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) for the events it subscribes to.',
})
@Entity({ tableName: 'webhook_endpoints' })
@Index({ properties: ['tenant', 'createdAt'] })
export class WebhookEndpoint {
  @Field(() => ID, { description: 'Identifies the endpoint.' })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => Tenant, { deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  @Field({
    description: 'Where webhooks are POSTed: https (http only where the operator allows it).',
  })
  @Property({ type: 'string', length: 2048 })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What the endpoint is for, for people.' })
  @Property({ type: 'string', length: 500, nullable: true })
  description?: string | null;

  @Field(() => [WebhookEventType], { description: 'The event types sent to this endpoint.' })
  // A plain JSON column: MikroORM's enum-array metadata made SQLite's schema diff rebuild the
  // table on every comparison (introspection has no enum items for a JSON column).
  @Property({ type: 'json' })
  events!: WebhookEventType[];

  @Field(() => Boolean, {
    description:
      'False once disabled (by updateWebhookEndpoint, or because it answered 410 Gone): nothing is sent to it.',
  })
  @Property({ type: 'boolean' })
  enabled: boolean & Opt = true;

  @Field(() => String, {
    nullable: true,
    description: 'Why it was disabled, e.g. "answered 410 Gone"; null while enabled.',
  })
  @Property({ type: 'string', length: 200, nullable: true })
  disabledReason?: string | null;

  /** `whsec_` + base64 of 32 random bytes. Never exposed after creation or rotation. */
  @Property({ type: 'string', length: 100, lazy: true })
  secret!: string;

  /** The secret before the last rotation: deliveries are signed with both until it lapses. */
  @Property({ type: 'string', length: 100, nullable: true, lazy: true })
  previousSecret?: string | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'Until when deliveries are also signed with the secret before the last rotation (a second v1 signature); null when there is none.',
  })
  @Property({ type: 'datetime', nullable: true })
  previousSecretExpiresAt?: Date | null;

  @Field(() => Date, { description: 'When the endpoint was registered.' })
  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date, { description: 'When it was last changed.' })
  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
