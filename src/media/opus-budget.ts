/**
 * How much OGG/Opus audio fits one recognition request of a given size, and the bitrate to
 * encode at. Pure functions, no I/O. The limits come from the engine's declared capabilities
 * (`src/stt/engine.ts` `requestBudget`): the body size, whether the audio travels as base64 inside
 * JSON (×4/3 plus the JSON around it), and the longest audio, possibly counted across channels.
 */
import { JobError } from '../errors.js';

/**
 * What one request may carry, from an engine's declared capabilities: `maxBodyBytes` of body,
 * the audio inside it as base64 when `base64`, at most `maxCountedSeconds` of audio (× channels
 * when `countsChannels`; undefined: no limit).
 */
export interface OpusBudget {
  maxBodyBytes: number;
  base64: boolean;
  maxCountedSeconds?: number;
  countsChannels: boolean;
}

/** Bitrates tried for mono speech, best first (bits per second). */
export const MONO_BITRATE_LADDER_BPS = [32_000, 24_000, 20_000, 16_000, 12_000] as const;

/**
 * Total bitrates tried for two-channel audio, best first. The floor is 24 kbit/s because libopus
 * codes a stereo stream as mono below roughly 19–20 kbit/s (measured with libopus via ffmpeg 5.1:
 * at 16 kbit/s both channels of a call recording came out identical, at 20 kbit/s one speaker
 * leaked into the other channel, at 24 kbit/s the silent channel stayed silent), which would undo
 * the channel separation.
 */
export const STEREO_BITRATE_LADDER_BPS = [48_000, 40_000, 32_000, 24_000] as const;

/** Opus frame length we encode with (`-frame_duration 20`). */
const FRAME_SECONDS = 0.02;
/** Ogg page header without its segment table. */
const OGG_PAGE_HEADER_BYTES = 27;
/**
 * Pages per second allowed for. ffmpeg's Ogg muxer closes a page about every second
 * (`page_duration` 1 s); two leaves room for pages split by the 255-segment limit.
 */
const OGG_PAGES_PER_SECOND = 2;
/** OpusHead + OpusTags pages and stream start/end, generously. */
const OGG_FIXED_OVERHEAD_BYTES = 16 * 1024;
/**
 * Constrained VBR averages at or below the target (measured: speech and white noise, 12–48 kbit/s,
 * average payload 83–99.6 % of target); 2 % covers short-term overshoot on short files.
 */
const ENCODER_OVERSHOOT = 1.02;
/** Everything in the recognition request besides the base64 audio (model, language, options). */
export const JSON_ENVELOPE_MARGIN_BYTES = 64 * 1024;

function assertDuration(durationSeconds: number): void {
  if (!Number.isFinite(durationSeconds) || durationSeconds < 0) {
    throw new RangeError(`durationSeconds must be a finite number >= 0, got ${durationSeconds}`);
  }
}

function assertChannels(channels: number): asserts channels is 1 | 2 {
  if (channels !== 1 && channels !== 2) {
    throw new RangeError(`channels must be 1 or 2, got ${channels}`);
  }
}

/** Seconds an engine that counts channels counts against its limit: duration × channels. */
export function audioSecondsCounted(durationSeconds: number, channels: number): number {
  assertDuration(durationSeconds);
  return durationSeconds * channels;
}

/**
 * Upper estimate of the size in bytes of an OGG/Opus file of `durationSeconds` encoded by
 * `transcodeToOpus` at `bitrateBps` (total over channels): Opus payload + Ogg paging (page headers
 * and one lacing byte per 255 bytes of each 20 ms packet) + header pages. Measured reality at
 * 20 kbit/s mono: payload ≤ 2 500 B/s + 77 B/s of paging; this model allows 2 550 + 104 B/s.
 */
export function estimateOpusBytes(durationSeconds: number, bitrateBps: number): number {
  assertDuration(durationSeconds);
  const packetBytes = (bitrateBps / 8) * FRAME_SECONDS * ENCODER_OVERSHOOT;
  const packetsPerSecond = 1 / FRAME_SECONDS;
  const lacingBytesPerSecond = packetsPerSecond * (Math.floor(packetBytes / 255) + 1);
  const bytesPerSecond =
    packetBytes * packetsPerSecond +
    lacingBytesPerSecond +
    OGG_PAGES_PER_SECOND * OGG_PAGE_HEADER_BYTES;
  return Math.ceil(durationSeconds * bytesPerSecond + OGG_FIXED_OVERHEAD_BYTES);
}

