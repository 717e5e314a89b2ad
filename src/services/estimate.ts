/**
 * Completion estimates (`Job.estimatedCompletionAt`): from the job's place in the queue, the
 * workers' slots (`src/jobs/worker-slots.ts`) and the throughput measured on recent jobs per
 * engine and stage, in audio seconds per wall second.
 *
 * Throughput: the last {@link RECENT_JOBS} completed jobs of an engine that ran in one clean
 * attempt record each stage's wall time (`jobs.transcode_seconds`, `recognition_seconds`,
 * `persist_seconds`); a stage's rate is the median over them of audio seconds / stage seconds,
 * and the per-job overhead outside the stages (queue pick-up, checks) the median of
 * (completed − started − stages). No such job for an engine: nothing to go on (null).
 *
 * A running job's remaining time is each remaining stage's expected time (duration / rate) less
 * the part its progress says is done. A queued job waits for the jobs ahead of it (bee-queue is
 * first in, first out): the running jobs' remaining times fill the slots, each queued job ahead
 * takes the slot that frees first, and the job starts when the next slot frees.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Job } from '../db/entities/index.js';
import { isTerminal, JobStatus } from '../domain.js';
import { PROGRESS } from './progress.js';

/** Completed jobs per engine the throughput is measured on. */
export const RECENT_JOBS = 20;
/** How long measured rates are reused before they are read again, ms. */
const RATES_TTL_MS = 10_000;
/** How long one read of the queue serves every queued job's estimate, ms. */
const QUEUE_TTL_MS = 1_000;
/** Most unfinished jobs read for a queue estimate; a job further back gets null. */
const MAX_QUEUE_READ = 2_000;

/** Measured throughput of one engine. Rates in audio seconds per wall second. */
export interface StageRates {
  transcode: number;
  recognition: number;
  persist: number;
  /** Mean wall seconds per job outside the stages. */
  overheadSeconds: number;
}

/** The pipeline's stages on the 0–100 progress scale (`PROGRESS`). */
const STAGES = [
  { key: 'transcode', from: 0, to: PROGRESS.transcodeEnd },
  { key: 'recognition', from: PROGRESS.transcodeEnd, to: PROGRESS.transcribeEnd },
  { key: 'persist', from: PROGRESS.transcribeEnd, to: PROGRESS.done },
] as const;

/** What an estimate needs of a job. */
export type EstimatedJob = Pick<
  Job,
  'id' | 'engine' | 'status' | 'progress' | 'durationSeconds' | 'createdAt'
>;

/**
 * Seconds a job still needs once running, from its progress (0–100) and its engine's rates.
 * Pure.
 */
export function remainingSeconds(
  job: Pick<Job, 'progress' | 'durationSeconds'>,
  rates: StageRates,
): number {
  const audio = job.durationSeconds ?? 0;
  let left = rates.overheadSeconds * (1 - job.progress / 100);
  for (const s of STAGES) {
    const done = Math.min(1, Math.max(0, (job.progress - s.from) / (s.to - s.from)));
    left += (audio / rates[s.key]) * (1 - done);
  }
  return left;
}

/**
 * When the `target` queued job starts, in seconds from now: `running` remaining times fill the
 * `slots` first, then each of `queuedAhead` (in queue order) takes the slot that frees first.
 * Pure.
 */
export function queueStartSeconds(running: number[], queuedAhead: number[], slots: number): number {
  const free = [...running];
  while (free.length < slots) free.push(0);
  for (const need of queuedAhead) {
    const i = free.indexOf(Math.min(...free));
    free[i] += need;
  }
  return Math.min(...free);
}

/** Estimates completion times; one per process, reads cached briefly. */
export class CompletionEstimator {
  private readonly rateCache = new Map<string, { at: number; rates: Promise<StageRates | null> }>();
  private queue?: { at: number; jobs: Promise<EstimatedJob[]> };

