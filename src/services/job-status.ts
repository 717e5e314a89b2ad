/**
 * The one place a job's status changes. A final status (COMPLETED, FAILED, CANCELLED, EXPIRED)
 * also writes its webhook event (the outbox, `src/webhooks/outbox.ts`) in the same flush — one
 * database transaction (MikroORM wraps every flush in one) — so the event exists exactly when
 * the status does, and a crash after the commit loses nothing: the dispatcher finds the row.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Job } from '../db/entities/index.js';
import { isTerminal, JobStatus } from '../domain.js';
import type { JobErrorCode } from '../errors.js';
import { jobEventData, jobEventType, notifyOutbox, persistEvent } from '../webhooks/outbox.js';

/** Optional parts of a status change. */
export interface StatusChange {
  /** New `Job.progress` (percent), written with the status. */
  progress?: number;
  /** Error code and message of a FAILED job (`Job.errorCode`, `Job.errorMessage`). */
  failure?: { code: JobErrorCode; message: string };
  /** When it happened (default now). */
  at?: Date;
}

/**
 * Moves `job` (managed by `em`) to `status` and flushes. Final statuses set `completedAt`
 * (EXPIRED keeps the one it had) and record the webhook event in the same transaction; the
 * process's dispatcher is told after the commit.
 * @returns the webhook event id when one was recorded.
 * @throws what the flush throws (nothing is written then, neither status nor event).
 */
export async function changeJobStatus(
  em: EntityManager,
  job: Job,
  status: JobStatus,
  change: StatusChange = {},
): Promise<string | undefined> {
  const at = change.at ?? new Date();
  job.status = status;
  if (change.progress !== undefined) job.progress = change.progress;
  if (change.failure) {
    job.errorCode = change.failure.code;
    job.errorMessage = change.failure.message;
  }
  let eventId: string | undefined;
  if (isTerminal(status)) {
    if (status !== JobStatus.EXPIRED) job.completedAt ??= at;
    job.estimatedCompletionAt = null;
    const type = jobEventType(status);
    if (type) eventId = persistEvent(em, job.tenant.id, type, jobEventData(job), at);
  }
  await em.flush();
  if (eventId) notifyOutbox();
  return eventId;
}
