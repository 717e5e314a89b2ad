/**
 * `probeMedia`: the authoritative "is this an audio file we can use?" check for uploads.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../errors.js';
import {
  hardenedCommand,
  INPUT_HARDENING_OPTIONS,
  MediaProcessError,
  MediaTimeoutError,
  parseStatsTime,
  runFfmpeg,
  runFfprobe,
} from './ffmpeg-process.js';
import { formatDuration } from './opus-budget.js';

/** Facts about the first audio stream of a media file, as read by ffprobe. */
export interface MediaInfo {
  /** ffprobe `format_name`, e.g. `wav`, `ogg`, `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`. */
  formatName: string;
  /**
   * Playable length in seconds: the container's stated duration, or the timestamp actually reached
   * when reading the whole file if that is longer (a header understating the length); when the
   * container states none (WebM from a browser recorder, raw AAC, MP3 without a VBR header), the
   * length of the decoded audio (samples / sample rate).
   */
  durationSeconds: number;
  /** Channels of the first audio stream (1 mono, 2 stereo, ...). */
  channels: number;
  /** Sample rate of the first audio stream in Hz. */
  sampleRate: number;
  /** ffprobe `codec_name` of the first audio stream, e.g. `pcm_s16le`, `mp3`, `aac`, `opus`. */
  codecName: string;
  /** Bits per second (container bitrate, else the stream's), when known. */
  bitRate?: number;
  /** File size in bytes. */
  sizeBytes: number;
}

/** Reasons carried by the {@link BadInputError}s that {@link probeMedia} throws. */
export type MediaRejectReason =
  'MEDIA_EMPTY' | 'MEDIA_NOT_AUDIO' | 'MEDIA_CORRUPT' | 'MEDIA_ZERO_DURATION' | 'MEDIA_TOO_LONG';

/** The upload formats we accept, worded for people. */
export const ACCEPTED_FORMATS_TEXT = 'WAV, MP3, FLAC, OGG, M4A or WebM';

/** Shorter than this (seconds) counts as no audio at all. */
export const MIN_DURATION_SECONDS = 0.1;

/** How much of the start is fully decoded to prove the codec data is usable. */
const DECODE_SAMPLE_SECONDS = 30;

/**
 * The packet-reading pass stops this many seconds past the duration cap. Its clock is the start of
 * the last packet read, which trails the end by up to one packet (FLAC frames at 8 kHz: 8 s), so
 * without a margin a file a few seconds over the cap could read as under it.
 */
const READ_MARGIN_SECONDS = 60;

/**
 * Default budget for all passes. The longest legitimate case is a full decode up to the cap of a
 * file without a stated length; measured on the 2-core dev box: 20 min of Opus-in-WebM decode in
 * 1.2 s, MP3 in 0.4 s, so 4 h in about 14 s and 5 s.
 */
const DEFAULT_PROBE_TIMEOUT_MS = 120_000;

const MESSAGES: Record<MediaRejectReason, string> = {
  MEDIA_EMPTY:
    'The uploaded file is empty (0 bytes). Please choose the recording again and re-upload it.',
  MEDIA_NOT_AUDIO: `This file is not an audio recording we can read. Please upload audio in one of these formats: ${ACCEPTED_FORMATS_TEXT}.`,
  MEDIA_CORRUPT:
    'The audio file is damaged or incomplete (it may have been cut off while copying or uploading), so it cannot be played to the end. Please export or upload the complete file again.',
  MEDIA_ZERO_DURATION:
    'The audio file contains no sound: its length is zero. Please check the recording and upload it again.',
  MEDIA_TOO_LONG:
    'The recording is too long. Split it into shorter parts and upload them one by one.',
};

