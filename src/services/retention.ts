/**
 * Retention: jobs past their `expiresAt` lose their files, transcript and saved engine answers
 * and become EXPIRED (the row stays for usage reports); stored jobs without a row (left by a
 * crash mid-upload) are removed after an hour. Run by every worker's expiry sweep; safe to run
 * concurrently and repeatedly.
 */
import type { EntityManager } from '@mikro-orm/core';
import type BeeQueue from 'bee-queue';
import { Job, RecognitionUnit, Transcript } from '../db/entities/index.js';
import { isTerminal, JobStatus } from '../domain.js';
import type { JobEvents } from '../jobs/events.js';
import type { TranscriptionQueueData } from '../jobs/queue.js';
import type { Storage } from '../storage/storage.js';
import { changeJobStatus } from './job-status.js';
import { publishJobState } from './progress.js';

/** What retention needs: the store, job events (cancel of a running job) and the queue. */
export interface RetentionDeps {
  storage: Storage;
  events: JobEvents;
  queue: BeeQueue<TranscriptionQueueData>;
}

/** Stored jobs without a row are kept this long (milliseconds): an upload may be in progress. */
const ORPHAN_GRACE_MS = 3600_000;

/**
 * Expires up to 500 jobs whose `expiresAt` ≤ `now` and that are not EXPIRED yet, whatever their
 * status: deletes their stored objects, transcript and saved engine answers, marks them EXPIRED
 * (a running one is cancelled on its worker and taken off the queue). Then removes orphans.
 * @returns ids of jobs expired in this run.
 */
export async function expireDueJobs(
  deps: RetentionDeps,
  em: EntityManager,
  now: Date,
): Promise<string[]> {
  const due = await em.find(
    Job,
    { expiresAt: { $lte: now }, status: { $ne: JobStatus.EXPIRED } },
    { limit: 500 },
  );
  const expired: string[] = [];
  for (const job of due) {
    const wasRunning = !isTerminal(job.status);
    await deps.storage.removeJob(job.id);
    await em.nativeDelete(Transcript, { job: job.id });
    // The engine's saved answers hold the transcript's words too; the rows stay, with what
    // each call billed, for usage reports.
    await em.nativeUpdate(RecognitionUnit, { job: job.id }, { rawResult: null });
    job.sttOperationId = null;
    await changeJobStatus(em, job, JobStatus.EXPIRED);
    if (wasRunning) {
      deps.events.publishCancel(job.id);
      await deps.queue.removeJob(job.id).catch(() => undefined);
    }
    publishJobState(deps.events, job, 'Expired: files and transcript deleted');
    expired.push(job.id);
  }
  await removeOrphans(deps, em, now);
  return expired;
}

/** Removes stored jobs that have no row and are older than {@link ORPHAN_GRACE_MS}. */
async function removeOrphans(deps: RetentionDeps, em: EntityManager, now: Date): Promise<void> {
  const stored = await deps.storage.listJobs();
  if (stored.length === 0) return;
  const ids = stored.map((s) => s.jobId);
  const known = new Set(
    (await em.find(Job, { id: { $in: ids } }, { fields: ['id'] })).map((j) => j.id),
  );
  for (const { jobId, modifiedAt } of stored) {
    if (known.has(jobId) || now.getTime() - modifiedAt.getTime() <= ORPHAN_GRACE_MS) continue;
    await deps.storage.removeJob(jobId).catch(() => undefined);
  }
}
