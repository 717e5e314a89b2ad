/**
 * Usage and cost per tenant, per engine and per UTC day or month: jobs by outcome, audio seconds
 * uploaded, audio seconds billed by the engine's own rule, engine requests, failed jobs by error
 * code, and an estimated cost at the configured prices.
 *
 * Figures come from the database, never from counters: billed seconds are the sums of the
 * `recognition_units` rows the pipeline writes at every engine call (one per SpeechKit
 * submission, one per synchronous piece with its requests), so a resumed job (operation polled
 * again, saved pieces not resent) adds nothing and a job that paid twice shows it. A job counts
 * in the period of its upload (`jobs.created_at`, UTC). Jobs removed with `deleteJob` leave the
 * report (their rows are gone); expired jobs stay (their row is kept as EXPIRED).
 */
import type { EntityManager } from '@mikro-orm/core';
import type { PriceTable } from '../../config/prices.js';
import { Job } from '../../db/entities/index.js';
import { JobStatus } from '../../domain.js';
import { BadInputError } from '../../errors.js';

/** Granularity of a report. */
export type UsageGroupBy = 'DAY' | 'MONTH';

/** Longest range of one report, days (a year of days, or 12 months, and a bit). */
export const MAX_USAGE_RANGE_DAYS = 400;

/** How a job ended, as the report counts it. */
export type UsageOutcome = 'completed' | 'failed' | 'cancelled' | 'expired' | 'unfinished';

/** Jobs of one row by outcome; `reused` are the completed ones answered by duplicate reuse. */
export interface UsageJobCounts {
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Reached their retention before finishing. */
  expired: number;
  /** Still queued or running. */
  unfinished: number;
  reused: number;
}

/** One tenant × engine × period of a report. */
export interface UsageRow {
  tenantId: string;
  engine: string;
  /** `YYYY-MM-DD` (DAY) or `YYYY-MM` (MONTH), UTC. */
  period: string;
  /** Start of the period (UTC midnight of the day or of the month's first day). */
  periodStart: Date;
  jobs: UsageJobCounts;
  /** Seconds of audio uploaded (the recordings' durations). */
  audioSecondsUploaded: number;
  /** Seconds billed by the engine's own rule, summed over every engine call. */
  audioSecondsBilled: number;
  /** Requests that carried audio to the engine. */
  engineRequests: number;
  /** FAILED jobs by `errorCode`, most first. */
  errors: Array<{ code: string; jobs: number }>;
  /** `audioSecondsBilled / 60 × price`; null when the engine has no configured price. */
  estimatedCost: number | null;
  /** Price per billed minute used, and its currency; null without a price. */
  pricePerMinute: number | null;
  currency: string | null;
}

/** What a report covers. */
export interface UsageQuery {
  /** One tenant, or every tenant (the admin command line). */
  tenantId?: string;
  /** Inclusive start and exclusive end of the upload times counted. */
  from: Date;
  to: Date;
  groupBy: UsageGroupBy;
}

/** Ids per `IN (…)` list when reading recognition units. */
const ID_BATCH = 500;

/**
 * How a job ended. An EXPIRED job's outcome before expiry is read from what it kept: an error
 * code → failed; progress 100 (only the COMPLETED write sets it) → completed; an end time
 * without those → cancelled; none → it expired unfinished.
 */
export function outcomeOf(
  job: Pick<Job, 'status' | 'errorCode' | 'progress' | 'completedAt'>,
): UsageOutcome {
  switch (job.status) {
    case JobStatus.COMPLETED:
      return 'completed';
    case JobStatus.FAILED:
      return 'failed';
    case JobStatus.CANCELLED:
      return 'cancelled';
    case JobStatus.EXPIRED:
      if (job.errorCode) return 'failed';
      if (job.progress >= 100) return 'completed';
      return job.completedAt ? 'cancelled' : 'expired';
    default:
      return 'unfinished';
  }
}

/**
 * Checks a report's range.
 * @throws BadInputError INVALID_RANGE when `to` is not after `from` or the range is too long.
 */
export function checkRange(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) {
    throw new BadInputError(
      '"to" must be after "from" (ISO 8601 date-times, e.g. from "2026-12-01T00:00:00Z" to "2027-01-01T00:00:00Z").',
      'INVALID_RANGE',
    );
  }
  if (to.getTime() - from.getTime() > MAX_USAGE_RANGE_DAYS * 86_400_000) {
    throw new BadInputError(
      `A usage report covers at most ${MAX_USAGE_RANGE_DAYS} days; ask for a shorter range.`,
      'INVALID_RANGE',
    );
  }
}

