/**
 * Request rates as the SpeechKit test double saw them, for quota tests: how many requests of one
 * kind arrived within any sliding window, by the double's own arrival timestamps.
 */
import type { FaultTarget } from './faults.js';

/** The busiest window: `count` requests arrived in `[fromMs, fromMs + windowMs)` (epoch ms). */
export interface PeakRate {
  count: number;
  fromMs: number;
  windowMs: number;
}

/**
 * The most requests to `endpoint` that arrived within any half-open window `[t, t + windowMs)`.
 * Windows slide over the arrival times, so this is the true maximum over every window of that
 * length, not over fixed clock seconds. `{ count: 0 }` when there were none.
 * @param requests the double's `requests` (each with its arrival time `at`, epoch ms).
 */
export function peakRate(
  requests: readonly { endpoint: FaultTarget | 'unknown'; at: number }[],
  endpoint: FaultTarget,
  windowMs = 1000,
): PeakRate {
  const times = requests
    .filter((r) => r.endpoint === endpoint)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let best: PeakRate = { count: 0, fromMs: times[0] ?? 0, windowMs };
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[last] - times[first] >= windowMs) first++;
    const count = last - first + 1;
    if (count > best.count) best = { count, fromMs: times[first], windowMs };
  }
  return best;
}
