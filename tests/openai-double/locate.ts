/**
 * Where in which fixture a submitted piece of audio comes from.
 *
 * The service sends pieces of recordings: a sub-span of a fixture, of a fixture played in a loop
 * (`ffmpeg -stream_loop -1 -i fixture.ogg -t N -c copy`, the 20-minute and 4-hour test
 * recordings), or of one channel of a stereo fixture sent as mono. The double finds the piece by
 * correlating its energy envelope (log RMS of 20 ms frames) with each fixture channel's envelope
 * at every offset within one loop period, and takes the best match above a threshold.
 *
 * The reference envelope comes from the fixture really looped the same way (stream copy, then
 * decoded), so its period is the true one: a stream-copied loop is not `durationSeconds` long
 * (whole 20 ms Opus packets, pre-skip), about 9 ms more for the committed fixtures.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ANALYSIS_SAMPLE_RATE, decodePcm } from '../speechkit-double/audio.js';
import type { FixtureManifest } from '../speechkit-double/manifest.js';

const execFileAsync = promisify(execFile);

/** Envelope frame length in milliseconds (the speechkit double's VAD frame, too). */
export const FRAME_MS = 20;
const FRAME_SAMPLES = (ANALYSIS_SAMPLE_RATE * FRAME_MS) / 1000;
/** Added to a frame's RMS (int16 units) before the log, so digital silence has a finite floor. */
const RMS_FLOOR = 10;
/** Longest stretch of a piece (frames: 30 s) used to find its offset. */
export const MATCH_WINDOW_FRAMES = 1500;
/** Shortest piece (frames: 0.6 s) the double tries to locate; shorter audio is "unknown". */
export const MIN_MATCH_FRAMES = 30;
/** Pearson correlation of the envelopes at or above which a piece counts as found. */
export const MATCH_THRESHOLD = 0.8;

/** Log-RMS energy of consecutive {@link FRAME_MS} frames of 16 kHz PCM. */
export function envelope(samples: Int16Array): Float64Array {
  const frames = Math.floor(samples.length / FRAME_SAMPLES);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * FRAME_SAMPLES; i < (f + 1) * FRAME_SAMPLES; i++) {
      sum += samples[i] * samples[i];
    }
    out[f] = Math.log(Math.sqrt(sum / FRAME_SAMPLES) + RMS_FLOOR);
  }
  return out;
}

/** One channel of one fixture, as a reference to match against. */
export interface FixtureChannel {
  manifest: FixtureManifest;
  /** Channel index in the fixture file (0 for mono). */
  channel: number;
  /** Envelope (frames of {@link FRAME_MS}) of the fixture looped enough times to hold any window. */
  looped: Float64Array;
  /** Exact loop period in milliseconds (decoded length of N loops minus 1 loop, over N − 1). */
  periodMs: number;
}

/** The fixtures a double can recognise: every channel of every manifest's audio. */
export interface FixtureLibrary {
  channels: FixtureChannel[];
}

/** Where a piece was found. Times in milliseconds. */
export interface FixtureMatch {
  manifest: FixtureManifest;
  channel: number;
  /**
   * Fixture time (ms, from the start of its first play; may exceed one period or be negative)
   * that piece time 0 corresponds to. A manifest utterance of play L then starts in the piece at
   * `L × periodMs + utterance.startMs − fixtureOffsetMs`.
   */
  fixtureOffsetMs: number;
  periodMs: number;
  /** Pearson correlation of the envelopes at the chosen offset (≤ 1). */
  score: number;
}

