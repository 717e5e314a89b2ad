/**
 * The circuit breaker around an engine's requests (one per HTTP client, so per engine and
 * process): after `consecutiveFailures` logical requests in a row fail with an outage (a
 * retryable status, network error or timeout after all their retries), that last failure and
 * every request after it fail with {@link SttCircuitOpenError} — at once, nothing sent — until
 * `halfOpenAfterMs` has passed; then one trial request decides whether to close it again. Client
 * errors (400/401/403/404/413, …) are not outages and leave the count alone. Built on cockatiel's
 * `circuitBreaker` with a `ConsecutiveBreaker`.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import { JobError } from '../../errors.js';
import type { HttpEngine } from './errors.js';

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

/** The breaker's state as hooks and metrics see it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

/**
 * The engine is considered down (its circuit breaker is open): the request was not sent, or its
 * failure just opened the circuit. A retryable {@link JobError} (`STT_UNAVAILABLE`) that any
 * engine's client throws, so the pipeline can catch it without knowing the engine;
 * `retryAfterMs` (milliseconds, ≥ 1000) is when a trial request will be allowed, so a job can
 * wait that long instead of failing. Message: "SpeechKit operation poll failed: SpeechKit failed
 * repeatedly, so calls are paused for 30 s."
 */
export class SttCircuitOpenError extends JobError {
  /** The engine's id (`speechkit`, `openai`). */
  readonly engine: string;
  constructor(
    engine: HttpEngine,
    what: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      'STT_UNAVAILABLE',
      `${engine.name} ${what} failed: ${engine.name} failed repeatedly, so calls are paused for ${Math.round(retryAfterMs / 1000)} s.`,
      true,
      options,
    );
    this.name = 'SttCircuitOpenError';
    this.engine = engine.id;
  }
}

/** A circuit: runs requests and tells, after a failure, whether the engine counts as down. */
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
 * Creates a circuit for `engine`. `isOutage` tells the failures that count (the client's
 * retryable ones); state changes go to `onState` for logs and metrics.
 */
export function createCircuit(
  engine: HttpEngine,
  options: BreakerOptions,
  isOutage: (err: unknown) => boolean,
  onState: (state: CircuitStateName) => void,
): Circuit {
  // Counts logical requests (after their retries) that ended in an outage; client errors
  // pass through without counting.
  const breaker = circuitBreaker(handleWhen(isOutage), {
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
      if (!(err instanceof BrokenCircuitError) && !(circuitOpen && isOutage(err))) {
        return undefined;
      }
      // Either nothing was sent, or this very failure opened the circuit: the engine is
      // considered down until the trial request; callers may wait that long.
      const left = openedAt + options.halfOpenAfterMs - Date.now();
      return new SttCircuitOpenError(engine, what, Math.max(1000, left), {
        cause: err instanceof BrokenCircuitError ? undefined : err,
      });
    },
  };
}
