/**
 * Per-tenant quotas, checked when an upload is accepted (`JobService.createFromUpload`, after
 * ffprobe has measured the recording and before the job row is written):
 *
 * - Audio hours per day: the recording's duration (whole seconds, rounded up) is counted against
 *   `Tenant.audioHoursPerDay` (null: `TENANT_AUDIO_HOURS_PER_DAY`, default 48 h). The counter
 *   lives in Redis (rate-limiter-flexible 11.4.0 `RateLimiterRedis`, key
 *   `kazru:quota:audio:<tenantId>`); its day is a fixed 24 h window that starts with the
 *   tenant's first counted upload and resets when it ends. Seconds of an upload that ends up
 *   not stored (refused by another check, queue down) are given back.
 * - Concurrent jobs: the tenant's unfinished jobs (QUEUED, TRANSCODING, TRANSCRIBING) counted in
 *   the database, against `Tenant.maxConcurrentJobs` (null: `TENANT_MAX_CONCURRENT_JOBS`, 20).
 *   A short per-tenant Redis lock around "count, then write the row" keeps simultaneous uploads
 *   from all seeing room for one more and overshooting the limit.
 *
 * Over quota: AppError QUOTA_EXCEEDED (HTTP 429 semantics) with `retryAfterSeconds`, reason
 * AUDIO_HOURS_PER_DAY, AUDIO_LONGER_THAN_QUOTA (a recording longer than the whole daily quota;
 * no retry helps, so no `retryAfterSeconds`) or CONCURRENT_JOBS, and a message naming the limit,
 * the usage and when to retry. Unlike the rate limits these fail closed: without Redis no upload
 * can be queued anyway, so a Redis failure answers SERVICE_UNAVAILABLE and nothing is stored.
 *
 * For operators: {@link tenantUsage} (what the admin CLI's `quota show` prints) and
 * {@link resetTenantUsage} (`quota reset`: forgets the audio counted today).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/config.js';
import { Job, Tenant } from '../db/entities/index.js';
import { TERMINAL_STATUSES } from '../domain.js';
import { AppError } from '../errors.js';
import { formatDuration } from '../media/index.js';

/** Redis key prefix: `kazru:quota:audio:<tenantId>` (counter), `kazru:quota:lock:<tenantId>`. */
export const QUOTA_KEY_PREFIX = 'kazru:quota';

/** Length of the audio quota's day, seconds. */
export const QUOTA_DAY_SECONDS = 86_400;

/**
 * `retryAfterSeconds` of a CONCURRENT_JOBS refusal: when a job will finish is unknown, so this is
 * a polite polling interval, not a promise.
 */
export const CONCURRENT_JOBS_RETRY_SECONDS = 30;

/** How long the per-tenant admission lock may be held before Redis drops it (crash safety), ms. */
const LOCK_TTL_MS = 10_000;
/** How long an upload waits for another upload of the same tenant to pass admission, ms. */
const LOCK_WAIT_MS = LOCK_TTL_MS + 1_000;
const LOCK_POLL_MS = 20;
const RELEASE_LOCK_LUA =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** A tenant's effective limits (its own overrides, else the service defaults). */
export interface TenantLimits {
  /** Seconds of audio per day (hours × 3600, rounded). */
  audioSecondsPerDay: number;
  /** Unfinished jobs allowed at once. */
  maxConcurrentJobs: number;
}

/** What a tenant has used, for operators (`quota show`) and messages. */
export interface TenantUsage {
  tenantId: string;
  audio: {
    /** Seconds of audio counted in the current day window. */
    usedSeconds: number;
    limitSeconds: number;
    /** Seconds until the window resets; null when nothing is counted. */
    resetsInSeconds: number | null;
  };
  concurrentJobs: {
    /** Jobs QUEUED, TRANSCODING or TRANSCRIBING now. */
    unfinished: number;
    limit: number;
  };
}

/**
 * An upload that passed the quotas. Its seconds are counted and the tenant's admission lock is
 * held until {@link committed} (the job row is written) or {@link abandon} (it was not).
 */
export interface QuotaAdmission {
  /** Seconds counted against the daily audio quota. */
  readonly audioSeconds: number;
  /** The job row is written: releases the lock (other uploads of the tenant may proceed). */
  committed(): Promise<void>;
  /**
   * The job was not created after all (or was removed again): gives the seconds back and
   * releases the lock if still held. Safe to call more than once and after {@link committed}.
   */
  abandon(): Promise<void>;
}