/** The `MEDIA_TOO_LONG` refusal, naming the length when it is known. */
export function tooLongError(maxSeconds: number, durationSeconds?: number): BadInputError {
  const limit = formatDuration(maxSeconds);
  const split = 'Split it into shorter parts and upload them one by one.';
  if (durationSeconds === undefined) {
    return reject('MEDIA_TOO_LONG', `The recording is longer than the ${limit} limit. ${split}`);
  }
  const length = formatDuration(durationSeconds);
  // Rounded to the second, a recording just over the limit would read "4 h long; the limit is 4 h".
  return reject(
    'MEDIA_TOO_LONG',
    length === limit
      ? `The recording is ${(durationSeconds - maxSeconds).toFixed(1)} s longer than the ${limit} limit. Trim the end, or split it into shorter parts and upload them one by one.`
      : `The recording is ${length} long; the limit is ${limit}. ${split}`,
  );
}

function reject(reason: MediaRejectReason, message = MESSAGES[reason]): BadInputError {
  return new BadInputError(message, reason);
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  channels?: number;
  sample_rate?: string;
  bit_rate?: string;
  duration?: string;
}
interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string };
}

/**
 * Reads an uploaded file and tells whether it is usable audio.
 *
 * Only the `file` protocol and the demuxers of the accepted formats (WAV, MP3, FLAC, OGG, M4A/MP4,
 * WebM/Matroska, raw AAC) may be used, so playlists (HLS), ffconcat scripts and URLs disguised as
 * audio are refused without opening anything they name; ffprobe/ffmpeg run in the file's
 * directory (the job directory). The passes, cheapest first:
 * 1. ffprobe reads the headers. A stated length over `maxDurationSeconds` is refused at once.
 * The passes run side by side (all three from the start, pass 3 speculatively with a 30-s window
 * and restarted on the whole file when the header states no trusted length; they read the file
 * independently, 3 processes at most) and are judged in order. A RIFF/WAVE file has its header
 * read first: uncompressed PCM whose stated length fits the file needs no other pass.
 * 2. ffmpeg reads the packets without decoding (I/O-bound, about a second per hour of audio), at
 *    most `maxDurationSeconds` + 60 s of them: proves the file is not truncated and measures the
 *    length when the header understates it (a duration bomb: 24 h of FLAC silence is 164 KB).
 * 3. ffmpeg decodes, counting samples rather than trusting timestamps (`asetpts=N/SR/TB`) and
 *    stopping at `maxDurationSeconds` + 1 s of them: the first 30 s (by timestamp) when the header
 *    states a trusted length, else the whole file, whose decoded length then becomes the duration.
 *    More decoded audio than the timestamps span means the timestamps lie (a Matroska file whose
 *    block times are squeezed 1000×: 94 s stated, 24 h decoded).
 * 4. For Ogg, a check that the file does not end inside a page.
 *
 * @param filePath path of the uploaded file.
 * @param opts.maxDurationSeconds refuse anything longer (`MEDIA_TOO_LONG`); also bounds passes 2
 *   and 3, so the cost of a duration bomb is that of reading this much audio, not all of it.
 *   Without it the whole file is read and decoded.
 * @param opts.timeoutMs budget for all passes, default 120 000 ms; ffprobe/ffmpeg are killed
 *   (SIGKILL to the process group) when it runs out and the file is reported as `MEDIA_CORRUPT`.
 * @returns facts about the first audio stream.
 * @throws BadInputError (`code` BAD_USER_INPUT) whose `reason` is
 *   - `MEDIA_EMPTY`: 0 bytes;
 *   - `MEDIA_NOT_AUDIO`: not one of the accepted formats, or no audio stream; the message lists the
 *     accepted formats;
 *   - `MEDIA_CORRUPT`: truncated or undecodable (or too slow to read);
 *   - `MEDIA_ZERO_DURATION`: shorter than {@link MIN_DURATION_SECONDS};
 *   - `MEDIA_TOO_LONG`: longer than `maxDurationSeconds` (the message names the length if known).
 *   A missing file rejects with the `fs` error (ENOENT), which is not the uploader's fault.
 */
