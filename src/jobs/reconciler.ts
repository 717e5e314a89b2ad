/**
 * The reconciler: the database is the source of truth, the queue only a to-do list. Every job
 * the database says is unfinished (QUEUED, TRANSCODING, TRANSCRIBING) that the queue does not hold
 * and no worker holds a lease on is enqueued again. That covers a crash between "row written" and
 * "enqueued", and Redis losing its data.
 *
 * Safe to run in every worker at once: enqueueing is idempotent per job id (bee-queue's `addJob`
 * script is atomic and adds nothing when the id exists), and a job that still slips into the
 * queue twice runs once because of its lease (`src/jobs/lease.ts`).
 */
import type { MikroORM } from '@mikro-orm/core';
import type BeeQueue from 'bee-queue';
import type { Logger } from 'pino';
import { Job } from '../db/entities/index.js';
import { JobStatus } from '../domain.js';
import type { JobLeases } from './lease.js';
import { enqueueTranscription, queueHolds, type TranscriptionQueueData } from './queue.js';

/** Most rows looked at in one run; the next run takes the rest. */
export const RECONCILE_BATCH = 500;

/** Unfinished statuses: a job in one of them must be in the queue or running. */
export const UNFINISHED_STATUSES = [
  JobStatus.QUEUED,
  JobStatus.TRANSCODING,
  JobStatus.TRANSCRIBING,
] as const;

/** What the reconciler needs. */
export interface ReconcilerDeps {
  orm: MikroORM;
  queue: BeeQueue<TranscriptionQueueData>;
  leases: JobLeases;
  logger: Logger;
}

/** Outcome of one reconciliation run. */
export interface ReconcileResult {
  /** Unfinished jobs looked at. */
  checked: number;
  /** Ids enqueued again. */
  enqueued: string[];
}

/**
 * Runs one reconciliation.
 * @param minAgeMs skip rows created less than this many ms ago (the api may be enqueueing them
 *   right now; default 5000).
 * @throws when the database or Redis is unreachable (nothing is half-done: each job is checked
 *   and enqueued on its own).
 */
export async function reconcileQueue(
  deps: ReconcilerDeps,
  minAgeMs = 5_000,
): Promise<ReconcileResult> {
  const em = deps.orm.em.fork();
  const rows = await em.find(
    Job,
    {
      status: { $in: [...UNFINISHED_STATUSES] },
      createdAt: { $lte: new Date(Date.now() - minAgeMs) },
    },
    { fields: ['id'], orderBy: { createdAt: 'asc' }, limit: RECONCILE_BATCH },
  );
  const enqueued: string[] = [];
  for (const { id } of rows) {
    if (await queueHolds(deps.queue, id)) continue;
    if (await deps.leases.isLeased(id)) continue;
    await enqueueTranscription(deps.queue, id);
    enqueued.push(id);
  }
  if (enqueued.length > 0) {
    deps.logger.warn(
      { count: enqueued.length, jobIds: enqueued },
      'reconciler re-enqueued unfinished jobs missing from the queue',
    );
  }
  return { checked: rows.length, enqueued };
}