const hours = (seconds: number) => `${Number((seconds / 3600).toPrecision(3))} h`;

/** Turns a Redis failure into the SERVICE_UNAVAILABLE every Redis-backed step answers. */
function storeUnavailable(err: unknown): AppError {
  const e = new AppError(
    'SERVICE_UNAVAILABLE',
    'The quota store (Redis) is unavailable right now; nothing was stored. Try again in a minute.',
    'QUOTA_STORE_UNAVAILABLE',
    60,
  );
  e.cause = err;
  return e;
}

/** Per-tenant quotas over the app's Redis client and a request's EntityManager. */
export class TenantQuotas {
  /** One limiter per distinct daily limit; all share the key prefix, so a tenant's counter survives a change of its limit. */
  private readonly audioLimiters = new Map<number, RateLimiterRedis>();

  /**
   * @param redis the app's fail-fast command client (`AppResources.redis`).
   * @param defaults `config.tenantQuotas`, for tenants whose own limit is null or who have no row.
   */
  constructor(
    private readonly redis: Redis,
    private readonly defaults: Config['tenantQuotas'],
  ) {}

  /** The tenant's effective limits: its `Tenant` row's overrides, else the defaults. */
  async limitsOf(em: EntityManager, tenantId: string): Promise<TenantLimits> {
    const tenant = await em.findOne(Tenant, { id: tenantId });
    const audioHours = tenant?.audioHoursPerDay ?? this.defaults.audioHoursPerDay;
    return {
      audioSecondsPerDay: Math.max(1, Math.round(audioHours * 3600)),
      maxConcurrentJobs: tenant?.maxConcurrentJobs ?? this.defaults.maxConcurrentJobs,
    };
  }

  /**
   * Admits an upload of `durationSeconds` for the tenant, or refuses it. On success the seconds
   * are counted and the tenant's admission lock is held: call `committed()` once the job row is
   * flushed, `abandon()` on any failure before or after.
   * @throws AppError QUOTA_EXCEEDED (reasons CONCURRENT_JOBS, AUDIO_HOURS_PER_DAY,
   *   AUDIO_LONGER_THAN_QUOTA); AppError SERVICE_UNAVAILABLE when Redis cannot be reached or the
   *   lock stays taken for {@link LOCK_WAIT_MS}. Nothing is counted when it throws.
   */
  async admit(
    em: EntityManager,
    tenantId: string,
    durationSeconds: number,
  ): Promise<QuotaAdmission> {
    const seconds = Math.max(1, Math.ceil(durationSeconds));
    const unlock = await this.lock(tenantId);
    let limiter: RateLimiterRedis;
    try {
      const limits = await this.limitsOf(em, tenantId);
      const unfinished = await this.unfinishedJobs(em, tenantId);
      if (unfinished >= limits.maxConcurrentJobs) {
        throw new AppError(
          'QUOTA_EXCEEDED',
          `Too many unfinished jobs: ${unfinished} of the ${limits.maxConcurrentJobs} your account may run at once are still queued or in progress. Wait for one to finish (or cancel one), then upload again; try again in about ${CONCURRENT_JOBS_RETRY_SECONDS} s.`,
          'CONCURRENT_JOBS',
          CONCURRENT_JOBS_RETRY_SECONDS,
        );
      }
      const limit = limits.audioSecondsPerDay;
      if (seconds > limit) {
        throw new AppError(
          'QUOTA_EXCEEDED',
          `This recording is ${formatDuration(seconds)} long, more than your whole daily audio quota of ${formatDuration(limit)} (${hours(limit)} per day). Split it into shorter parts, or ask the operator to raise the quota.`,
          'AUDIO_LONGER_THAN_QUOTA',
        );
      }
      limiter = this.audioLimiter(limit);
      try {
        await limiter.consume(tenantId, seconds);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw storeUnavailable(err);
        // rate-limiter-flexible counts refused points too: give them back.
        await limiter.reward(tenantId, seconds).catch(() => undefined);
        const used = Math.max(0, err.consumedPoints - seconds);
        const retry = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new AppError(
          'QUOTA_EXCEEDED',
          `Daily audio quota used up: ${formatDuration(used)} of ${formatDuration(limit)} (${hours(limit)} per day) already uploaded, and this recording needs ${formatDuration(seconds)}. The quota resets in ${formatDuration(retry)} (at ${new Date(Date.now() + retry * 1000).toISOString()}); try again then, or ask the operator to raise it.`,
          'AUDIO_HOURS_PER_DAY',
          retry,
        );
      }
    } catch (err) {
      await unlock();
      throw err;
    }

    let locked = true;
    let refunded = false;
    const release = async () => {
      if (!locked) return;
      locked = false;
      await unlock();
    };
    return {
      audioSeconds: seconds,
      committed: release,
      abandon: async () => {
        if (!refunded) {
          refunded = true;
          await limiter.reward(tenantId, seconds).catch(() => undefined);
        }
        await release();
      },
    };
  }

