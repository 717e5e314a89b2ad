/**
 * Waiting out an engine outage: while an engine's circuit breaker is open, a job waits for the
 * breaker's trial instead of failing, telling its subscribers why.
 */
import type { Logger } from 'pino';
import { SttCircuitOpenError } from '../stt/http/circuit.js';
import type { ProgressReporter } from './progress.js';

/**
 * Longest a job waits, in total, for its engine to come back while the engine's circuit breaker
 * is open (milliseconds). Past it the job ends FAILED with STT_UNAVAILABLE. 6 h leaves most of
 * the 24 h retention for the recognition itself.
 */
export const STT_OUTAGE_MAX_WAIT_MS = 6 * 3600_000;

/**
 * Runs one engine step; while the circuit breaker is open (the engine is down) the job waits for
 * the breaker's trial instead of failing, reporting why on its progress, up to
 * {@link STT_OUTAGE_MAX_WAIT_MS} in total over the job (`waited.ms` accumulates).
 * @param engineName shown to the user ("SpeechKit is unavailable; waiting 30 s …").
 * @throws the step's error once the wait budget is spent, or at once for any other error;
 *   the abort reason when `signal` aborts while waiting.
 */
export async function whileSttAvailable<T>(
  step: () => Promise<T>,
  ctx: {
    engineName: string;
    progress: ProgressReporter;
    signal: AbortSignal;
    log: Logger;
    waited: { ms: number };
  },
): Promise<T> {
  const { engineName, progress, signal, log, waited } = ctx;
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof SttCircuitOpenError) || waited.ms >= STT_OUTAGE_MAX_WAIT_MS) throw err;
      const waitMs = Math.min(err.retryAfterMs, STT_OUTAGE_MAX_WAIT_MS - waited.ms);
      log.warn({ waitMs, engine: engineName }, 'engine unavailable (circuit open); the job waits');
      progress.notice(
        `${engineName} is unavailable; waiting ${Math.ceil(waitMs / 1000)} s before trying again`,
      );
      await sleep(waitMs, signal);
      waited.ms += waitMs;
    }
  }
}

/** Resolves after `ms` milliseconds; rejects with the abort reason if `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
