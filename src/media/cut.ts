/**
 * `cutChunk`: writes one planned piece of a recording (see `chunk-plan.ts`) as its own small file
 * for a speech engine: one channel or a downmix, mono, 16 kHz, FLAC or OGG/Opus.
 */
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { JobError } from '../errors.js';
import {
  abortReason,
  AUDIO_ONLY_OUTPUT,
  hardenedCommand,
  lastLines,
  MediaTimeoutError,
  runFfmpeg,
} from './ffmpeg-process.js';
import { opusSpeechEncoder } from './transcode.js';
import { readChannelCount } from './channels.js';

/** Encodings {@link cutChunk} writes. */
export type ChunkFormat = 'flac' | 'ogg-opus';

/** Default sample rate of a piece (Hz): what Whisper resamples everything to anyway. */
export const DEFAULT_CUT_SAMPLE_RATE = 16_000;

/**
 * Default Opus bitrate of a piece (bit/s): above the 16–32 kbit/s the recording was transcoded at,
 * so decoding and re-encoding adds little loss.
 */
export const DEFAULT_CUT_OPUS_BITRATE_BPS = 32_000;

/** Options of {@link cutChunk}. Seconds throughout. */
export interface CutOptions {
  /** Start of the piece in the source, seconds (`-ss` before `-i`: sample-accurate, see below). */
  startSeconds: number;
  /** End of the piece in the source, seconds; past the end of the file the piece just ends there. */
  endSeconds: number;
  /** 0-based channel to keep (`pan=mono|c0=c<N>`); undefined: a downmix of all channels. */
  channel?: number;
  /** Path of the piece to write. Replaced atomically; on failure it is left as it was. */
  output: string;
  /**
   * `flac`: lossless 16-bit, about half the size of WAV for speech (≤ {@link maxBytesPerSecond}).
   * `ogg-opus`: re-encoded with libopus (constrained VBR, `voip`), a tenth of FLAC's size.
   */
  format: ChunkFormat;
  /** Output sample rate in Hz; default {@link DEFAULT_CUT_SAMPLE_RATE}. Opus: 8/12/16/24/48 kHz. */
  sampleRate?: number;
  /** Opus only: bitrate in bit/s; default {@link DEFAULT_CUT_OPUS_BITRATE_BPS}. */
  bitrateBps?: number;
  /** Abort kills ffmpeg (SIGKILL to its process group) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Kill ffmpeg after this many milliseconds (rejects with `TRANSCODE_FAILED`); default 30 s plus
   * 0.1 s per second of the piece (10× real time).
   */
  timeoutMs?: number;
}

/** What {@link cutChunk} wrote. */
export interface CutResult {
  /** Size of the written file, bytes. */
  bytes: number;
  /** Seconds of audio in it, counted in samples fed to the encoder. */
  durationSeconds: number;
}

/**
 * Upper bound on the bytes per second of a piece {@link cutChunk} writes, container overhead
 * (`CHUNK_CONTAINER_OVERHEAD_BYTES`, counted once per piece by `estimateChunkBytes`) aside:
 * the `bytesPerSecond` to plan with. FLAC: 16-bit samples plus 2 % (uncompressible noise is
 * stored verbatim; frame headers; measured 0.4 % on full-scale white noise). Opus: the bitrate
 * plus 5 % and 100 B/s of Ogg paging (constrained VBR stays at or under the target on average).
 */
export function maxBytesPerSecond(
  format: ChunkFormat,
  opts: { sampleRate?: number; bitrateBps?: number } = {},
): number {
  if (format === 'flac') return Math.ceil((opts.sampleRate ?? DEFAULT_CUT_SAMPLE_RATE) * 2 * 1.02);
  return Math.ceil(((opts.bitrateBps ?? DEFAULT_CUT_OPUS_BITRATE_BPS) / 8) * 1.05 + 100);
}

const OPUS_RATES = new Set([8_000, 12_000, 16_000, 24_000, 48_000]);
const SAMPLES_LINE = /^\[Parsed_astats_\d+ @ 0x[0-9a-f]+\] Number of samples: (\d+)/;

/**
 * Cuts `[startSeconds, endSeconds)` out of `sourcePath` (the transcoded OGG/Opus, or any file
 * `probeMedia` accepts), keeps one channel or downmixes, resamples to `sampleRate` and writes it to
 * `output` as FLAC or OGG/Opus with no metadata and bit-exact headers (the same cut gives the same
 * bytes, so a piece cut again after a crash is identical).
 *
 * Seeking: `-ss` before `-i` seeks in the Ogg index and then decodes and drops the samples before
 * the start (ffmpeg's default `-accurate_seek`), so the piece starts on the requested sample
 * (verified against a full decode in the integration test); `-t` ends it likewise. The duration
 * is counted from the samples fed to the encoder (`astats`), not taken from container timestamps.
 *
 * Atomic: ffmpeg writes `output + '.part'` (a stale one is removed first), renamed to `output` on
 * success; on failure or abort the part file is removed, so a crash never leaves half a piece
 * under the final name. ffmpeg runs in the source's directory with the input whitelists.
 *
 * @returns bytes written and seconds of audio.
 * @throws RangeError for a negative start, an end not after the start, an unknown format, a bad
 *   sample rate or bitrate, or a channel the file does not have.
 * @throws JobError `TRANSCODE_FAILED` when ffmpeg fails, writes no audio, or times out.
 * @throws the abort reason when aborted (ffmpeg killed, part file removed).
 */
