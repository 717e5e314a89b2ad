/**
 * The retry schedule as a pure function, on an injected clock (no sleeping): the spec's default
 * steps, jitter bounds, Retry-After, the end of the schedule — and what a receiver that fails
 * for 2 minutes sees with the default schedule.
 */
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../../../src/config/webhooks.js';
import { MAX_RETRY_AFTER_SECONDS, nextDelayMs } from '../../../src/webhooks/schedule.js';
import { parseRetryAfter } from '../../../src/webhooks/sender.js';

const base = { scheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS, jitter: 0.2 };

test('the default schedule is the spec example: 10 attempts over about 75.5 h', () => {
  expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toEqual([
    5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400,
  ]);
  const total = DEFAULT_RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0);
  expect(total / 3600).toBeCloseTo(75.5, 0);
  expect(nextDelayMs({ ...base, attemptsMade: 10, random: () => 0.5 })).toBeUndefined();
});

test('jitter keeps each delay within ±20 % and spreads it', () => {
  const delays = [0, 0.25, 0.5, 0.75, 0.999].map((r) =>
    nextDelayMs({ ...base, attemptsMade: 2, random: () => r }),
  );
  expect(delays[0]).toBe(240_000);
  expect(delays[2]).toBe(300_000);
  expect(delays[4]).toBeLessThanOrEqual(360_000);
  expect(new Set(delays).size).toBe(5);
});

test('a Retry-After longer than the step is honoured, capped at a day; a shorter one does not shorten it', () => {
  const r = () => 0.5;
  expect(nextDelayMs({ ...base, attemptsMade: 1, random: r, retryAfterSeconds: 60 })).toBe(60_000);
  expect(nextDelayMs({ ...base, attemptsMade: 2, random: r, retryAfterSeconds: 1 })).toBe(300_000);
  expect(nextDelayMs({ ...base, attemptsMade: 1, random: r, retryAfterSeconds: 10 * 86_400 })).toBe(
    MAX_RETRY_AFTER_SECONDS * 1000,
  );
});

test('Retry-After as seconds or an HTTP date', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  expect(parseRetryAfter('120', now)).toBe(120);
  expect(parseRetryAfter('Wed, 02 Dec 2026 10:01:30 GMT', now)).toBe(90);
  expect(parseRetryAfter('Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter(undefined, now)).toBeUndefined();
});

/**
 * Replays the default schedule on a virtual clock against a receiver that fails (5xx) for
 * `outageSeconds` from the event on, and answers 2xx afterwards.
 * @returns seconds from the event to delivery and the attempts made.
 */
function replayOutage(outageSeconds: number, random: () => number) {
  let t = 0;
  for (let attempts = 1; ; attempts++) {
    if (t >= outageSeconds) return { deliveredAfter: t, attempts };
    const d = nextDelayMs({ ...base, attemptsMade: attempts, random });
    if (d === undefined) return { deliveredAfter: undefined, attempts };
    t += d / 1000;
  }
}

test('a receiver failing for 2 minutes gets the event on the 3rd attempt, 4–6 min after it happened', () => {
  const low = replayOutage(120, () => 0);
  const mid = replayOutage(120, () => 0.5);
  const high = replayOutage(120, () => 0.999);
  expect([low.attempts, mid.attempts, high.attempts]).toEqual([3, 3, 3]);
  expect(low.deliveredAfter).toBeCloseTo(244, 0);
  expect(mid.deliveredAfter).toBeCloseTo(305, 0);
  expect(high.deliveredAfter).toBeCloseTo(366, 0);
  // Nothing is lost even after a day and a half down: attempt 8 comes ~35.5 h after the event.
  expect(replayOutage(36 * 3600, () => 0.5).attempts).toBe(9);
});