export async function probeMedia(
  filePath: string,
  opts: { timeoutMs?: number; maxDurationSeconds?: number } = {},
): Promise<MediaInfo> {
  const max = opts.maxDurationSeconds;
  const absPath = path.resolve(filePath);
  const cwd = path.dirname(absPath);
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  const remaining = () => Math.max(1, deadline - Date.now());

  const st = await stat(absPath);
  if (!st.isFile()) throw reject('MEDIA_NOT_AUDIO');
  if (st.size === 0) throw reject('MEDIA_EMPTY');

  const passOpts: PassOptions = { absPath, cwd, max, remaining };
  const stopPackets = new AbortController();
  let stopEarly = new AbortController();
  let packets: Promise<number> | undefined;
  let early: Promise<number> | undefined;
  const startPackets = () => {
    packets = readPackets({ ...passOpts, signal: stopPackets.signal });
    packets.catch(() => undefined); // judged below, after pass 1
  };
  const startDecode = (window: number | undefined) => {
    stopEarly = new AbortController();
    early = decodeSamples({ ...passOpts, signal: stopEarly.signal }, window);
    early.catch(() => undefined); // judged below, after pass 2
  };
  const stopPasses = async (why: unknown) => {
    stopPackets.abort(why);
    stopEarly.abort(why);
    await Promise.allSettled([packets, early]);
  };
  // A RIFF/WAVE file is usually PCM that needs the header alone (see isWholePcmWav), so its
  // header is read first. Anything else needs all passes, and passes 2 and 3 need nothing from
  // pass 1 to start: they run at once (each ffmpeg start costs ~0.15 s of CPU here, mostly loading
  // its libraries), pass 3 speculatively with the 30-s window that a trusted header allows.
  const riffWave = await startsWithRiffWave(absPath);
  if (!riffWave) {
    startPackets();
    startDecode(DECODE_SAMPLE_SECONDS);
  }
  let header: HeaderFacts;
  try {
    header = await readHeaders(passOpts);
  } catch (err) {
    await stopPasses(err);
    throw err;
  }
  const { formatName, trustedDuration } = header;
  if (isWholePcmWav(header, st.size)) {
    await stopPasses(new Error('not needed: whole PCM WAV'));
    if (!(trustedDuration! >= MIN_DURATION_SECONDS)) throw reject('MEDIA_ZERO_DURATION');
    return mediaInfo(header, trustedDuration!, st.size);
  }
  if (!packets) startPackets();
  // Without a trusted length everything up to the cap is decoded (its decoded length becomes the
  // duration), replacing the speculative 30-s pass. It runs beside pass 2 and is judged after it,
  // so a truncated file is still reported by pass 2.
  if (trustedDuration === undefined) {
    stopEarly.abort(new Error('superseded by the full decode'));
    await early?.catch(() => undefined);
    startDecode(undefined);
  } else if (!early) {
    startDecode(DECODE_SAMPLE_SECONDS);
  }
  // Every refusal from here until pass 3 is awaited stops pass 3 and waits for its ffmpeg to exit,
  // so the caller may delete the job directory the moment this rejects.
  let readEnd: number;
  let durationSeconds: number;
  try {
    readEnd = await packets!;
    // More than the cap: refused however long the rest is (it was not read).
    if (max !== undefined && readEnd > max) throw tooLongError(max);
    // The header promised more audio than the file holds (MP3 with a VBR header, FLAC, MP4, WebM).
    if (trustedDuration !== undefined) {
      const tolerance = Math.max(1, trustedDuration * 0.02);
      if (readEnd < trustedDuration - tolerance) throw reject('MEDIA_CORRUPT');
    }
    // A header may also understate the length (duration bombs): what was read wins.
    durationSeconds = Math.max(trustedDuration ?? 0, readEnd);
    if (trustedDuration !== undefined && !(durationSeconds >= MIN_DURATION_SECONDS)) {
      throw reject('MEDIA_ZERO_DURATION');
    }
  } catch (err) {
    stopEarly.abort(err);
    await early!.catch(() => undefined);
    throw err;
  }

  // 3. Decode, measuring decoded samples (asetpts=N/SR/TB), not timestamps. Compressed data that
  //    does not decode yields (almost) no audio; timestamps that understate the audio yield more
  //    samples than they span. With a trusted header only the first 30 s (by timestamp) are
  //    decoded; without one, everything up to the cap, and the decoded length is the duration.
  const window =
    trustedDuration !== undefined ? Math.min(DECODE_SAMPLE_SECONDS, durationSeconds) : undefined;
  const decodedEnd = await early!;
  if (max !== undefined && decodedEnd > max) throw tooLongError(max);
  const spanned = window ?? readEnd;
  if (decodedEnd > spanned + Math.max(2, spanned * 0.05)) {
    throw reject(
      'MEDIA_CORRUPT',
      `The audio file is damaged: its timing information covers ${formatDuration(spanned)} but it holds ${formatDuration(decodedEnd)} of sound. Please export the recording again (for example to WAV or FLAC) and upload that.`,
    );
  }
  if (decodedEnd < spanned * 0.5) throw reject('MEDIA_CORRUPT');
  if (window === undefined) durationSeconds = Math.max(readEnd, decodedEnd);
  if (!(durationSeconds >= MIN_DURATION_SECONDS)) throw reject('MEDIA_ZERO_DURATION');

  // 4. Ogg states its length in the last complete page, so a cut-off Ogg looks whole to ffmpeg.
  if (formatName === 'ogg' && (await oggEndsInsidePage(absPath, st.size))) {
    throw reject('MEDIA_CORRUPT');
  }

  return mediaInfo(header, durationSeconds, st.size);
}

