/**
 * `channelsCarrySameSignal`: tells a "fake stereo" file (one signal copied to both channels) from a
 * channel-separated call recording (one speaker per channel).
 */
import path from 'node:path';
import { JobError } from '../errors.js';
import {
  hardenedCommand,
  INPUT_HARDENING_OPTIONS,
  MediaProcessError,
  runFfmpeg,
  runFfprobe,
} from './ffmpeg-process.js';

/**
 * Side/mid energy ratio (dB) at or below which two channels count as the same signal.
 * Identical channels give −∞; a copy 1.5 dB quieter about −25 dB; a copy 6 dB quieter −9.5 dB;
 * two different speakers on separate channels about 0 dB.
 */
export const SAME_SIGNAL_THRESHOLD_DB = -12;

/** Quieter than this (RMS dBFS, mid signal) is treated as silence: nothing to tell apart. */
const SILENCE_DB = -80;

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * True when the first two channels of the file's first audio stream carry (nearly) the same
 * signal, so transcribing them separately would transcribe everything twice.
 *
 * Decodes the audio once and compares the RMS energy of the side signal (L−R)/2 with the mid
 * signal (L+R)/2 (`pan` + `astats`). Same signal: side is at least
 * {@link SAME_SIGNAL_THRESHOLD_DB} below mid, which tolerates a small gain difference between the
 * channels. A mono file, or one that is silent throughout, yields true.
 *
 * @param filePath a media file that {@link probeMedia} accepted.
 * @param opts.maxSeconds analyse only the first this-many seconds (default: whole file).
 * @param opts.timeoutMs kill ffmpeg (SIGKILL) after this long; default 120 000 ms.
 * @throws JobError `TRANSCODE_FAILED` when ffmpeg cannot read the file or times out.
 */
export async function channelsCarrySameSignal(
  filePath: string,
  opts: { maxSeconds?: number; timeoutMs?: number } = {},
): Promise<boolean> {
  const absPath = path.resolve(filePath);
  const cwd = path.dirname(absPath);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    if ((await readChannelCount(absPath, { timeoutMs, cwd })) < 2) return true;

    const cap = opts.maxSeconds !== undefined ? ['-t', String(opts.maxSeconds)] : [];
    const lines = await runFfmpeg(
      hardenedCommand(absPath, ['-nostats', ...cap], cwd)
        .output('/dev/null')
        .outputOptions([
          '-map',
          '0:a:0',
          '-af',
          'pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0-0.5*c1,' +
            'astats=measure_perchannel=RMS_level:measure_overall=none',
          '-f',
          'null',
        ]),
      { timeoutMs, cwd },
    );
    // astats logs "Channel: 1" / "RMS level dB: x" then "Channel: 2" / "RMS level dB: y".
    const rms = lines
      .map((l) => /RMS level dB:\s*(\S+)/.exec(l)?.[1])
      .filter((v): v is string => v !== undefined)
      .map((v) => (v === '-inf' ? -Infinity : Number(v)));
    const [mid, side] = rms;
    if (mid === undefined || side === undefined || Number.isNaN(mid) || Number.isNaN(side)) {
      throw new MediaProcessError('astats printed no RMS levels', lines.join('\n'));
    }
    if (mid <= SILENCE_DB) return true;
    return side - mid <= SAME_SIGNAL_THRESHOLD_DB;
  } catch (err) {
    throw new JobError(
      'TRANSCODE_FAILED',
      `Could not compare the audio channels: ${(err as Error).message}`,
      false,
      { cause: err },
    );
  }
}

/**
 * Number of channels of the first audio stream (ffprobe).
 * @throws MediaProcessError / MediaTimeoutError from ffprobe, or the abort reason.
 */
export async function readChannelCount(
  absPath: string,
  opts: { cwd: string; timeoutMs: number; signal?: AbortSignal },
): Promise<number> {
  const { stdout } = await runFfprobe(
    [
      '-v',
      'error',
      ...INPUT_HARDENING_OPTIONS,
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=channels',
      '-of',
      'csv=p=0',
      absPath,
    ],
    opts,
  );
  const count = Number(stdout.trim());
  if (!Number.isInteger(count) || count < 1) {
    throw new JobError('TRANSCODE_FAILED', 'Could not read the audio: it has no audio stream');
  }
  return count;
}
