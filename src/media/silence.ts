/**
 * `detectSpeech`: where in a recording someone speaks, from ffmpeg's `silencedetect` filter, so
 * the recording can be cut in its pauses (see `chunk-plan.ts`) and silence is never sent to a
 * speech engine (Whisper hallucinates on it).
 *
 * One ffmpeg pass decodes the file (or one channel of it), resamples to
 * {@link DETECTION_SAMPLE_RATE}, counts time from the file's first timestamp
 * (`asetpts=PTS-STARTPTS`: the coordinates `cutChunk`'s `-ss` uses, even where a file's timestamps
 * and its sample count disagree, as in a stream-copied concatenation) and runs `silencedetect`
 * followed by `astats` (overall RMS level and sample count). `silencedetect` prints
 * its `silence_start` / `silence_end` lines at log level `info` (`-v info`; at `warning` it prints
 * nothing); they are parsed line by line as ffmpeg writes them, so memory grows only with the
 * number of pauses (a few thousand in 4 h), never with the length of the audio, and the work is one
 * linear decode: measured on the 2-core dev box, 2.5 s of CPU for 20 min of mono Opus and 7.5 s
 * for 1 h (ffmpeg and Node together; the Opus decode is most of it).
 *
 * Noise threshold: `silencedetect` calls a stretch silent when every sample in it stays below the
 * threshold, so the threshold must sit below the quiet parts of words yet above the noise peaks.
 * {@link DEFAULT_NOISE_DB} (−35 dBFS) is tuned for speech at about {@link REFERENCE_SPEECH_DB}
 * (−20 dBFS RMS, i.e. loudness-normalised speech around −23…−16 LUFS): 15 dB under the speech,
 * well above a phone line's or a codec's noise (−50…−90 dBFS). An absolute threshold fails on a
 * quiet recording (a dictaphone at −45 dBFS would be "silent" throughout and nothing would be
 * transcribed), so unless the caller fixes `noiseDb`, the threshold is relative: the first pass
 * runs at −35 dBFS and measures the speech level (overall RMS corrected by the share of time
 * found to be speech); if the threshold that level calls for (speech − 15 dB, kept within
 * {@link ADAPTIVE_NOISE_RANGE_DB}) is more than 6 dB away, a second pass runs with it. Normalised
 * audio therefore costs one pass; only quiet or very loud recordings cost two.
 *
 * Timestamps: ffmpeg 5.1 (this project's) prints them with 6 significant digits (`%.6g`: 1 ms
 * below 1000 s, 10 ms up to 2 h 46 min, 100 ms beyond). Chunk boundaries are put in the middle of pauses of at least 0.3 s or
 * 0.2 s into longer ones, so this never moves a boundary into speech.
 *
 * The log lines are trusted only when they start with `[silencedetect @ 0x…]` or
 * `[Parsed_astats_N @ 0x…]`: ffmpeg prints a file's metadata indented (line breaks inside a tag
 * value are indented too), so a tag cannot forge them.
 */
import path from 'node:path';
import { JobError } from '../errors.js';
import type { TimeRange } from './chunk-plan.js';
import { readChannelCount } from './channels.js';
import {
  abortReason,
  hardenedCommand,
  lastLines,
  MediaTimeoutError,
  runFfmpeg,
  parseStatsTime,
} from './ffmpeg-process.js';

/**
 * Default noise threshold of {@link detectSpeech}, in dBFS (peak sample level): right for speech
 * at {@link REFERENCE_SPEECH_DB}; with the default adaptive threshold it moves with the
 * recording's speech level.
 */
export const DEFAULT_NOISE_DB = -35;

/** Speech RMS level (dBFS) for which {@link DEFAULT_NOISE_DB} is right: 15 dB above it. */
export const REFERENCE_SPEECH_DB = -20;

/** The adaptive threshold stays within this range (dBFS): below −60 codec noise counts as speech. */
export const ADAPTIVE_NOISE_RANGE_DB: readonly [number, number] = [-60, -25];

/** Default shortest pause (seconds) that separates two stretches of speech. */
export const DEFAULT_MIN_SILENCE_SECONDS = 0.3;

/**
 * Speech shorter than this (seconds) between two silences is a click or a breath, not speech, and
 * is dropped (the silences around it merge).
 */
export const MIN_SPEECH_SECONDS = 0.15;

/**
 * Shortest pause (seconds) reported in `shortSilences`: a gap between words, too short to end a
 * stretch of speech but the best place to split one that is too long for a single request.
 */
export const SHORT_SILENCE_SECONDS = 0.1;

