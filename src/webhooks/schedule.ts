/**
 * When the next attempt is due. The schedule is the Standard Webhooks example by default
 * (`DEFAULT_RETRY_SCHEDULE_SECONDS` in `src/config/webhooks.ts`: immediately, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), each delay with random jitter so that endpoints
 * coming back from an outage are not hit by every retry at once; a `Retry-After` longer than the
 * scheduled delay is honoured (capped at {@link MAX_RETRY_AFTER_SECONDS}).
 */

/** Longest `Retry-After` honoured, seconds (a day, the schedule's longest step). */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/** Inputs of {@link nextDelayMs}. */
export interface RetryInput {
  /** Attempts made so far, ≥ 1. */
  attemptsMade: number;
  /** Seconds before attempt 2, 3, … */
  scheduleSeconds: readonly number[];
  /** Relative jitter, 0..0.5: the delay is multiplied by a factor in [1 - j, 1 + j]. */
  jitter: number;
  /** What the endpoint asked for with `Retry-After`, seconds. */
  retryAfterSeconds?: number;
  /** Uniform random in [0, 1) (injected in tests). */
  random?: () => number;
}

/**
 * @returns milliseconds until the next attempt, or undefined when the schedule is used up
 *   (the delivery then ends FAILED).
 */
export function nextDelayMs(input: RetryInput): number | undefined {
  const base = input.scheduleSeconds[input.attemptsMade - 1];
  if (base === undefined) return undefined;
  const r = (input.random ?? Math.random)();
  const jittered = base * 1000 * (1 - input.jitter + 2 * input.jitter * r);
  const asked =
    input.retryAfterSeconds === undefined
      ? 0
      : Math.min(input.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS) * 1000;
  return Math.round(Math.max(jittered, asked));
}
