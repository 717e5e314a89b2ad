/**
 * The outbox side of webhooks: builds an event's payload and adds its row to the caller's
 * transaction. Callers are the one place a job's status changes (`src/services/job-status.ts`)
 * and the workbench's commit (`src/services/workbench/revision.ts`); whatever commits the change
 * commits the event, and nothing else. The dispatcher (`./dispatcher.ts`) delivers it later.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EntityManager } from '@mikro-orm/core';
import { WebhookEvent } from '../db/entities/webhook-event.entity.js';
import type { Job } from '../db/entities/job.entity.js';
import { JobStatus } from '../domain.js';
import {
  WebhookEventType,
  type WebhookJobData,
  type WebhookPayload,
  type WebhookTranscriptData,
} from './types.js';

/**
 * Largest payload, bytes. The spec asks to keep payloads "small (<20 kB)"
 * (standard-webhooks/standard-webhooks@spec/standard-webhooks.md, "Payload"); ours are a few
 * hundred bytes (ids, status, codes) and never carry transcript text.
 */
export const MAX_PAYLOAD_BYTES = 20_000;

/** The event type a final job status causes; undefined for statuses that cause none. */
export function jobEventType(status: JobStatus): WebhookEventType | undefined {
  switch (status) {
    case JobStatus.COMPLETED:
      return WebhookEventType.JOB_COMPLETED;
    case JobStatus.FAILED:
      return WebhookEventType.JOB_FAILED;
    case JobStatus.CANCELLED:
      return WebhookEventType.JOB_CANCELLED;
    case JobStatus.EXPIRED:
      return WebhookEventType.JOB_EXPIRED;
    default:
      return undefined;
  }
}

/** A new event id: `msg_` + 32 hex digits (no `.`, as the spec requires of `webhook-id`). */
export function newEventId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

/**
 * Serialises a payload.
 * @throws Error when it would exceed {@link MAX_PAYLOAD_BYTES} (a programming error: payloads
 *   carry ids and codes only).
 */
export function encodePayload(payload: WebhookPayload): string {
  const body = JSON.stringify(payload);
  if (Buffer.byteLength(body) > MAX_PAYLOAD_BYTES) {
    throw new Error(`webhook payload of ${payload.type} exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  }
  return body;
}

/** The `data` of a job event (no transcript text: the receiver fetches it with its key). */
export function jobEventData(job: Job): WebhookJobData {
  return {
    jobId: job.id,
    status: job.status,
    ...(job.errorCode ? { errorCode: job.errorCode } : {}),
    durationSeconds: job.durationSeconds ?? null,
    engine: job.engine,
    filename: job.filename,
  };
}

/**
 * Adds the event row to `em`'s unit of work; the caller's flush (or transaction) writes it with
 * the change that caused it.
 * @returns the event id (`webhook-id`).
 */
export function persistEvent(
  em: EntityManager,
  tenantId: string,
  type: WebhookEventType,
  data: WebhookJobData | WebhookTranscriptData,
  at = new Date(),
): string {
  const id = newEventId();
  const payload = encodePayload({ type, timestamp: at.toISOString(), data });
  em.persist(em.create(WebhookEvent, { id, tenant: tenantId, type, payload, createdAt: at }));
  return id;
}

/**
 * Inserts the event row at once inside `tx`, a transaction the caller runs (the workbench).
 * @returns the event id.
 */
export async function insertEvent(
  tx: EntityManager,
  tenantId: string,
  type: WebhookEventType,
  data: WebhookJobData | WebhookTranscriptData,
  at = new Date(),
): Promise<string> {
  const id = newEventId();
  const payload = encodePayload({ type, timestamp: at.toISOString(), data });
  await tx.insert(WebhookEvent, { id, tenant: tenantId, type, payload, createdAt: at });
  return id;
}

/**
 * In-process signal "an event was committed": a dispatcher in the same process looks at once
 * instead of at its next poll. Emitted after the commit, never before.
 */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);

/** Tells this process's dispatcher that an event was committed. */
export function notifyOutbox(): void {
  outboxSignal.emit('event');
}