/** Sample rate (Hz) the audio is analysed at: the transcoded Opus carries nothing above 8 kHz. */
export const DETECTION_SAMPLE_RATE = 16_000;

/** Default time budget of one {@link detectSpeech} call (both passes), in milliseconds. */
export const DEFAULT_DETECT_TIMEOUT_MS = 600_000;

/** The threshold is placed this far (dB) below the measured speech RMS level. */
const NOISE_BELOW_SPEECH_DB = 15;
/** A second pass runs only when the wanted threshold differs from the first by more than this. */
const RERUN_DIFFERENCE_DB = 6;
/**
 * The share of speech used to estimate the speech level is at least this: when the first pass
 * threshold was too high it finds too little speech, which would overstate the level.
 */
const MIN_SPEECH_SHARE = 0.2;

/** Options of {@link detectSpeech}. */
export interface DetectSpeechOptions {
  /**
   * 0-based channel to analyse (`pan=mono|c0=c<N>`). Undefined: all channels together — a moment
   * is silent only when every channel is (the speech of a downmix, without its level loss).
   */
  channel?: number;
  /**
   * Fixed noise threshold in dBFS: samples below it are silence. Omitted: adaptive, starting at
   * {@link DEFAULT_NOISE_DB} (see the module comment).
   */
  noiseDb?: number;
  /** Shortest pause (seconds) that separates speech; default {@link DEFAULT_MIN_SILENCE_SECONDS}. */
  minSilenceSeconds?: number;
  /** Abort kills ffmpeg (SIGKILL to its process group) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Time budget in milliseconds for the whole call; default {@link DEFAULT_DETECT_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Result of {@link detectSpeech}. All times in seconds from the start of the file. */
export interface SpeechDetection {
  /**
   * Length of the file in seconds: the decoded samples, or the last timestamp if that is later
   * (a file with gaps in its timestamps).
   */
  durationSeconds: number;
  /**
   * Stretches of speech, in order, not overlapping, each at least {@link MIN_SPEECH_SECONDS} long,
   * separated by at least `minSilenceSeconds`.
   */
  speech: TimeRange[];
  /** The complement of `speech` within `[0, durationSeconds]`, in order. */
  silences: TimeRange[];
  /**
   * Pauses of {@link SHORT_SILENCE_SECONDS} up to `minSilenceSeconds` inside `speech` (gaps between
   * words), in order: where an over-long stretch of speech is best split (`planChunks`).
   */
  shortSilences: TimeRange[];
  /** The noise threshold (dBFS) the result was computed with. */
  noiseDb: number;
  /**
   * Estimated RMS level of the speech in dBFS; `-Infinity` for digital silence. Undefined when
   * ffmpeg reported no level.
   */
  speechLevelDb: number | undefined;
}

/**
 * Finds the speech in `filePath` (any file `probeMedia` accepts; meant for the transcoded OGG/Opus)
 * or in one of its channels, with ffmpeg's `silencedetect` (see the module comment for the
 * threshold, cost and precision). Runs ffmpeg once, or twice when the adaptive threshold has to
 * move; ffmpeg runs in the file's directory, with the input whitelists, in its own process group.
 *
 * @param filePath the audio file.
 * @param opts see {@link DetectSpeechOptions}.
 * @returns {@link SpeechDetection}: speech, silences and short pauses in seconds, the duration.
 * @throws RangeError for a channel that is not a non-negative integer or not in the file, or a
 *   `minSilenceSeconds` that is not positive.
 * @throws JobError `TRANSCODE_FAILED` when ffmpeg/ffprobe cannot read the file, prints no result,
 *   or runs past `timeoutMs` (it is killed).
 * @throws the abort reason when aborted (ffmpeg has been killed by then).
 */
export async function detectSpeech(
  filePath: string,
  opts: DetectSpeechOptions = {},
): Promise<SpeechDetection> {
  const { channel, signal } = opts;
  const minSilence = opts.minSilenceSeconds ?? DEFAULT_MIN_SILENCE_SECONDS;
  if (!(minSilence > 0) || !Number.isFinite(minSilence)) {
    throw new RangeError(`minSilenceSeconds must be a positive number, got ${minSilence}`);
  }
  if (channel !== undefined && !(Number.isInteger(channel) && channel >= 0)) {
    throw new RangeError(`channel must be a non-negative integer, got ${channel}`);
  }
  if (opts.noiseDb !== undefined && !(opts.noiseDb < 0)) {
    throw new RangeError(`noiseDb must be negative (dBFS), got ${opts.noiseDb}`);
  }
  if (signal?.aborted) throw abortReason(signal);
  const absPath = path.resolve(filePath);
  const cwd = path.dirname(absPath);
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_DETECT_TIMEOUT_MS);
  const remaining = () => Math.max(1, deadline - Date.now());