  /**
   * What the tenant has used now.
   * @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached.
   */
  async usage(em: EntityManager, tenantId: string): Promise<TenantUsage> {
    const limits = await this.limitsOf(em, tenantId);
    let counter: RateLimiterRes | null;
    try {
      counter = await this.audioLimiter(limits.audioSecondsPerDay).get(tenantId);
    } catch (err) {
      throw storeUnavailable(err);
    }
    return {
      tenantId,
      audio: {
        usedSeconds: counter?.consumedPoints ?? 0,
        limitSeconds: limits.audioSecondsPerDay,
        resetsInSeconds: counter ? Math.max(0, Math.ceil(counter.msBeforeNext / 1000)) : null,
      },
      concurrentJobs: {
        unfinished: await this.unfinishedJobs(em, tenantId),
        limit: limits.maxConcurrentJobs,
      },
    };
  }

  /**
   * Forgets the audio counted in the tenant's current day (unfinished jobs are live state:
   * cancel jobs to free concurrent slots).
   * @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached.
   */
  reset(tenantId: string): Promise<void> {
    return resetTenantUsage(this.redis, tenantId);
  }

  private unfinishedJobs(em: EntityManager, tenantId: string): Promise<number> {
    return em.count(Job, { tenant: tenantId, status: { $nin: [...TERMINAL_STATUSES] } });
  }

  private audioLimiter(points: number): RateLimiterRedis {
    let limiter = this.audioLimiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${QUOTA_KEY_PREFIX}:audio`,
        points,
        duration: QUOTA_DAY_SECONDS,
        rejectIfRedisNotReady: true,
      });
      this.audioLimiters.set(points, limiter);
    }
    return limiter;
  }

  /** Takes the tenant's admission lock; resolves to its release function. */
  private async lock(tenantId: string): Promise<() => Promise<void>> {
    const key = `${QUOTA_KEY_PREFIX}:lock:${tenantId}`;
    const token = randomUUID();
    const deadline = Date.now() + LOCK_WAIT_MS;
    try {
      while ((await this.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
        if (Date.now() > deadline) {
          throw new AppError(
            'SERVICE_UNAVAILABLE',
            'Another upload of your account is being admitted and has not finished; nothing was stored. Try again in a few seconds.',
            'QUOTA_BUSY',
            5,
          );
        }
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      }
    } catch (err) {
      throw err instanceof AppError ? err : storeUnavailable(err);
    }
    return async () => {
      await this.redis.eval(RELEASE_LOCK_LUA, 1, key, token).catch(() => undefined);
    };
  }
}

/**
 * What a tenant has used and may use (admin CLI `quota show`).
 * @param em any EntityManager (a fork is fine); reads the tenant row and counts its jobs.
 * @param redis a connected ioredis client on the service's Redis.
 * @param defaults `config.tenantQuotas`.
 * @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached.
 */
export function tenantUsage(
  em: EntityManager,
  redis: Redis,
  defaults: Config['tenantQuotas'],
  tenantId: string,
): Promise<TenantUsage> {
  return new TenantQuotas(redis, defaults).usage(em, tenantId);
}

/**
 * Forgets the audio seconds a tenant has used in its current day (admin CLI `quota reset`); the
 * next upload starts a new day window.
 * @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached.
 */
export async function resetTenantUsage(redis: Redis, tenantId: string): Promise<void> {
  try {
    await redis.del(`${QUOTA_KEY_PREFIX}:audio:${tenantId}`);
  } catch (err) {
    throw storeUnavailable(err);
  }
}
