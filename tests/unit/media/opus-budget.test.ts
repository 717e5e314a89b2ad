import { JobError } from '../../../src/errors.js';
import {
  audioSecondsCounted,
  chooseOpusBitrate,
  estimateInlineBodyBytes,
  estimateOpusBytes,
  formatDuration,
  JSON_ENVELOPE_MARGIN_BYTES,
  MONO_BITRATE_LADDER_BPS,
  STEREO_BITRATE_LADDER_BPS,
} from '../../../src/media/opus-budget.js';
import { requestBudget } from '../../../src/stt/engine.js';
import { SPEECHKIT_CAPABILITIES } from '../../../src/stt/speechkit/engine.js';

/** SpeechKit's declared request: what the pipeline budgets a SpeechKit job with. */
const SPEECHKIT = requestBudget(SPEECHKIT_CAPABILITIES);
const SPEECHKIT_INLINE_BODY_LIMIT_BYTES = SPEECHKIT.maxBodyBytes;
const SPEECHKIT_MAX_AUDIO_SECONDS = SPEECHKIT.maxCountedSeconds!;

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('limits', () => {
  it('are SpeechKit v3 inline limits as its engine declares them: 60 MB body, 4 h across channels', () => {
    expect(SPEECHKIT_INLINE_BODY_LIMIT_BYTES).toBe(60_000_000);
    expect(SPEECHKIT_MAX_AUDIO_SECONDS).toBe(14_400);
  });

  it('counts audio seconds across channels', () => {
    expect(audioSecondsCounted(3600, 1)).toBe(3600);
    expect(audioSecondsCounted(3600, 2)).toBe(7200);
    expect(() => audioSecondsCounted(-1, 1)).toThrow(RangeError);
  });
});

describe('estimateInlineBodyBytes', () => {
  it('is base64 (4 bytes per started 3) plus the JSON envelope margin', () => {
    expect(estimateInlineBodyBytes(0)).toBe(JSON_ENVELOPE_MARGIN_BYTES);
    expect(estimateInlineBodyBytes(1)).toBe(4 + JSON_ENVELOPE_MARGIN_BYTES);
    expect(estimateInlineBodyBytes(3)).toBe(4 + JSON_ENVELOPE_MARGIN_BYTES);
    expect(estimateInlineBodyBytes(4)).toBe(8 + JSON_ENVELOPE_MARGIN_BYTES);
    expect(estimateInlineBodyBytes(45_000_000)).toBe(60_000_000 + JSON_ENVELOPE_MARGIN_BYTES);
    expect(Buffer.alloc(1000).toString('base64').length).toBe(
      estimateInlineBodyBytes(1000) - JSON_ENVELOPE_MARGIN_BYTES,
    );
  });

  it('rejects nonsense', () => {
    expect(() => estimateInlineBodyBytes(-1)).toThrow(RangeError);
    expect(() => estimateInlineBodyBytes(Number.NaN)).toThrow(RangeError);
  });
});

describe('estimateOpusBytes', () => {
  it('allows at least the measured size of constrained-VBR OGG/Opus (payload + 77 B/s paging)', () => {
    // Measured with ffmpeg 5.1/libopus: 600 s at 20 kbit/s → ≤ 2 577 B/s in CBR, less in CVBR.
    expect(estimateOpusBytes(600, 20_000)).toBeGreaterThan(600 * (2_500 + 77));
    expect(estimateOpusBytes(600, 32_000)).toBeGreaterThan(600 * (4_000 + 77));
  });

  it('stays within ~10 % of the payload for long files (not wastefully pessimistic)', () => {
    const payload = (14_400 * 20_000) / 8;
    expect(estimateOpusBytes(14_400, 20_000)).toBeLessThan(payload * 1.1);
  });

  it('grows with duration and bitrate', () => {
    expect(estimateOpusBytes(0, 20_000)).toBeGreaterThan(0); // header pages
    expect(estimateOpusBytes(100, 20_000)).toBeLessThan(estimateOpusBytes(200, 20_000));
    expect(estimateOpusBytes(100, 20_000)).toBeLessThan(estimateOpusBytes(100, 24_000));
  });
});

