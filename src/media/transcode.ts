/**
 * `transcodeToOpus`: turns an accepted upload into the OGG/Opus file sent to speech recognition.
 */
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { JobError } from '../errors.js';
import {
  abortReason,
  AUDIO_ONLY_OUTPUT,
  hardenedCommand,
  INPUT_HARDENING_OPTIONS,
  killStrayProcesses,
  MediaTimeoutError,
  parseStatsTime,
  runFfmpeg,
  runFfprobe,
} from './ffmpeg-process.js';
import { estimateOpusBytes } from './opus-budget.js';

/** Default decode cap of {@link transcodeToOpus}: 4 h, the service's longest accepted recording. */
const DEFAULT_MAX_DURATION_SECONDS = 14_400;

/** Sample rate the encoder is fed: 16 kHz makes libopus code wideband speech (Ogg still says 48 kHz). */
export const OPUS_INPUT_SAMPLE_RATE = 16_000;

/**
 * libopus for speech: `bitrateBps` (total over channels), constrained VBR, the `voip` application
 * (speech-tuned), 20 ms frames (what `estimateOpusBytes` in `./opus-budget.ts` assumes).
 */
export function opusSpeechEncoder(bitrateBps: number): string[] {
  return [
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
  ];
}

/**
 * libopus complexity (`-compression_level`, 0–10; ffmpeg's default is 10). Measured on the 2-core
 * dev box, 10 min of 16 kHz mono speech over noise at 20 kbit/s: complexity 10 took 8.7 s
 * (69× real time), 5 took 4.5 s (134×), 3 took 3.3 s; sizes within 2 %. 5 halves the encode time
 * of a 4 h recording for a small quality difference in SILK wideband speech.
 */
export const OPUS_COMPLEXITY = 5;

/**
 * Per-channel loudness normalisation, the `-af` chain ffmpeg runs before the encoder when
 * {@link TranscodeOptions.normalizeLoudness} is on (the default). Filter behaviour as documented
 * in ffmpeg-filters (https://ffmpeg.org/ffmpeg-filters.html: aresample, aformat, dynaudnorm,
 * loudnorm); ffmpeg 5.1 here.
 *
 * 1. `aresample=16000`: down to the encoder's rate ({@link OPUS_INPUT_SAMPLE_RATE}) first, so the
 *    normaliser works on 16 000 samples per second per channel, not the source's 44.1/48 kHz.
 * 2. `aformat=channel_layouts=mono|stereo`: a mono source stays mono, stereo (also a 2-channel
 *    source of unknown layout) stays stereo, a source with more channels is downmixed to stereo
 *    by ffmpeg's standard matrix (as `-ac 2` does), so surround and LFE channels are not levelled
 *    on their own.
 * 3. `dynaudnorm` (Dynamic Audio Normalizer) with `coupling=0`: "if channel coupling is disabled,
 *    the gain factor is determined independently for each channel" (ffmpeg-filters), i.e. the
 *    channels are split, levelled on their own and joined back inside one filter. For each
 *    `framelen=250` ms frame of a channel it takes the gain that would bring the frame's peak to
 *    `peak=0.84` (−1.5 dBFS), capped at `maxgain=31.62` (+30 dB); a minimum filter and a Gaussian
 *    smoothing over `gausssize=15` frames (3.75 s) then make the gain move over seconds, never
 *    within a word, and never above what the loudest frame within ±1.9 s allows (no clipping).
 *    Dynamics within a 3.75 s stretch are kept; only levels between stretches are evened out, so a
 *    party recorded 20 dB quieter is raised about 20 dB more than the other.
 *
 * Then the usual `-ac 1|2` and encoder. For 2-channel output each speaker's channel has been
 * levelled on its own. For the mono mix of a stereo call both channels are levelled BEFORE the
 * downmix, so the quiet party is not mixed in 20 dB under the loud one (levelling the mix instead
 * could not separate them: the loud party's peaks cap the gain wherever both are near). A mono
 * source is levelled as it is.
 *
 * Silence is not blown up into noise: the gain is at most +30 dB, so digital silence stays
 * exactly silent (0 × gain; libopus itself leaves a trace ≤ −84 dBFS, with or without this), and
 * a −85 dBFS RMS noise floor in a long pause comes out near −60 dBFS RMS at most; next to speech
 * a pause gets the speech's gain (minimum filter), not more.
 *
 * Measured on the 2-core dev box (shared with other work, so wall times vary; CPU times below are
 * ffmpeg's user time). Levels: `tests/integration/loudness.test.ts` on `call-stereo-quiet.ogg`,
 * speech 19 dB apart in (−21.9 / −40.9 dBFS RMS) comes out 1.5 dB apart in both channels
 * (−21.3 / −19.8) and in the mono mix (−24.4 / −22.9; 19 dB apart without normalisation).
 * - `dynaudnorm`, not `loudnorm`. One hour of the stereo call fixture looped (48 kHz Opus):
 *   decode + resample to 16 kHz alone 6.1 s CPU; with this `dynaudnorm` 6.6 s (+0.5 s per hour).
 *   The whole transcode as here (stereo, 32 kbit/s) took 33–38 s CPU with or without it (two runs
 *   each: the difference is below run-to-run noise). `loudnorm` (EBU R128, single-pass dynamic
 *   mode, I=-23:LRA=11:TP=-2) has no per-channel mode (it measures all channels together, so
 *   `channelsplit`, one `loudnorm` per channel and `join` are needed) and upsamples to 192 kHz
 *   internally for its true-peak limiter: +92 s CPU per hour for the two instances, 132.5 s for
 *   the whole transcode against 34 s bare (~4×): about 3 extra CPU minutes for the longest
 *   accepted file (4 h mono: one instance; 2 h stereo: two).
 * - 250 ms × 15 frames rather than the default 500 ms × 31 (15.5 s): dynaudnorm starts and ends
 *   its gain history at ×1, so the first and last half window of a file are raised only partly.
 *   With the default, the last quiet utterance of the 20 s fixture was raised 5 dB instead of 20;
 *   with 3.75 s it comes within 1 dB of the loud channel.
 * - `peak=0.84`, not the default 0.95: Opus overshoots the peaks it is given; levelled to 0.95,
 *   the decoded fixture peaked at +0.2 dBFS (clipped in 16-bit PCM), levelled to 0.84 at −0.7.
 * - No `threshold`: with it (ffmpeg 5.1) frames under the threshold drop out of the Gaussian sum
 *   without it being renormalised, which pulled speech next to pauses down (`t=0.001` cut the
 *   loud channel's peaks from −0.6 to −6.8 dBFS); the gain cap bounds the pauses instead.
 */
