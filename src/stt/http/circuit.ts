/**
 * The circuit breaker around SpeechKit requests (one per HTTP client, so per process): after
 * `consecutiveFailures` logical requests in a row fail with an outage (429/5xx/network/timeout
 * after all their retries), that last failure and every request after it fail with
 * {@link SttCircuitOpenError} — at once, nothing sent — until `halfOpenAfterMs` has passed; then
 * one trial request decides whether to close it again. Built on cockatiel's `circuitBreaker` with
 * a `ConsecutiveBreaker`.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import { JobError } from '../../errors.js';
import { isRetryable } from './errors.js';

/** Circuit breaker tuning: failures in a row that open it, and ms until a trial request. */
export interface BreakerOptions {
  consecutiveFailures: number;
  halfOpenAfterMs: number;
}

/** Default breaker: open after 5 failed requests in a row, try again after 30 s. */
export const DEFAULT_BREAKER: Readonly<BreakerOptions> = Object.freeze({
  consecutiveFailures: 5,
  halfOpenAfterMs: 30_000,
});

/**
 * SpeechKit is considered down (the circuit breaker is open): the request was not sent. A
 * retryable {@link JobError} (`STT_UNAVAILABLE`); `retryAfterMs` is when a trial request will be
 * allowed, so a job can wait that long instead of failing.
 */
export class SttCircuitOpenError extends JobError {
  constructor(
    what: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      'STT_UNAVAILABLE',
      `SpeechKit ${what} failed: SpeechKit failed repeatedly, so calls are paused for ${Math.round(retryAfterMs / 1000)} s.`,
      true,
      options,
    );
    this.name = 'SttCircuitOpenError';
  }
}

/** A circuit: runs requests and tells, after a failure, whether SpeechKit counts as down. */
export interface Circuit {
  /** Runs `fn` unless the circuit is open (then rejects with cockatiel's BrokenCircuitError). */
  execute<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * For a request that failed with `err`: the {@link SttCircuitOpenError} to throw instead when
   * nothing was sent (circuit open) or this very failure opened it; undefined otherwise.
   */
  openError(what: string, err: unknown): SttCircuitOpenError | undefined;
}

/**
 * Creates a circuit. State changes go to `onState` ("open", "half-open", "closed") for logs and
 * metrics.
 */
export function createCircuit(
  options: BreakerOptions,
  onState: (state: 'closed' | 'open' | 'half-open') => void,
): Circuit {
  // Counts logical requests (after their retries) that ended in an outage; client errors
  // (400/401/403/404) are not outages and pass through without counting.
  const breaker = circuitBreaker(handleWhen(isRetryable), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.consecutiveFailures),
  });
  let openedAt = 0;
  breaker.onStateChange((state) => {
    const name =
      state === CircuitState.Open || state === CircuitState.Isolated
        ? 'open'
        : state === CircuitState.HalfOpen
          ? 'half-open'
          : 'closed';
    if (name === 'open') openedAt = Date.now();
    onState(name);
  });
  return {
    execute: (fn, signal) => breaker.execute(fn, signal),
    openError(what, err) {
      const circuitOpen = breaker.state === CircuitState.Open;
      if (!(err instanceof BrokenCircuitError) && !(circuitOpen && isRetryable(err))) {
        return undefined;
      }
      // Either nothing was sent, or this very failure opened the circuit: SpeechKit is
      // considered down until the trial request; callers may wait that long.
      const left = openedAt + options.halfOpenAfterMs - Date.now();
      return new SttCircuitOpenError(what, Math.max(1000, left), {
        cause: err instanceof BrokenCircuitError ? undefined : err,
      });
    },
  };
}