describe('chooseOpusBitrate', () => {
  const fits = (seconds: number, bitrate: number) =>
    estimateInlineBodyBytes(estimateOpusBytes(seconds, bitrate)) <
    SPEECHKIT_INLINE_BODY_LIMIT_BYTES;

  it('gives short audio the top of the ladder', () => {
    expect(chooseOpusBitrate(0, 1, SPEECHKIT)).toBe(32_000);
    expect(chooseOpusBitrate(60, 1, SPEECHKIT)).toBe(32_000);
    expect(chooseOpusBitrate(60, 2, SPEECHKIT)).toBe(48_000);
  });

  it('steps down the mono ladder as audio gets longer', () => {
    expect(chooseOpusBitrate(3 * 3600, 1, SPEECHKIT)).toBe(24_000);
    expect(chooseOpusBitrate(14_400, 1, SPEECHKIT)).toBe(20_000);
  });

  it('fits 2 h of stereo', () => {
    const bitrate = chooseOpusBitrate(7_200, 2, SPEECHKIT);
    expect(STEREO_BITRATE_LADDER_BPS).toContain(bitrate);
    expect(fits(7_200, bitrate)).toBe(true);
  });

  it('keeps a useful floor: ≥ 12 kbit/s mono, ≥ 24 kbit/s stereo (libopus collapses stereo below ~20)', () => {
    expect(Math.min(...MONO_BITRATE_LADDER_BPS)).toBeGreaterThanOrEqual(12_000);
    expect(Math.min(...STEREO_BITRATE_LADDER_BPS)).toBeGreaterThanOrEqual(24_000);
  });

  it('always returns the highest ladder step that fits, for every duration up to the limit', () => {
    for (const channels of [1, 2] as const) {
      const ladder = channels === 1 ? MONO_BITRATE_LADDER_BPS : STEREO_BITRATE_LADDER_BPS;
      const maxSeconds = SPEECHKIT_MAX_AUDIO_SECONDS / channels;
      for (let seconds = 0; seconds <= maxSeconds; seconds += 60) {
        const bitrate = chooseOpusBitrate(seconds, channels, SPEECHKIT);
        expect(fits(seconds, bitrate)).toBe(true);
        const higher = ladder.filter((b) => b > bitrate);
        for (const b of higher) expect(fits(seconds, b)).toBe(false);
      }
    }
  });

  it('accepts exactly 4 h mono and 2 h stereo', () => {
    expect(() => chooseOpusBitrate(14_400, 1, SPEECHKIT)).not.toThrow();
    expect(() => chooseOpusBitrate(7_200, 2, SPEECHKIT)).not.toThrow();
  });

  it('refuses more than 4 h of mono with AUDIO_TOO_LONG', () => {
    const err = catchError(() => chooseOpusBitrate(14_401, 1, SPEECHKIT));
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('AUDIO_TOO_LONG');
    expect((err as JobError).retryable).toBe(false);
    expect((err as JobError).message).toMatch(/at most 4 h of audio/);
    expect((err as JobError).message).toMatch(/4 h/);
  });

  it('refuses more than 2 h of stereo, explaining the limit and suggesting a mono mix', () => {
    const err = catchError(() => chooseOpusBitrate(7_201, 2, SPEECHKIT)) as JobError;
    expect(err).toBeInstanceOf(JobError);
    expect(err.code).toBe('AUDIO_TOO_LONG');
    expect(err.message).toMatch(/channel-separated stereo is limited to 2 h\./);
    expect(err.message).toMatch(/SPEAKER_LABELING/);
    expect(err.message).toMatch(/NONE/);
    expect(err.message).toMatch(/mono mix/);
    expect(err.message).toMatch(/2 h 0 min 1 s|2 h 1 s/);
  });

  it('rejects invalid arguments as programming errors', () => {
    expect(() => chooseOpusBitrate(-5, 1, SPEECHKIT)).toThrow(RangeError);
    expect(() => chooseOpusBitrate(Number.POSITIVE_INFINITY, 1, SPEECHKIT)).toThrow(RangeError);
    expect(() => chooseOpusBitrate(60, 3 as 1, SPEECHKIT)).toThrow(RangeError);
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(14_400)).toBe('4 h');
    expect(formatDuration(15_000)).toBe('4 h 10 min');
    expect(formatDuration(7_201)).toBe('2 h 1 s');
  });
});
