/**
 * SpeechKit's request quotas, declared as data for the engine-neutral limiter
 * (`src/stt/request-limiter.ts`), which holds them for every worker sharing Redis.
 *
 * Source: Yandex Cloud documentation, SpeechKit "Quotas and limits"
 * (yandex.cloud/en/docs/speechkit/concepts/limits, version of May 2025; the `speechkit-limits`
 * include of the yandex-cloud/docs repository), asynchronous recognition:
 * - "Number of recognition requests per hour": **500** → `submissions`
 *   (`POST /stt/v3/recognizeFileAsync`).
 * - "Operation status check requests via API v3 per second": **5** → `operationPolls`
 *   (`GET /operations/{id}`). API v2 has 2,500 per hour instead; this client speaks v3.
 * - 10,000 billable hours of audio per day: a volume, not a request rate, not enforced here.
 * No quota is documented for getRecognition or deleteRecognition, nor a cap on concurrent
 * operations, so they are not limited. Quotas count per cloud and can be raised through support;
 * `SPEECHKIT_POLLS_PER_SECOND` and `SPEECHKIT_SUBMISSIONS_PER_HOUR` then set the new figures.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/config.js';
import {
  createRequestLimiter,
  type QuotaWaitEvent,
  type RequestLimiter,
  type RequestRates,
} from '../request-limiter.js';

/** The SpeechKit requests that have a quota. */
export type SpeechKitRequestKind = 'submissions' | 'operationPolls';

/** SpeechKit's documented quotas (see the module notes for the source). */
export const SPEECHKIT_QUOTAS: RequestRates<SpeechKitRequestKind> = Object.freeze({
  submissions: Object.freeze({ points: 500, perSeconds: 3600 }),
  operationPolls: Object.freeze({ points: 5, perSeconds: 1 }),
});

/** The limiter's engine name: Redis keys and the `engine` label of `kazru_quota_wait_seconds`. */
export const SPEECHKIT_ENGINE = 'speechkit';

/** Raised quotas (`SPEECHKIT_POLLS_PER_SECOND`, `SPEECHKIT_SUBMISSIONS_PER_HOUR`); unset = documented. */
export interface SpeechKitQuotaOverrides {
  pollsPerSecond?: number;
  submissionsPerHour?: number;
}

/** {@link SPEECHKIT_QUOTAS} with the overrides applied. */
export function speechKitQuotas(
  overrides: SpeechKitQuotaOverrides = {},
): RequestRates<SpeechKitRequestKind> {
  return {
    submissions: {
      ...SPEECHKIT_QUOTAS.submissions,
      points: overrides.submissionsPerHour ?? SPEECHKIT_QUOTAS.submissions.points,
    },
    operationPolls: {
      ...SPEECHKIT_QUOTAS.operationPolls,
      points: overrides.pollsPerSecond ?? SPEECHKIT_QUOTAS.operationPolls.points,
    },
  };
}

/**
 * The quota scope of a configuration: a short hash of the SpeechKit URLs and folder, so workers
 * configured alike share one budget, and SpeechKit doubles on other ports (tests) do not.
 */
export function speechKitQuotaScope(
  cfg: Pick<Config['stt'], 'sttUrl' | 'operationUrl' | 'folderId'>,
): string {
  const id = `${cfg.sttUrl} ${cfg.operationUrl} ${cfg.folderId ?? ''}`;
  return createHash('sha256').update(id).digest('hex').slice(0, 12);
}

/**
 * The deployment-wide SpeechKit limiter for a worker.
 * @param opts.redis the app's Redis command client (shared budget); without it, per process.
 * @param opts.onWait metrics hook, called after every permit with the time waited.
 */
export function createSpeechKitLimiter(
  cfg: Config['stt'],
  opts: { redis?: Redis; onWait?: (event: QuotaWaitEvent) => void } = {},
): RequestLimiter<SpeechKitRequestKind> {
  return createRequestLimiter({
    engine: SPEECHKIT_ENGINE,
    scope: speechKitQuotaScope(cfg),
    limits: speechKitQuotas(cfg.quotas),
    redis: opts.redis,
    onWait: opts.onWait,
  });
}