/** The answer of {@link probeMedia} from the header facts and the established length. */
function mediaInfo(header: HeaderFacts, durationSeconds: number, sizeBytes: number): MediaInfo {
  const { probed, audio, formatName } = header;
  const bitRate = Number(probed.format?.bit_rate ?? audio.bit_rate);
  return {
    formatName,
    durationSeconds,
    channels: audio.channels,
    sampleRate: Number(audio.sample_rate),
    codecName: audio.codec_name,
    ...(Number.isFinite(bitRate) && bitRate > 0 ? { bitRate } : {}),
    sizeBytes,
  };
}

/** True when the file starts like a WAV (`RIFF`, 4 size bytes, `WAVE`); judges nothing else. */
async function startsWithRiffWave(filePath: string): Promise<boolean> {
  const fh = await open(filePath, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(12), 0, 12, 0);
    return (
      bytesRead === 12 &&
      buffer.toString('latin1', 0, 4) === 'RIFF' &&
      buffer.toString('latin1', 8, 12) === 'WAVE'
    );
  } finally {
    await fh.close();
  }
}

/** What pass 1 (the headers) established. */
interface HeaderFacts {
  probed: FfprobeOutput;
  audio: FfprobeStream & { codec_name: string; channels: number };
  formatName: string;
  /** The stated length in seconds, when the header states one that is not a guess. */
  trustedDuration: number | undefined;
}

/**
 * Pass 1: ffprobe reads the headers, through the whitelisted demuxers only.
 * @throws BadInputError MEDIA_NOT_AUDIO (no audio stream, not an accepted format), MEDIA_TOO_LONG
 *   (a stated length over the cap), or as {@link classifyFailure} maps ffprobe's failure.
 */
async function readHeaders({ absPath, cwd, max, remaining }: PassOptions): Promise<HeaderFacts> {
  let probed: FfprobeOutput;
  let probeWarnings: string;
  try {
    const { stdout, stderr } = await runFfprobe(
      [
        '-v',
        'warning',
        '-hide_banner',
        ...INPUT_HARDENING_OPTIONS,
        '-print_format',
        'json',
        '-show_format',
        '-show_streams',
        absPath,
      ],
      { timeoutMs: remaining(), cwd },
    );
    probed = JSON.parse(stdout) as FfprobeOutput;
    probeWarnings = stderr;
  } catch (err) {
    throw classifyFailure(err);
  }
  const audio = probed.streams?.find((s) => s.codec_type === 'audio');
  if (!audio || !audio.codec_name || !audio.channels) {
    throw reject(
      'MEDIA_NOT_AUDIO',
      `This file has no sound track we can read. Please upload audio in one of these formats: ${ACCEPTED_FORMATS_TEXT}.`,
    );
  }
  const formatName = probed.format?.format_name ?? 'unknown';
  const statedDuration = Number(probed.format?.duration ?? audio.duration);
  // MP3 without a VBR header and raw AAC: ffprobe guesses the length from the bitrate.
  const durationIsGuess = /Estimating duration from bitrate/i.test(probeWarnings);
  const trustedDuration =
    Number.isFinite(statedDuration) && statedDuration > 0 && !durationIsGuess
      ? statedDuration
      : undefined;
  if (max !== undefined && trustedDuration !== undefined && trustedDuration > max) {
    throw tooLongError(max, trustedDuration);
  }
  return {
    probed,
    audio: { ...audio, codec_name: audio.codec_name, channels: audio.channels },
    formatName,
    trustedDuration,
  };
}