/** The period key and start of `at` (UTC). */
export function periodOf(at: Date, groupBy: UsageGroupBy): { period: string; start: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const start =
    groupBy === 'DAY' ? new Date(Date.UTC(y, m, at.getUTCDate())) : new Date(Date.UTC(y, m, 1));
  const iso = start.toISOString();
  return { period: groupBy === 'DAY' ? iso.slice(0, 10) : iso.slice(0, 7), start };
}

/**
 * Builds the report, ordered by tenant, period, engine.
 * @throws BadInputError INVALID_RANGE (see {@link checkRange}).
 */
export async function usageReport(
  em: EntityManager,
  query: UsageQuery,
  prices: PriceTable,
): Promise<UsageRow[]> {
  checkRange(query.from, query.to);
  const where: Record<string, unknown> = { createdAt: { $gte: query.from, $lt: query.to } };
  if (query.tenantId) where.tenant = query.tenantId;
  const jobs = await em.find(Job, where, {
    fields: [
      'id',
      'tenant',
      'engine',
      'status',
      'progress',
      'errorCode',
      'completedAt',
      'durationSeconds',
      'createdAt',
      'reusedFromJobId',
    ],
    disableIdentityMap: true,
  });
  const billed = await billedByJob(
    em,
    jobs.map((j) => j.id),
  );
  const rows = new Map<string, UsageRow & { errorMap: Map<string, number> }>();
  for (const job of jobs) {
    const tenantId = typeof job.tenant === 'string' ? job.tenant : job.tenant.id;
    const { period, start } = periodOf(job.createdAt, query.groupBy);
    const key = `${tenantId}\u0000${period}\u0000${job.engine}`;
    let row = rows.get(key);
    if (!row) {
      const price = (prices as Record<string, { perMinute: number; currency: string }>)[job.engine];
      row = {
        tenantId,
        engine: job.engine,
        period,
        periodStart: start,
        jobs: {
          total: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
          expired: 0,
          unfinished: 0,
          reused: 0,
        },
        audioSecondsUploaded: 0,
        audioSecondsBilled: 0,
        engineRequests: 0,
        errors: [],
        errorMap: new Map(),
        estimatedCost: null,
        pricePerMinute: price?.perMinute ?? null,
        currency: price?.currency ?? null,
      };
      rows.set(key, row);
    }
    const outcome = outcomeOf(job);
    row.jobs.total += 1;
    row.jobs[outcome] += 1;
    if (job.reusedFromJobId) row.jobs.reused += 1;
    if (outcome === 'failed' && job.errorCode) {
      row.errorMap.set(job.errorCode, (row.errorMap.get(job.errorCode) ?? 0) + 1);
    }
    row.audioSecondsUploaded += job.durationSeconds ?? 0;
    const b = billed.get(job.id);
    if (b) {
      row.audioSecondsBilled += b.seconds;
      row.engineRequests += b.requests;
    }
  }
  return [...rows.values()]
    .map(({ errorMap, ...row }) => ({
      ...row,
      audioSecondsUploaded: round3(row.audioSecondsUploaded),
      audioSecondsBilled: round3(row.audioSecondsBilled),
      errors: [...errorMap].map(([code, n]) => ({ code, jobs: n })).sort((a, b) => b.jobs - a.jobs),
      estimatedCost:
        row.pricePerMinute === null
          ? null
          : round6((row.audioSecondsBilled / 60) * row.pricePerMinute),
    }))
    .sort(
      (a, b) =>
        a.tenantId.localeCompare(b.tenantId) ||
        a.period.localeCompare(b.period) ||
        a.engine.localeCompare(b.engine),
    );
}

/** Billed seconds and requests per job, summed over its `recognition_units` rows. */
async function billedByJob(
  em: EntityManager,
  ids: string[],
): Promise<Map<string, { seconds: number; requests: number }>> {
  const out = new Map<string, { seconds: number; requests: number }>();
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const batch = ids.slice(i, i + ID_BATCH);
    const rows = await em
      .getConnection()
      .execute<{ job_id: string; seconds: number | string; requests: number | string }[]>(
        `select job_id, sum(billed_seconds) as seconds, sum(attempts) as requests
       from recognition_units where job_id in (${batch.map(() => '?').join(', ')})
       group by job_id`,
        batch,
      );
    for (const r of rows) {
      out.set(String(r.job_id), { seconds: Number(r.seconds), requests: Number(r.requests) });
    }
  }
  return out;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
