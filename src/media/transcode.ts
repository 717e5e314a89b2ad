/**
 * `transcodeToOpus`: turns an accepted upload into the OGG/Opus file sent to speech recognition.
 */
import { rename, rm, stat } from 'node:fs/promises';
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
import { estimateOpusBytes, SPEECHKIT_MAX_AUDIO_SECONDS } from './opus-budget.js';

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
  /**
   * Stop decoding the input after this many seconds (`-t` on the input); default
   * {@link SPEECHKIT_MAX_AUDIO_SECONDS} (4 h), the most SpeechKit accepts. Also sets the output
   * size cap and the default time budget.
   */
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
  /**
   * Kill ffmpeg's process group (SIGKILL) after this many milliseconds; rejects with
   * `TRANSCODE_FAILED`. Default {@link defaultTranscodeTimeoutMs} of the duration cap.
   */
  timeoutMs?: number;
}

/**
 * Output size cap (`-fs`, bytes) for `seconds` of Opus at `bitrateBps`: 1.5 × the expected size
 * (`estimateOpusBytes`: constrained VBR stays at or under target) plus 1 MiB. A legitimate file
 * never comes near it; an input whose timestamps understate its audio (so `-t` on the input does
 * not stop it) is cut off there and the transcode fails instead of growing without bound.
 */
export function transcodeOutputLimitBytes(seconds: number, bitrateBps: number): number {
  return Math.ceil(estimateOpusBytes(seconds, bitrateBps) * 1.5) + 1024 * 1024;
}

/**
 * Default transcode time budget for `seconds` of audio: 60 s plus a quarter of the audio's length
 * (so ffmpeg must reach 4× real time). Measured on the 2-core dev box at complexity 5: 134× real
 * time (see {@link OPUS_COMPLEXITY}), 4 h in under 2 min; the budget for 4 h is 61 min.
 */
export function defaultTranscodeTimeoutMs(seconds: number): number {
  return 60_000 + Math.ceil(seconds * 250);
}

/**
 * Transcodes `input` to OGG/Opus at `output`: first audio stream only, resampled to 16 kHz
 * (`-ar 16000`, so libopus works in wideband), mono downmix or two separate channels,
 * `-application voip`, constrained VBR at `bitrateBps` (average never above target, so the size is
 * predictable: about bitrate/8 bytes per second plus ~77 B/s of Ogg paging), 20 ms frames, no
 * metadata copied. The input is read with the same protocol/demuxer whitelist as `probeMedia`.
 *
 * Bounded three ways: decoding stops at `maxDurationSeconds` of input (`-t`), the output may not
 * exceed {@link transcodeOutputLimitBytes} (`-fs`; reaching it fails the transcode), and ffmpeg's
 * process group is SIGKILLed after `timeoutMs`.
 *
 * ffmpeg writes to `output + '.part'`, renamed to `output` on success; on any failure or abort the
 * part file is deleted and `output` is left untouched. A part file and ffmpeg process left for the
 * same output by a worker that died are removed first (see `killStrayProcesses`); callers must
 * make sure no live process transcodes to the same output (workers hold a job lease).
 *
 * @throws JobError `TRANSCODE_FAILED` (not retryable) when ffmpeg fails, times out or the output
 *   reaches the size cap.
 * @throws the abort reason when aborted: `signal.reason` if it is an Error (by default an
 *   `AbortError` DOMException), else a new `AbortError`; ffmpeg has been killed and the part file
 *   removed by then.
 */
export async function transcodeToOpus(
  input: string,
  output: string,
  opts: TranscodeOptions,
): Promise<void> {
  const { channels, bitrateBps, onProgress, signal } = opts;
  const maxDurationSeconds = opts.maxDurationSeconds ?? SPEECHKIT_MAX_AUDIO_SECONDS;
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
  if (duration !== undefined) duration = Math.min(duration, maxDurationSeconds);
  const outputLimitBytes = transcodeOutputLimitBytes(maxDurationSeconds, bitrateBps);

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

  const command = hardenedCommand(
    inputPath,
    ['-v', 'error', '-stats', '-t', String(maxDurationSeconds)],
    cwd,
  )
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
      '-fs',
      String(outputLimitBytes),
      '-f',
      'ogg',
    ]);

  try {
    await runFfmpeg(command, {
      cwd,
      signal,
      timeoutMs: opts.timeoutMs ?? defaultTranscodeTimeoutMs(maxDurationSeconds),
      onLine: (line) => {
        if (!onProgress || !duration) return;
        const t = parseStatsTime(line);
        if (t === undefined) return;
        // 100 is reserved for "file complete and renamed".
        report(Math.max(0, Math.min(99, Math.floor((t / duration) * 100))));
      },
    });
    // ffmpeg ends normally when -fs is reached: a full-size output means it was cut off.
    if ((await stat(partPath)).size >= outputLimitBytes) {
      throw new JobError(
        'TRANSCODE_FAILED',
        `Could not convert the audio: the converted audio grew past ${outputLimitBytes} bytes, more than ${maxDurationSeconds} s of audio can take; the file's timing information is probably damaged.`,
      );
    }
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