/** Decodes `file` stream-copied `loops` times in a row, like the long test recordings are made. */
async function decodeLooped(file: string, loops: number, channels: number): Promise<Int16Array[]> {
  const { stdout } = await execFileAsync(
    'ffmpeg',
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-stream_loop', String(loops - 1)],
      ...['-i', file, '-c', 'copy', '-f', 'ogg', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  return decodePcm(stdout, channels);
}

const cache = new Map<string, Promise<FixtureChannel[]>>();

/** The reference channels of one fixture (cached per file for the life of the process). */
function fixtureChannels(dir: string, manifest: FixtureManifest): Promise<FixtureChannel[]> {
  const file = path.resolve(dir, manifest.file);
  let entry = cache.get(file);
  if (!entry) {
    entry = (async () => {
      const single = await decodePcm(await readFile(file), manifest.channels);
      const singleFrames = single[0].length / FRAME_SAMPLES;
      // Enough plays to hold every offset within one period plus a whole match window.
      const loops = Math.max(2, Math.ceil(MATCH_WINDOW_FRAMES / singleFrames) + 1);
      const looped = await decodeLooped(file, loops, manifest.channels);
      const periodMs =
        ((looped[0].length - single[0].length) / (loops - 1) / ANALYSIS_SAMPLE_RATE) * 1000;
      return looped.map((pcm, channel) => ({
        manifest,
        channel,
        looped: envelope(pcm),
        periodMs,
      }));
    })();
    cache.set(file, entry);
    entry.catch(() => cache.delete(file));
  }
  return entry;
}

/**
 * Decodes every manifest's audio file (`dir`/`manifest.file`) and builds its reference envelopes.
 * @throws Error when a fixture file is missing or ffmpeg cannot decode it.
 */
export async function loadFixtureLibrary(
  dir: string,
  manifests: readonly FixtureManifest[],
): Promise<FixtureLibrary> {
  const channels = (await Promise.all(manifests.map((m) => fixtureChannels(dir, m)))).flat();
  return { channels };
}

/** Best Pearson correlation of `win` against `ref[k .. k + win.length)` for k in [0, maxOffset). */
function bestOffset(win: Float64Array, ref: Float64Array, maxOffset: number) {
  const n = win.length;
  let mw = 0;
  for (let i = 0; i < n; i++) mw += win[i];
  mw /= n;
  let vw = 0;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = win[i] - mw;
    vw += w[i] * w[i];
  }
  let best = { offset: 0, score: -1 };
  if (vw <= 1e-9) return best;
  // Sliding sums of the reference for its mean and variance at each offset.
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    s += ref[i];
    s2 += ref[i] * ref[i];
  }
  const last = Math.min(maxOffset, ref.length - n + 1);
  for (let k = 0; k < last; k++) {
    if (k > 0) {
      const out = ref[k - 1];
      const inn = ref[k + n - 1];
      s += inn - out;
      s2 += inn * inn - out * out;
    }
    const vr = s2 - (s * s) / n;
    if (vr > 1e-9) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += w[i] * ref[k + i];
      const score = dot / Math.sqrt(vw * vr);
      if (score > best.score) best = { offset: k, score };
    }
  }
  return best;
}

/**
 * Finds `pcm` (one channel of 16 kHz PCM) in the library: the window of up to
 * {@link MATCH_WINDOW_FRAMES} starting 1 s before `speechStartMs` is correlated against every
 * fixture channel at every offset within one loop period.
 * @returns the best match with score ≥ `threshold`, or undefined (too short, or nothing fits).
 */
export function locatePiece(
  pcm: Int16Array,
  library: FixtureLibrary,
  speechStartMs = 0,
  threshold = MATCH_THRESHOLD,
): FixtureMatch | undefined {
  const env = envelope(pcm);
  const from = Math.max(0, Math.min(Math.floor((speechStartMs - 1000) / FRAME_MS), env.length));
  const win = env.subarray(from, Math.min(env.length, from + MATCH_WINDOW_FRAMES));
  if (win.length < MIN_MATCH_FRAMES) return undefined;
  let best: FixtureMatch | undefined;
  for (const ref of library.channels) {
    const periodFrames = Math.ceil(ref.periodMs / FRAME_MS);
    const { offset, score } = bestOffset(win, ref.looped, periodFrames);
    if (score >= threshold && (!best || score > best.score)) {
      best = {
        manifest: ref.manifest,
        channel: ref.channel,
        fixtureOffsetMs: (offset - from) * FRAME_MS,
        periodMs: ref.periodMs,
        score,
      };
    }
  }
  return best;
}
