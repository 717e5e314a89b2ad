/**
 * The pure parts of issue 14: each engine's billing rule against its published examples, the
 * price variables, how an expired job's outcome is read back, and the queue arithmetic of
 * completion estimates.
 */
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { JobStatus } from '../../src/domain.js';
import { queueStartSeconds, remainingSeconds } from '../../src/services/estimate.js';
import { checkRange, outcomeOf, periodOf } from '../../src/services/usage/report.js';
import { OPENAI_BILLING } from '../../src/stt/openai/billing.js';
import { SPEECHKIT_CAPABILITIES } from '../../src/stt/speechkit/engine.js';

test('SpeechKit bills per pair of channels, whole seconds, at least 15 s per pair (its pricing page examples)', () => {
  const bill = SPEECHKIT_CAPABILITIES.billing.billedSeconds;
  // "1 s mono → 15 s; 1 s with 3 channels → 30 s; 15.5 s stereo → 16 s; 15.5 s with 4 channels → 32 s"
  expect(bill({ durationSeconds: 1, channels: 1 })).toBe(15);
  expect(bill({ durationSeconds: 1, channels: 3 })).toBe(30);
  expect(bill({ durationSeconds: 15.5, channels: 2 })).toBe(16);
  expect(bill({ durationSeconds: 15.5, channels: 4 })).toBe(32);
  expect(bill({ durationSeconds: 20.556, channels: 1 })).toBe(
    bill({ durationSeconds: 20.556, channels: 2 }),
  );
  expect(bill({ durationSeconds: 16.0000001, channels: 1 })).toBe(16); // float noise is not a second
});

test('OpenAI-compatible engines bill the duration sent', () => {
  expect(OPENAI_BILLING.billedSeconds({ durationSeconds: 3.25, channels: 1 })).toBe(3.25);
});

test('STT_PRICE_PER_MINUTE_<ENGINE> takes a price and optionally a currency', () => {
  const c = loadConfig({
    STT_PRICE_PER_MINUTE_SPEECHKIT: '1.2 rub',
    STT_PRICE_PER_MINUTE_OPENAI: '0.006',
    STT_PRICE_CURRENCY: 'KZT',
  });
  expect(c.prices).toEqual({
    speechkit: { perMinute: 1.2, currency: 'RUB' },
    openai: { perMinute: 0.006, currency: 'KZT' },
  });
  expect(loadConfig({}).prices).toEqual({});
  expect(() => loadConfig({ STT_PRICE_PER_MINUTE_OPENAI: 'cheap' })).toThrow(ConfigError);
  expect(() => loadConfig({ STT_PRICE_PER_MINUTE_OPENAI: 'cheap' })).toThrow(
    /STT_PRICE_PER_MINUTE_OPENAI: use a price per billed minute/,
  );
});

test('an expired job is counted by how it ended before expiry', () => {
  const expired = { status: JobStatus.EXPIRED, errorCode: null, progress: 0, completedAt: null };
  expect(outcomeOf(expired)).toBe('expired');
  expect(outcomeOf({ ...expired, progress: 100, completedAt: new Date() })).toBe('completed');
  expect(outcomeOf({ ...expired, errorCode: 'STT_UNAVAILABLE', completedAt: new Date() })).toBe(
    'failed',
  );
  expect(outcomeOf({ ...expired, progress: 40, completedAt: new Date() })).toBe('cancelled');
  expect(outcomeOf({ ...expired, status: JobStatus.TRANSCODING })).toBe('unfinished');
});

test('periods are UTC days or months; a range must be forward and at most 400 days', () => {
  const at = new Date('2026-12-31T23:30:00Z');
  expect(periodOf(at, 'DAY')).toEqual({
    period: '2026-12-31',
    start: new Date('2026-12-31T00:00:00Z'),
  });
  expect(periodOf(at, 'MONTH').period).toBe('2026-12');
  expect(() => checkRange(at, at)).toThrow(/"to" must be after "from"/);
  expect(() => checkRange(new Date('2025-01-01'), new Date('2026-12-01'))).toThrow(
    /at most 400 days/,
  );
});

test('estimates: remaining work by stage and the queue filling the slots first in, first out', () => {
  const rates = { transcode: 20, recognition: 10, persist: 100, overheadSeconds: 1 };
  // 100 s of audio: 5 s transcode + 10 s recognition + 1 s persist + 1 s overhead.
  expect(remainingSeconds({ progress: 0, durationSeconds: 100 }, rates)).toBeCloseTo(17, 6);
  // Transcoded, half recognised: 5 s of recognition + persist + the overhead's share.
  expect(remainingSeconds({ progress: 62, durationSeconds: 100 }, rates)).toBeCloseTo(
    5 + 1 + 0.38,
    6,
  );
  // Two slots, one busy for 4 s; queued ahead 10, 3, 5: the slots free at 12 and 10, so it starts at 10.
  expect(queueStartSeconds([4], [10, 3, 5], 2)).toBe(10);
  expect(queueStartSeconds([], [], 1)).toBe(0);
  expect(queueStartSeconds([6, 2, 9], [], 2)).toBe(2); // more running than announced slots
});