/**
 * True for an uncompressed PCM WAV (any `pcm_*` codec, G.711 included) whose stated length is
 * trusted (ffprobe read it from the data chunk's size, not estimated from the bitrate) and whose
 * data fits in the file (`length × bit rate / 8 ≤ file size`). Passes 2 and 3 then have nothing to
 * find: the packets are the data chunk's bytes (the demuxer stops at the chunk's end, so a header
 * that understates the length also bounds what is transcoded — checked with a 250 MB file whose
 * data chunk claims 5 s: every pass and the transcode read 5 s), every byte string is valid PCM,
 * and timestamps are sample positions, so they cannot lie. A WAV cut short reads as "Estimating
 * duration from bitrate" (measured with ffprobe 5.1 on a 250 MB file cut at 100 MB): not
 * trusted, it gets every pass. Skipping them saves ~0.3 s per 250 MB of PCM on the 2-core dev box.
 */
function isWholePcmWav(header: HeaderFacts, sizeBytes: number): boolean {
  const { formatName, audio, trustedDuration } = header;
  const bitRate = Number(audio.bit_rate);
  if (formatName !== 'wav' || !audio.codec_name.startsWith('pcm_')) return false;
  if (trustedDuration === undefined || !Number.isFinite(bitRate) || bitRate <= 0) return false;
  return (trustedDuration * bitRate) / 8 <= sizeBytes;
}

/** What passes 2 and 3 need: the file, its directory, the cap and the remaining budget. */
interface PassOptions {
  absPath: string;
  cwd: string;
  max: number | undefined;
  remaining: () => number;
  /** Kills the pass (its process group) when aborted. */
  signal?: AbortSignal;
}

/**
 * Pass 2: reads every packet of the audio stream without decoding. `-xerror` turns a short last
 * read ("corrupt input packet": WAV/MP4 whose header promises more data) or a read error ("File
 * ended prematurely": WebM) into a failure; the last timestamp shows how far it got. Bounded: a
 * file that goes on past the cap is too long, however long it really is.
 * @returns the timestamp reached, in seconds.
 * @throws BadInputError (see {@link classifyFailure}).
 */
async function readPackets({ absPath, cwd, max, remaining, signal }: PassOptions): Promise<number> {
  const readCap = max !== undefined ? ['-t', String(max + READ_MARGIN_SECONDS)] : [];
  let readEnd = 0;
  try {
    await runFfmpeg(
      hardenedCommand(absPath, ['-v', 'error', '-stats', '-xerror', ...readCap], cwd)
        .output('/dev/null')
        .outputOptions(['-map', '0:a:0', '-c:a', 'copy', '-f', 'null']),
      {
        timeoutMs: remaining(),
        cwd,
        signal,
        onLine: (l) => (readEnd = parseStatsTime(l) ?? readEnd),
      },
    );
  } catch (err) {
    throw classifyFailure(err, true);
  }
  return readEnd;
}

/**
 * Pass 3: decodes the first `window` seconds (by timestamp; all when undefined), counting decoded
 * samples, at most the cap + 1 s of them.
 * @returns seconds of audio decoded.
 * @throws BadInputError (see {@link classifyFailure}).
 */
