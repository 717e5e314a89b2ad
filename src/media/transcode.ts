/**
 * `transcodeToOpus`: turns an accepted upload into the OGG/Opus file sent to speech recognition.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { JobError } from '../errors.js';
import {
  abortReason,
  hardenedCommand,
  INPUT_HARDENING_OPTIONS,
  killStrayProcesses,
  MediaTimeoutError,
  parseStatsTime,
  runFfmpeg,
  runFfprobe,
} from './ffmpeg-process.js';

/** Sample rate the encoder is fed: 16 kHz makes libopus code wideband speech (Ogg still says 48 kHz). */
export const OPUS_INPUT_SAMPLE_RATE = 16_000;

/**
 * libopus complexity (`-compression_level`, 0–10; ffmpeg's default is 10). Measured on the 2-core
 * dev box, 10 min of 16 kHz mono speech over noise at 20 kbit/s: complexity 10 took 8.7 s
 * (69× real time), 5 took 4.5 s (134×), 3 took 3.3 s; sizes within 2 %. 5 halves the encode time
 * of a 4 h recording for a small quality difference in SILK wideband speech.
 */
export const OPUS_COMPLEXITY = 5;

export interface TranscodeOptions {
  /** 1: downmix to mono (`-ac 1`); 2: keep two channels apart (one speaker each). */
  channels: 1 | 2;
  /** Target bitrate in bits per second, total over channels; see `chooseOpusBitrate`. */
  bitrateBps: number;
  /** Stop decoding the input after this many seconds (`-t` on the input). */
  maxDurationSeconds?: number;
  /**
   * Input duration in seconds if already known (from `probeMedia`); used for progress percent.
   * When omitted and `onProgress` is set, it is read with ffprobe first.
   */
  durationSeconds?: number;
  /**
   * Integer percent 0–100 from ffmpeg's stats (`time=` over the duration), strictly increasing,
   * starting at 0; 100 exactly once, after the output is in place. If the duration is unknown,
   * only 0 and 100 are reported.
   */
  onProgress?: (percent: number) => void;
  /** Abort kills ffmpeg with SIGKILL; the promise then rejects with the abort reason. */
  signal?: AbortSignal;
  /** Kill ffmpeg (SIGKILL) after this many milliseconds; rejects with `TRANSCODE_FAILED`. */
  timeoutMs?: number;
}

/**
 * Transcodes `input` to OGG/Opus at `output`: first audio stream only, resampled to 16 kHz
 * (`-ar 16000`, so libopus works in wideband), mono downmix or two separate channels,
 * `-application voip`, constrained VBR at `bitrateBps` (average never above target, so the size is
 * predictable: about bitrate/8 bytes per second plus ~77 B/s of Ogg paging), 20 ms frames, no
 * metadata copied. The input is read with the same protocol/demuxer whitelist as `probeMedia`.
 *
 * ffmpeg writes to `output + '.part'`, renamed to `output` on success; on any failure or abort the
 * part file is deleted and `output` is left untouched. A part file and ffmpeg process left for the
 * same output by a worker that died are removed first (see `killStrayProcesses`); callers must
 * make sure no live process transcodes to the same output (workers hold a job lease).
 *
 * @throws JobError `TRANSCODE_FAILED` (not retryable) when ffmpeg fails or times out.
 * @throws the abort reason when aborted: `signal.reason` if it is an Error (by default an
 *   `AbortError` DOMException), else a new `AbortError`; ffmpeg has been killed and the part file
 *   removed by then.
 */
export async function transcodeToOpus(
  input: string,
  output: string,
  opts: TranscodeOptions,
): Promise<void> {
  const { channels, bitrateBps, maxDurationSeconds, onProgress, signal } = opts;
  if (channels !== 1 && channels !== 2) throw new RangeError(`channels must be 1 or 2`);
  if (!(bitrateBps >= 6_000 && bitrateBps <= 510_000)) {
    throw new RangeError(`bitrateBps must be within libopus's 6000–510000, got ${bitrateBps}`);
  }
  if (signal?.aborted) throw abortReason(signal);

  const inputPath = path.resolve(input);
  const cwd = path.dirname(inputPath);
  const partPath = `${path.resolve(output)}.part`;

  let duration = opts.durationSeconds;
  if (onProgress && duration === undefined) duration = await readDuration(inputPath, cwd);
  if (duration !== undefined && maxDurationSeconds !== undefined) {
    duration = Math.min(duration, maxDurationSeconds);
  }

  let lastPercent = -1;
  const report = (percent: number) => {
    if (percent > lastPercent) {
      lastPercent = percent;
      onProgress?.(percent);
    }
  };
  if (onProgress) report(0);

  // A worker that died mid-transcode may have left its ffmpeg and part file for this output.
  await killStrayProcesses(partPath);
  await rm(partPath, { force: true });

  const cap = maxDurationSeconds !== undefined ? ['-t', String(maxDurationSeconds)] : [];
  const command = hardenedCommand(inputPath, ['-v', 'error', '-stats', ...cap], cwd)
    .output(partPath)
    .outputOptions([
      '-map',
      '0:a:0',
      '-vn',
      '-sn',
      '-dn',
      '-map_metadata',
      '-1',
      '-ac',
      String(channels),
      '-ar',
      String(OPUS_INPUT_SAMPLE_RATE),
      '-c:a',
      'libopus',
      '-b:a',
      String(bitrateBps),
      '-vbr',
      'constrained',
      '-application',
      'voip',
      '-frame_duration',
      '20',
      '-compression_level',
      String(OPUS_COMPLEXITY),
      '-f',
      'ogg',
    ]);

  try {
    await runFfmpeg(command, {
      cwd,
      signal,
      timeoutMs: opts.timeoutMs,
      onLine: (line) => {
        if (!onProgress || !duration) return;
        const t = parseStatsTime(line);
        if (t === undefined) return;
        // 100 is reserved for "file complete and renamed".
        report(Math.max(0, Math.min(99, Math.floor((t / duration) * 100))));
      },
    });
    await rename(partPath, output);
  } catch (err) {
    await rm(partPath, { force: true });
    if (signal?.aborted) throw abortReason(signal);
    if (err instanceof JobError) throw err;
    const detail =
      err instanceof MediaTimeoutError ? err.message : lastLogLine((err as Error).message);
    throw new JobError('TRANSCODE_FAILED', `Could not convert the audio: ${detail}`, false, {
      cause: err,
    });
  }
  report(100);
}

async function readDuration(inputPath: string, cwd: string): Promise<number | undefined> {
  try {
    const { stdout } = await runFfprobe(
      [
        '-v',
        'error',
        ...INPUT_HARDENING_OPTIONS,
        '-show_entries',
        'format=duration',
        '-of',
        'csv=p=0',
        inputPath,
      ],
      { timeoutMs: 30_000, cwd },
    );
    const d = Number(stdout.trim());
    return Number.isFinite(d) && d > 0 ? d : undefined;
  } catch (err) {
    throw new JobError(
      'TRANSCODE_FAILED',
      `Could not read the audio: ${(err as Error).message}`,
      false,
      {
        cause: err,
      },
    );
  }
}

function lastLogLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-2).join(' ');
}