  try {
    if (channel !== undefined) {
      const count = await readChannelCount(absPath, { cwd, timeoutMs: remaining(), signal });
      if (channel >= count) {
        throw new RangeError(`channel ${channel} does not exist: the file has ${count}`);
      }
    }
    const pass = (noiseDb: number) =>
      runSilenceDetect({ absPath, cwd, channel, noiseDb, minSilence, signal, remaining });

    const firstDb = opts.noiseDb ?? DEFAULT_NOISE_DB;
    const first = buildDetection(await pass(firstDb), minSilence, firstDb);
    if (opts.noiseDb !== undefined) return first;
    const wanted = adaptiveNoiseDb(first.speechLevelDb);
    if (wanted === undefined || Math.abs(wanted - firstDb) <= RERUN_DIFFERENCE_DB) return first;
    return buildDetection(await pass(wanted), minSilence, wanted);
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    if (err instanceof RangeError || err instanceof JobError) throw err;
    const detail =
      err instanceof MediaTimeoutError ? err.message : lastLines((err as Error).message);
    throw new JobError(
      'TRANSCODE_FAILED',
      `Could not find the speech in the audio: ${detail}`,
      false,
      {
        cause: err,
      },
    );
  }
}

/**
 * The adaptive threshold (dBFS) for speech at `speechLevelDb`: 15 dB under it, within
 * {@link ADAPTIVE_NOISE_RANGE_DB}; undefined when the level is unknown or the file is digital
 * silence (no threshold finds speech there).
 */
export function adaptiveNoiseDb(speechLevelDb: number | undefined): number | undefined {
  if (speechLevelDb === undefined || !Number.isFinite(speechLevelDb)) return undefined;
  const [low, high] = ADAPTIVE_NOISE_RANGE_DB;
  const db = Math.min(high, Math.max(low, speechLevelDb - NOISE_BELOW_SPEECH_DB));
  return Math.round(db * 10) / 10;
}

/** What one `silencedetect` pass printed. */
interface RawDetection {
  /** Seconds: the decoded samples, or the last timestamp seen if later. */
  durationSeconds: number;
  /** Silences at least {@link SHORT_SILENCE_SECONDS} long, flattened: start, end, start, end… */
  silences: number[];
  /** Overall RMS level in dBFS (`-Infinity` for digital silence), if astats printed it. */
  rmsDb: number | undefined;
}

const SILENCE_LINE = /^\[silencedetect @ 0x[0-9a-f]+\] silence_(start|end): (-?[0-9.e+-]+|inf)/;
const ASTATS_LINE = /^\[Parsed_astats_\d+ @ 0x[0-9a-f]+\] (RMS level dB|Number of samples): (\S+)/;

/** Runs ffmpeg once with `silencedetect` at `noiseDb` and parses its log as it is written. */
async function runSilenceDetect(args: {
  absPath: string;
  cwd: string;
  channel: number | undefined;
  noiseDb: number;
  minSilence: number;
  signal: AbortSignal | undefined;
  remaining: () => number;
}): Promise<RawDetection> {
  const { absPath, cwd, channel, noiseDb, minSilence, signal, remaining } = args;
  const detectSeconds = Math.min(minSilence, SHORT_SILENCE_SECONDS);
  const filters = [
    ...(channel !== undefined ? [`pan=mono|c0=c${channel}`] : []),
    `aresample=${DETECTION_SAMPLE_RATE}`,
    'asetpts=PTS-STARTPTS',
    `silencedetect=n=${noiseDb}dB:d=${detectSeconds}`,
    'astats=measure_perchannel=none:measure_overall=RMS_level+Number_of_samples',
  ];
  const silences: number[] = [];
  let open: number | undefined;
  let rmsDb: number | undefined;
  let samples: number | undefined;
  let lastTime = 0;
  await runFfmpeg(
    hardenedCommand(absPath, ['-v', 'info', '-stats'], cwd)
      .output('/dev/null')
      .outputOptions(['-map', '0:a:0', '-af', filters.join(','), '-f', 'null']),
    {
      cwd,
      signal,
      timeoutMs: remaining(),
      onLine: (line) => {
        const t = parseStatsTime(line);
        if (t !== undefined) lastTime = Math.max(lastTime, t);
        const s = SILENCE_LINE.exec(line);
        if (s) {
          const at = Math.max(0, Number(s[2]));
          if (!Number.isFinite(at)) return;
          lastTime = Math.max(lastTime, at);
          if (s[1] === 'start') open = at;
          else if (open !== undefined) {
            silences.push(open, Math.max(open, at));
            open = undefined;
          }
          return;
        }
        const a = ASTATS_LINE.exec(line);
        if (a) {
          if (a[1] === 'Number of samples') samples = Number(a[2]);
          else rmsDb = a[2] === '-inf' ? -Infinity : Number(a[2]);
        }
      },
    },
  );
  if (samples === undefined || !Number.isFinite(samples)) {
    throw new JobError(
      'TRANSCODE_FAILED',
      'Could not find the speech in the audio: ffmpeg reported no samples',
    );
  }
  // Decoded samples, unless the timestamps reach further (a file with gaps in its timestamps):
  // the duration must cover every time reported, in the coordinates `-ss` uses.
  const durationSeconds = Math.max(samples / DETECTION_SAMPLE_RATE, lastTime);
  // ffmpeg before 5.1 prints no silence_end for a silence that lasts to the end of the file.
  if (open !== undefined) silences.push(open, Math.max(open, durationSeconds));
  return {
    durationSeconds,
    silences,
    rmsDb: rmsDb !== undefined && !Number.isNaN(rmsDb) ? rmsDb : undefined,
  };
}