/**
 * Size in bytes of the inline recognition request carrying `opusBytes` of audio:
 * base64 (4 bytes per started 3) plus {@link JSON_ENVELOPE_MARGIN_BYTES}.
 */
export function estimateInlineBodyBytes(opusBytes: number): number {
  if (!Number.isFinite(opusBytes) || opusBytes < 0) {
    throw new RangeError(`opusBytes must be a finite number >= 0, got ${opusBytes}`);
  }
  return 4 * Math.ceil(opusBytes / 3) + JSON_ENVELOPE_MARGIN_BYTES;
}

/** "4 h 10 min", "1 h 59 min 30 s", "45 s". */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', s || total === 0 ? `${s} s` : ''];
  return parts.filter(Boolean).join(' ');
}

/**
 * The highest bitrate (bits per second, total over channels) at which `durationSeconds` of OGG/Opus
 * still fits one request of `budget`: estimated file size ({@link estimateOpusBytes}), as a base64
 * body ({@link estimateInlineBodyBytes}) when `budget.base64`, under `budget.maxBodyBytes`.
 * Mono tries {@link MONO_BITRATE_LADDER_BPS}, stereo {@link STEREO_BITRATE_LADDER_BPS}.
 * Examples with SpeechKit's budget (60 MB base64 body, 4 h across channels): 4 h mono → 20 000;
 * 3 h mono → 24 000; 2 h stereo → 48 000. An unbounded budget gives the top of the ladder.
 *
 * @throws JobError `AUDIO_TOO_LONG` when the counted duration exceeds `budget.maxCountedSeconds`
 *   (SpeechKit: 4 h mono, 2 h stereo).
 * @throws JobError `AUDIO_TOO_LARGE` if even the lowest bitrate would not fit (cannot happen within
 *   SpeechKit's 4 h; kept so the rule holds if the ladders or limits change).
 * @throws RangeError for a negative/non-finite duration or channels other than 1 or 2.
 */
export function chooseOpusBitrate(
  durationSeconds: number,
  channels: 1 | 2,
  budget: OpusBudget,
): number {
  assertDuration(durationSeconds);
  assertChannels(channels);
  const counted = budget.countsChannels
    ? audioSecondsCounted(durationSeconds, channels)
    : durationSeconds;
  if (budget.maxCountedSeconds !== undefined && counted > budget.maxCountedSeconds) {
    const length = formatDuration(durationSeconds);
    const max = budget.maxCountedSeconds;
    const perChannel = formatDuration(budget.countsChannels ? max / 2 : max);
    throw new JobError(
      'AUDIO_TOO_LONG',
      channels === 1 || !budget.countsChannels
        ? `The recording is ${length} long, but speech recognition accepts at most ${formatDuration(max)} of audio per file. Please split it into shorter parts and upload them separately.`
        : `The recording is ${length} long and was to be transcribed as channel-separated stereo (one speaker per channel). Recognition counts the length of both channels, so channel-separated stereo is limited to ${perChannel}. Split the recording into parts of at most ${perChannel}, or choose diarization SPEAKER_LABELING or NONE, which transcribes a mono mix of up to ${formatDuration(max)}.`,
    );
  }
  const ladder = channels === 1 ? MONO_BITRATE_LADDER_BPS : STEREO_BITRATE_LADDER_BPS;
  for (const bitrate of ladder) {
    const bytes = estimateOpusBytes(durationSeconds, bitrate);
    const body = budget.base64 ? estimateInlineBodyBytes(bytes) : bytes;
    if (body < budget.maxBodyBytes) return bitrate;
  }
  throw new JobError(
    'AUDIO_TOO_LARGE',
    `The recording (${formatDuration(durationSeconds)}) is too large to send for recognition even at the lowest audio quality. Please split it into shorter parts.`,
  );
}
