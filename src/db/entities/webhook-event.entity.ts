import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Tenant } from './tenant.entity.js';

/**
 * The outbox: one row per event, written in the same transaction as the change that caused it
 * (a job's final status, a transcript revision), so a crash never loses a callback. The
 * dispatcher (`src/webhooks/dispatcher.ts`) fans each row out into deliveries, one per
 * subscribed endpoint, and sets `dispatchedAt`.
 */
@Entity({ tableName: 'webhook_events' })
@Index({ properties: ['dispatchedAt'] })
@Index({ properties: ['tenant', 'createdAt'] })
export class WebhookEvent {
  /** `msg_` + 32 hex digits: the `webhook-id` header of every attempt, to every endpoint. */
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @ManyToOne(() => Tenant, { deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  /** `job.completed`, … (`WebhookEventType`). */
  @Property({ type: 'string', length: 32 })
  type!: string;

  /** The exact JSON body sent (and signed), under 20 kB. */
  @Property({ type: 'text' })
  payload!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /** When deliveries were made for it; null while it waits for the dispatcher. */
  @Property({ type: 'datetime', nullable: true })
  dispatchedAt?: Date | null;
}