async function decodeSamples(
  { absPath, cwd, max, remaining, signal }: PassOptions,
  window: number | undefined,
): Promise<number> {
  let decodedEnd = 0;
  try {
    await runFfmpeg(
      hardenedCommand(
        absPath,
        ['-v', 'error', '-stats', ...(window !== undefined ? ['-t', String(window)] : [])],
        cwd,
      )
        .output('/dev/null')
        .outputOptions([
          '-map',
          '0:a:0',
          '-af',
          'asetpts=N/SR/TB',
          ...(max !== undefined ? ['-t', String(max + 1)] : []),
          '-f',
          'null',
        ]),
      {
        timeoutMs: remaining(),
        cwd,
        signal,
        onLine: (l) => (decodedEnd = parseStatsTime(l) ?? decodedEnd),
      },
    );
  } catch (err) {
    throw classifyFailure(err, true);
  }
  return decodedEnd;
}

/** Maps an ffprobe/ffmpeg failure to the uploader-facing error. */
function classifyFailure(err: unknown, formatAccepted = false): Error {
  if (err instanceof MediaTimeoutError) {
    return reject(
      'MEDIA_CORRUPT',
      'The audio file could not be read in reasonable time; it is probably damaged. Please export or upload it again.',
    );
  }
  if (!(err instanceof MediaProcessError)) return err as Error;
  const log = `${err.message}\n${err.stderr}`;
  // An MP4/M4A whose index ("moov atom") is missing: written at the end, so the file was cut off.
  if (/moov atom not found/i.test(log)) return reject('MEDIA_CORRUPT');
  if (
    !formatAccepted &&
    /not on whitelist|Invalid data found|Unknown input format|Protocol not found|not permitted/i.test(
      log,
    )
  ) {
    return reject('MEDIA_NOT_AUDIO');
  }
  return reject('MEDIA_CORRUPT');
}

// ---------------------------------------------------------------------------------------------
// Ogg tail check

const OGG_MAX_PAGE_BYTES = 27 + 255 + 255 * 255;

const OGG_CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg page CRC-32 (polynomial 0x04c11db7, no reflection, init 0), CRC field counted as zero. */
function oggPageCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : page[i];
    crc = ((crc << 8) ^ OGG_CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  }
  return crc;
}

/** Byte length of the Ogg page starting at `at`, or undefined if its header runs past `buf`. */
function oggPageLength(buf: Buffer, at: number): number | undefined {
  if (at + 27 > buf.length) return undefined;
  const segments = buf[at + 26];
  if (at + 27 + segments > buf.length) return undefined;
  let body = 0;
  for (let i = 0; i < segments; i++) body += buf[at + 27 + i];
  return 27 + segments + body;
}

/**
 * True when an Ogg file ends with a partial page: after the last complete page with a valid CRC
 * come bytes that start a new page ("OggS") but stop before its end. A file cut exactly at a page
 * boundary is complete audio, just shorter, and passes.
 */
async function oggEndsInsidePage(filePath: string, size: number): Promise<boolean> {
  const tailBytes = Math.min(size, 2 * OGG_MAX_PAGE_BYTES);
  const buf = Buffer.alloc(tailBytes);
  const fh = await open(filePath, 'r');
  try {
    await fh.read(buf, 0, tailBytes, size - tailBytes);
  } finally {
    await fh.close();
  }
  for (
    let at = buf.lastIndexOf('OggS');
    at >= 0;
    at = at > 0 ? buf.lastIndexOf('OggS', at - 1) : -1
  ) {
    const len = oggPageLength(buf, at);
    if (buf[at + 4] !== 0 || len === undefined || at + len > buf.length) continue;
    if (oggPageCrc(buf.subarray(at, at + len)) !== buf.readUInt32LE(at + 22)) continue;
    // `at` starts the last valid page. What follows it?
    const rest = buf.subarray(at + len, at + len + 4).toString('latin1');
    return rest.length > 0 && 'OggS'.startsWith(rest);
  }
  return false;
}