  /**
   * @param fork a fresh EntityManager for each read.
   * @param slots jobs the live workers can run at once (0: none announced).
   */
  constructor(
    private readonly fork: () => EntityManager,
    private readonly slots: () => Promise<number>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The engine's measured rates, or null when no recent job measured them. */
  rates(engine: string): Promise<StageRates | null> {
    const now = this.clock();
    const hit = this.rateCache.get(engine);
    if (hit && now - hit.at < RATES_TTL_MS) return hit.rates;
    const rates = this.measure(engine).catch(() => null);
    this.rateCache.set(engine, { at: now, rates });
    return rates;
  }

  /** Forgets cached rates and queue (after a job completes in this process). */
  invalidate(): void {
    this.rateCache.clear();
    this.queue = undefined;
  }

  /** Estimate for a running job (from its progress only), or null without rates. */
  async forRunning(job: EstimatedJob): Promise<Date | null> {
    if (isTerminal(job.status)) return null;
    const rates = await this.rates(job.engine);
    if (!rates) return null;
    return new Date(this.clock() + remainingSeconds(job, rates) * 1000);
  }

  /**
   * Estimate for any job: null once it has ended; a running job from its progress; a queued one
   * from the queue ahead of it. Null when a needed engine has no measured rates, no worker is
   * announced, or the job is beyond the first 2,000 unfinished jobs.
   */
  async forJob(job: EstimatedJob): Promise<Date | null> {
    if (job.status !== JobStatus.QUEUED) return this.forRunning(job);
    const [unfinished, slots] = await Promise.all([this.unfinished(), this.slots().catch(() => 0)]);
    if (slots <= 0) return null;
    const position = unfinished.findIndex((j) => j.id === job.id);
    if (position < 0 && unfinished.length >= MAX_QUEUE_READ) return null;
    // Everything ahead of it, and jobs behind it that already run (retries, re-enqueued jobs).
    const others =
      position < 0
        ? unfinished
        : unfinished.filter((j, i) => i < position || (i > position && isRunning(j)));
    const running: number[] = [];
    const queued: number[] = [];
    for (const other of others) {
      const rates = await this.rates(other.engine);
      if (!rates) return null;
      (isRunning(other) ? running : queued).push(remainingSeconds(other, rates));
    }
    const rates = await this.rates(job.engine);
    if (!rates) return null;
    const start = queueStartSeconds(running, queued, slots);
    return new Date(this.clock() + (start + remainingSeconds(job, rates)) * 1000);
  }

  /** Unfinished jobs of every tenant in queue order (upload time, then id). */
  private unfinished(): Promise<EstimatedJob[]> {
    const now = this.clock();
    if (this.queue && now - this.queue.at < QUEUE_TTL_MS) return this.queue.jobs;
    const jobs = this.fork().find(
      Job,
      { status: { $in: [JobStatus.QUEUED, JobStatus.TRANSCODING, JobStatus.TRANSCRIBING] } },
      {
        fields: ['id', 'engine', 'status', 'progress', 'durationSeconds', 'createdAt'],
        orderBy: { createdAt: 'asc', id: 'asc' },
        limit: MAX_QUEUE_READ,
        disableIdentityMap: true,
      },
    );
    this.queue = { at: now, jobs };
    jobs.catch(() => (this.queue = undefined));
    return jobs;
  }

  private async measure(engine: string): Promise<StageRates | null> {
    const recent = await this.fork().find(
      Job,
      {
        engine,
        status: { $in: [JobStatus.COMPLETED, JobStatus.EXPIRED] },
        recognitionSeconds: { $ne: null },
      },
      {
        fields: [
          'durationSeconds',
          'transcodeSeconds',
          'recognitionSeconds',
          'persistSeconds',
          'startedAt',
          'completedAt',
        ],
        orderBy: { completedAt: 'desc' },
        limit: RECENT_JOBS,
        disableIdentityMap: true,
      },
    );
    if (recent.length === 0) return null;
    const rows = recent as Measured[];
    // Medians of the per-job figures: one cold or disturbed run (the first after start-up, one
    // that shared the CPU with an upload) does not move the estimate.
    const rate = (f: (j: Measured) => number | null | undefined) =>
      median(rows.map((j) => (j.durationSeconds ?? 0) / Math.max(1e-3, f(j) ?? 0)));
    const stages = (j: Measured) =>
      (j.transcodeSeconds ?? 0) + (j.recognitionSeconds ?? 0) + (j.persistSeconds ?? 0);
    const overhead = median(
      rows.map((j) =>
        j.startedAt && j.completedAt
          ? Math.max(0, (j.completedAt.getTime() - j.startedAt.getTime()) / 1000 - stages(j))
          : 0,
      ),
    );
    return {
      transcode: rate((j) => j.transcodeSeconds),
      recognition: rate((j) => j.recognitionSeconds),
      persist: rate((j) => j.persistSeconds),
      overheadSeconds: overhead,
    };
  }
}

/** The median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What the throughput is measured from. */
type Measured = Pick<
  Job,
  | 'durationSeconds'
  | 'transcodeSeconds'
  | 'recognitionSeconds'
  | 'persistSeconds'
  | 'startedAt'
  | 'completedAt'
>;

const isRunning = (j: EstimatedJob) =>
  j.status === JobStatus.TRANSCODING || j.status === JobStatus.TRANSCRIBING;
