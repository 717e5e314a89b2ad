/**
 * Progress bookkeeping for one job: maps pipeline steps onto 0..100, keeps it monotonic,
 * persists it to the job row and publishes it, throttled.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Job } from '../db/entities/index.js';
import { isTerminal, JobStatus } from '../domain.js';
import type { JobEvents } from '../jobs/events.js';
import type { EstimatedJob } from './estimate.js';
import { changeJobStatus } from './job-status.js';

/** Estimates a running job's completion (`./estimate.ts` `CompletionEstimator.forRunning`). */
export interface RunningEstimator {
  forRunning(job: EstimatedJob): Promise<Date | null>;
}

/** Progress ranges (percent) of each step. */
export const PROGRESS = {
  transcodeStart: 2,
  transcodeEnd: 30,
  transcribeStart: 32,
  transcribeEnd: 94,
  persisting: 96,
  done: 100,
} as const;

/** Minimum time between two persisted progress updates within one step, in ms. */
const MIN_UPDATE_INTERVAL_MS = 500;

/** Writes and publishes a job's progress; percentages never go down. */
export class ProgressReporter {
  private lastWrite = 0;
  /** Writes are chained so two reports never flush the same EntityManager at once. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly em: EntityManager,
    private readonly job: Job,
    private readonly events: JobEvents,
    /** Refreshes `Job.estimatedCompletionAt` at every write when given. */
    private readonly estimator?: RunningEstimator,
  ) {}

  /**
   * Moves the job to `status` (if given) and `progress` (clamped to never decrease), writes it
   * and publishes it. Updates that change nothing, or come faster than every 500 ms without a
   * status change, are skipped.
   */
  report(progress: number, status?: JobStatus, message?: string): Promise<void> {
    const run = this.chain.then(() => this.write(progress, status, message));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Tells subscribers `message` (e.g. why the job is waiting) with the current status and
   * progress; nothing changes on the job row.
   */
  notice(message: string): void {
    void this.chain.then(() =>
      this.events.publishProgress({
        jobId: this.job.id,
        status: this.job.status,
        progress: this.job.progress,
        message,
        estimatedCompletionAt: this.job.estimatedCompletionAt?.toISOString() ?? null,
      }),
    );
  }

  /** Resolves when every report issued so far has been written. */
  settle(): Promise<void> {
    return this.chain;
  }

  private async write(progress: number, status?: JobStatus, message?: string): Promise<void> {
    const next = Math.max(this.job.progress, Math.min(100, Math.round(progress)));
    const statusChanged = status !== undefined && status !== this.job.status;
    if (!statusChanged && next === this.job.progress) return;
    const now = Date.now();
    if (!statusChanged && now - this.lastWrite < MIN_UPDATE_INTERVAL_MS) return;
    this.lastWrite = now;
    const target = status ?? this.job.status;
    if (this.estimator && !isTerminal(target)) {
      // The estimate for the state about to be written (the job itself changes only below).
      const { id, engine, durationSeconds, createdAt } = this.job;
      this.job.estimatedCompletionAt = await this.estimator
        .forRunning({ id, engine, durationSeconds, createdAt, status: target, progress: next })
        .catch(() => null);
    }
    if (statusChanged) await changeJobStatus(this.em, this.job, status, { progress: next });
    else {
      this.job.progress = next;
      await this.em.flush();
    }
    this.events.publishProgress({
      jobId: this.job.id,
      status: this.job.status,
      progress: this.job.progress,
      message: message ?? null,
      estimatedCompletionAt: this.job.estimatedCompletionAt?.toISOString() ?? null,
    });
  }
}

/** Status-only event for terminal transitions made outside the pipeline (cancel, expiry). */
export function publishJobState(events: JobEvents, job: Job, message?: string): void {
  events.publishProgress({
    jobId: job.id,
    status: job.status,
    progress: job.progress,
    message: message ?? null,
    estimatedCompletionAt: null,
  });
}

/** Re-exported for callers that only need the status list. */
export { JobStatus };