export async function cutChunk(sourcePath: string, opts: CutOptions): Promise<CutResult> {
  const { startSeconds, endSeconds, channel, format, signal } = opts;
  const sampleRate = opts.sampleRate ?? DEFAULT_CUT_SAMPLE_RATE;
  const bitrateBps = opts.bitrateBps ?? DEFAULT_CUT_OPUS_BITRATE_BPS;
  if (!(Number.isFinite(startSeconds) && startSeconds >= 0)) {
    throw new RangeError(`startSeconds must be a finite number ≥ 0, got ${startSeconds}`);
  }
  if (!(Number.isFinite(endSeconds) && endSeconds > startSeconds)) {
    throw new RangeError(
      `endSeconds must be after startSeconds, got ${startSeconds}–${endSeconds}`,
    );
  }
  if (format !== 'flac' && format !== 'ogg-opus') {
    throw new RangeError(`format must be 'flac' or 'ogg-opus', got ${String(format)}`);
  }
  if (!(Number.isInteger(sampleRate) && sampleRate >= 8_000 && sampleRate <= 48_000)) {
    throw new RangeError(`sampleRate must be an integer 8000–48000, got ${sampleRate}`);
  }
  if (format === 'ogg-opus' && !OPUS_RATES.has(sampleRate)) {
    throw new RangeError(`Opus takes 8, 12, 16, 24 or 48 kHz, got ${sampleRate}`);
  }
  if (format === 'ogg-opus' && !(bitrateBps >= 6_000 && bitrateBps <= 510_000)) {
    throw new RangeError(`bitrateBps must be within libopus's 6000–510000, got ${bitrateBps}`);
  }
  if (channel !== undefined && !(Number.isInteger(channel) && channel >= 0)) {
    throw new RangeError(`channel must be a non-negative integer, got ${channel}`);
  }
  if (signal?.aborted) throw abortReason(signal);

  const sourceAbs = path.resolve(sourcePath);
  const cwd = path.dirname(sourceAbs);
  const outputAbs = path.resolve(opts.output);
  const partPath = `${outputAbs}.part`;
  const seconds = endSeconds - startSeconds;
  const timeoutMs = opts.timeoutMs ?? 30_000 + Math.ceil(seconds * 100);
  const deadline = Date.now() + timeoutMs;

  try {
    if (channel !== undefined) {
      const count = await readChannelCount(sourceAbs, {
        cwd,
        timeoutMs: Math.max(1, deadline - Date.now()),
        signal,
      });
      if (channel >= count) {
        throw new RangeError(`channel ${channel} does not exist: the file has ${count}`);
      }
    }
    await rm(partPath, { force: true });
    const filters = [
      ...(channel !== undefined ? [`pan=mono|c0=c${channel}`] : []),
      `aresample=${sampleRate}`,
      'aformat=channel_layouts=mono',
      'astats=measure_perchannel=none:measure_overall=Number_of_samples',
    ];
    const encoder =
      format === 'flac'
        ? ['-c:a', 'flac', '-sample_fmt', 's16', '-compression_level', '5', '-f', 'flac']
        : [...opusSpeechEncoder(bitrateBps), '-f', 'ogg'];
    let samples: number | undefined;
    await runFfmpeg(
      hardenedCommand(
        sourceAbs,
        ['-v', 'info', '-nostats', '-ss', startSeconds.toFixed(6), '-t', seconds.toFixed(6)],
        cwd,
      )
        .output(partPath)
        .outputOptions([
          ...AUDIO_ONLY_OUTPUT,
          '-fflags',
          '+bitexact',
          '-flags',
          '+bitexact',
          '-af',
          filters.join(','),
          ...encoder,
        ]),
      {
        cwd,
        signal,
        timeoutMs: Math.max(1, deadline - Date.now()),
        onLine: (line) => {
          const m = SAMPLES_LINE.exec(line);
          if (m) samples = Number(m[1]);
        },
      },
    );
    if (!samples) {
      throw new JobError(
        'TRANSCODE_FAILED',
        `Could not cut the audio: no audio between ${startSeconds} s and ${endSeconds} s`,
      );
    }
    const { size } = await stat(partPath);
    await rename(partPath, outputAbs);
    return { bytes: size, durationSeconds: samples / sampleRate };
  } catch (err) {
    await rm(partPath, { force: true });
    if (signal?.aborted) throw abortReason(signal);
    if (err instanceof RangeError || err instanceof JobError) throw err;
    const detail =
      err instanceof MediaTimeoutError ? err.message : lastLines((err as Error).message);
    throw new JobError('TRANSCODE_FAILED', `Could not cut the audio: ${detail}`, false, {
      cause: err,
    });
  }
}