/**
 * Turns one pass's silences into speech, silences and short pauses (pure): speech is the
 * complement of the silences of at least `minSilence`, minus stretches shorter than
 * {@link MIN_SPEECH_SECONDS}; short pauses are the shorter silences left inside speech. Also
 * estimates the speech level from the overall RMS and the share of speech.
 */
function buildDetection(raw: RawDetection, minSilence: number, noiseDb: number): SpeechDetection {
  const duration = raw.durationSeconds;
  const long: TimeRange[] = [];
  const short: TimeRange[] = [];
  let last = 0;
  for (let i = 0; i + 1 < raw.silences.length; i += 2) {
    // Rounded timestamps may overlap by a hair: keep them in order and inside the file.
    const start = Math.min(duration, Math.max(last, raw.silences[i]));
    const end = Math.min(duration, Math.max(start, raw.silences[i + 1]));
    last = end;
    if (end <= start) continue;
    const range = { startSeconds: start, endSeconds: end };
    // A silence touching either end of the file separates nothing from nothing: always "long".
    if (end - start >= minSilence || start === 0 || end === duration) long.push(range);
    else short.push(range);
  }

  const speech: TimeRange[] = [];
  let cursor = 0;
  const addSpeech = (start: number, end: number) => {
    if (end - start >= MIN_SPEECH_SECONDS) speech.push({ startSeconds: start, endSeconds: end });
  };
  for (const s of long) {
    addSpeech(cursor, s.startSeconds);
    cursor = s.endSeconds;
  }
  addSpeech(cursor, duration);

  const silences: TimeRange[] = [];
  cursor = 0;
  for (const s of speech) {
    if (s.startSeconds > cursor) {
      silences.push({ startSeconds: cursor, endSeconds: s.startSeconds });
    }
    cursor = s.endSeconds;
  }
  if (duration > cursor) silences.push({ startSeconds: cursor, endSeconds: duration });

  // Short pauses strictly inside a kept stretch of speech (both lists are in order).
  const shortSilences: TimeRange[] = [];
  let k = 0;
  for (const p of short) {
    while (k < speech.length && speech[k].endSeconds <= p.startSeconds) k++;
    if (k === speech.length) break;
    const s = speech[k];
    if (p.startSeconds > s.startSeconds && p.endSeconds < s.endSeconds) shortSilences.push(p);
  }

  const speechSeconds = speech.reduce((sum, s) => sum + s.endSeconds - s.startSeconds, 0);
  return {
    durationSeconds: duration,
    speech,
    silences,
    shortSilences,
    noiseDb,
    speechLevelDb: estimateSpeechLevel(raw.rmsDb, duration > 0 ? speechSeconds / duration : 0),
  };
}

/**
 * Speech RMS level (dBFS) from the overall RMS and the share of time that is speech: silence adds
 * (almost) no energy, so the mean power is the speech power times its share. The share is taken
 * as at least {@link MIN_SPEECH_SHARE}, which errs towards a lower level (a lower threshold, more
 * audio counted as speech) when the pass found too little speech.
 */
function estimateSpeechLevel(rmsDb: number | undefined, share: number): number | undefined {
  if (rmsDb === undefined || !Number.isFinite(rmsDb)) return rmsDb;
  return rmsDb - 10 * Math.log10(Math.min(1, Math.max(MIN_SPEECH_SHARE, share)));
}