export const LOUDNESS_FILTER =
  `aresample=${OPUS_INPUT_SAMPLE_RATE},aformat=channel_layouts=mono|stereo,` +
  'dynaudnorm=framelen=250:gausssize=15:peak=0.84:maxgain=31.62:coupling=0';

export interface TranscodeOptions {
  /** 1: downmix to mono (`-ac 1`); 2: keep two channels apart (one speaker each). */
  channels: 1 | 2;
  /** Target bitrate in bits per second, total over channels; see `chooseOpusBitrate`. */
  bitrateBps: number;
  /**
   * Level each channel on its own before encoding ({@link LOUDNESS_FILTER}: ffmpeg `dynaudnorm`,
   * at most +30 dB), so a call party recorded 15–20 dB quieter than the other is still
   * recognised. For the mono mix of a stereo source the channels are levelled before the downmix.
   * Default true; false encodes the audio at its own levels.
   */
  normalizeLoudness?: boolean;
  /**
   * Stop decoding the input after this many seconds (`-t` on the input); default 4 h (the
   * pipeline passes the recording's length + 1 s). Also sets the output size cap and the default
   * time budget.
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
 * time (see {@link OPUS_COMPLEXITY}), 4 h in under 2 min; the budget for 4 h is 61 min. Loudness
 * normalisation ({@link LOUDNESS_FILTER}) adds about 0.5 s of CPU per hour of audio.
 */
export function defaultTranscodeTimeoutMs(seconds: number): number {
  return 60_000 + Math.ceil(seconds * 250);
}

/**
 * Transcodes `input` to OGG/Opus at `output`: first audio stream only, resampled to 16 kHz
 * (`-ar 16000`, so libopus works in wideband), each channel levelled on its own unless
 * `normalizeLoudness` is false ({@link LOUDNESS_FILTER}), mono downmix or two separate channels,
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
  const normalizeLoudness = opts.normalizeLoudness ?? true;
  const maxDurationSeconds = opts.maxDurationSeconds ?? DEFAULT_MAX_DURATION_SECONDS;
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
      ...AUDIO_ONLY_OUTPUT,
      ...(normalizeLoudness ? ['-af', LOUDNESS_FILTER] : []),
      '-ac',
      String(channels),
      '-ar',
      String(OPUS_INPUT_SAMPLE_RATE),
      ...opusSpeechEncoder(bitrateBps),
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
