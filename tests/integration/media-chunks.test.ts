/**
 * Speech detection, chunk planning and cutting against the real ffmpeg, on the espeak-ng fixtures
 * (their .json manifests give the utterance times): speech found where the manifest says, only on
 * the speaker's channel of a call; no piece inside a long silence; pieces cut on the requested
 * sample; a 20-minute recording detected in seconds and planned within a 25 MiB / 600 s limit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobError } from '../../src/errors.js';
import {
  estimateChunkBytes,
  planChunks,
  type Chunk,
  type TimeRange,
} from '../../src/media/chunk-plan.js';
import { cutChunk, maxBytesPerSecond } from '../../src/media/cut.js';
import { DEFAULT_NOISE_DB, detectSpeech } from '../../src/media/silence.js';
import { ffprobeDuration } from '../helpers/media.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/audio');
const MONO = path.join(FIXTURES, 'dialogue-mono.ogg');
const STEREO = path.join(FIXTURES, 'call-stereo.ogg');

interface Manifest {
  durationSeconds: number;
  utterances: Array<{ channel: number; startMs: number; endMs: number }>;
}
const manifest = (name: string) =>
  JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Manifest;
const monoManifest = manifest('dialogue-mono.json');
const stereoManifest = manifest('call-stereo.json');
const FIXTURE_SECONDS = monoManifest.durationSeconds;

const TOLERANCE = 0.2;
const MiB = 1024 * 1024;
/** The Whisper server limits the pipeline plans for. */
const LIMITS = {
  maxChunkSeconds: 600,
  maxChunkBytes: 25 * MiB,
  bytesPerSecond: maxBytesPerSecond('flac'),
};

let dir: string;
const tmp = (name: string) => path.join(dir, name);

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
}

/** Decodes `file` (or a window of it, seeking after -i: decodes from 0, exact) to 16 kHz mono s16. */
function decode(file: string, ...window: string[]): Int16Array {
  const out = execFileSync(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-i',
      file,
      ...window,
      '-ac',
      '1',
      '-ar',
      '16000',
      '-f',
      's16le',
      '-',
    ],
    { maxBuffer: 256 * MiB },
  );
  return new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2);
}

const probeDuration = ffprobeDuration;

/** The utterances as seconds, for one channel or all. */
function utterances(m: Manifest, channel?: number): TimeRange[] {
  return m.utterances
    .filter((u) => channel === undefined || u.channel === channel)
    .map((u) => ({ startSeconds: u.startMs / 1000, endSeconds: u.endMs / 1000 }));
}

const overlaps = (a: TimeRange, b: TimeRange) =>
  a.startSeconds < b.endSeconds && b.startSeconds < a.endSeconds;

/** Each utterance is covered by detected speech from its start to its end, ± TOLERANCE. */
function expectCovered(speech: TimeRange[], expected: TimeRange[]): void {
  for (const u of expected) {
    const hits = speech.filter((s) => overlaps(s, u));
    expect(hits.length).toBeGreaterThan(0);
    expect(Math.min(...hits.map((s) => s.startSeconds))).toBeLessThanOrEqual(
      u.startSeconds + TOLERANCE,
    );
    expect(Math.max(...hits.map((s) => s.endSeconds))).toBeGreaterThanOrEqual(
      u.endSeconds - TOLERANCE,
    );
    // No gap inside the utterance bigger than a pause between words.
    for (let k = 1; k < hits.length; k++) {
      expect(hits[k].startSeconds - hits[k - 1].endSeconds).toBeLessThan(0.6);
    }
  }
}

/** Every stretch of detected speech lies within some utterance, ± TOLERANCE. */
function expectOnlyWithin(speech: TimeRange[], expected: TimeRange[]): void {
  for (const s of speech) {
    const inside = expected.some(
      (u) =>
        s.startSeconds >= u.startSeconds - TOLERANCE && s.endSeconds <= u.endSeconds + TOLERANCE,
    );
    expect({ speech: s, inside }).toEqual({ speech: s, inside: true });
  }
}

/** Every chunk boundary lies outside speech (in a pause, or at the file's ends). */
function expectBoundariesInSilence(chunks: Chunk[], speech: TimeRange[]): void {
  for (const c of chunks) {
    for (const t of [c.startSeconds, c.endSeconds]) {
      const inside = speech.find((s) => t > s.startSeconds + 0.001 && t < s.endSeconds - 0.001);
      expect({ boundary: t, inside }).toEqual({ boundary: t, inside: undefined });
    }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kazru-chunks-'));
  // fixture, 2 minutes of digital silence, fixture — re-encoded like the transcoder does.
  ffmpeg(
    '-i',
    MONO,
    '-f',
    'lavfi',
    '-t',
    '120',
    '-i',
    'anullsrc=r=48000:cl=mono',
    '-i',
    MONO,
    '-filter_complex',
    '[0:a][1:a][2:a]concat=n=3:v=0:a=1',
    '-ar',
    '16000',
    '-c:a',
    'libopus',
    '-b:a',
    '24k',
    tmp('gap.ogg'),
  );
  ffmpeg('-stream_loop', '-1', '-i', MONO, '-t', '1200', '-c', 'copy', tmp('loop20.ogg'));
  // A quiet recorder: the same speech 30 dB down, over faint noise.
  ffmpeg(
    '-i',
    MONO,
    '-f',
    'lavfi',
    '-i',
    `anoisesrc=a=0.0003:r=48000:d=${FIXTURE_SECONDS}:seed=7`,
    '-filter_complex',
    '[0:a]volume=-30dB[v];[v][1:a]amix=inputs=2:normalize=0:duration=first',
    '-ar',
    '16000',
    '-c:a',
    'libopus',
    '-b:a',
    '24k',
    tmp('quiet.ogg'),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('detectSpeech', () => {
  it('finds the utterances of the mono dialogue and nothing else', async () => {
    const d = await detectSpeech(MONO);
    expect(d.durationSeconds).toBeCloseTo(FIXTURE_SECONDS, 1);
    expect(d.noiseDb).toBe(DEFAULT_NOISE_DB); // normalised speech: one pass, default threshold
    expect(d.speechLevelDb).toBeGreaterThan(-25);
    expectCovered(d.speech, utterances(monoManifest));
    expectOnlyWithin(d.speech, utterances(monoManifest));
    // speech and silences tile the file
    const tiles = [...d.speech, ...d.silences].sort((a, b) => a.startSeconds - b.startSeconds);
    expect(tiles[0].startSeconds).toBe(0);
    for (let k = 1; k < tiles.length; k++) {
      expect(tiles[k].startSeconds).toBe(tiles[k - 1].endSeconds);
    }
    expect(tiles[tiles.length - 1].endSeconds).toBe(d.durationSeconds);
    for (const p of d.shortSilences) {
      expect(d.speech.some((s) => p.startSeconds > s.startSeconds && p.endSeconds < s.endSeconds));
    }
  });

  it('finds each speaker of the stereo call only on their channel', async () => {
    for (const channel of [0, 1]) {
      const d = await detectSpeech(STEREO, { channel });
      expectCovered(d.speech, utterances(stereoManifest, channel));
      expectOnlyWithin(d.speech, utterances(stereoManifest, channel));
    }
    const both = await detectSpeech(STEREO);
    expectCovered(both.speech, utterances(stereoManifest));
    expectOnlyWithin(both.speech, utterances(stereoManifest));
  });

  it('refuses a channel the file does not have', async () => {
    await expect(detectSpeech(MONO, { channel: 1 })).rejects.toThrow(RangeError);
  });

  it('follows the level of a quiet recording (the fixed −35 dBFS misses most of it)', async () => {
    const fixed = await detectSpeech(tmp('quiet.ogg'), { noiseDb: DEFAULT_NOISE_DB });
    const fixedSpeech = fixed.speech.reduce((s, r) => s + r.endSeconds - r.startSeconds, 0);
    const adaptive = await detectSpeech(tmp('quiet.ogg'));
    console.log(
      `quiet recording: speech level ${adaptive.speechLevelDb?.toFixed(1)} dBFS, threshold ${adaptive.noiseDb} dBFS; ` +
        `${fixedSpeech.toFixed(1)} s of speech at −35 dBFS`,
    );
    expect(adaptive.noiseDb).toBeLessThan(DEFAULT_NOISE_DB - 10);
    expectCovered(adaptive.speech, utterances(monoManifest));
    expectOnlyWithin(adaptive.speech, utterances(monoManifest));
    expect(fixedSpeech).toBeLessThan(8);
  });

  it('rejects with a JobError for a file that is not audio', async () => {
    const err = await detectSpeech(path.join(FIXTURES, 'dialogue-mono.json')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('TRANSCODE_FAILED');
  });
});

describe('planning with real detection', () => {
  it('puts no piece inside a 2-minute silence', async () => {
    const d = await detectSpeech(tmp('gap.ogg'));
    const silenceFrom = FIXTURE_SECONDS + 0.3;
    const silenceTo = FIXTURE_SECONDS + 120 - 0.3;
    expect(
      d.speech.filter((s) => overlaps(s, { startSeconds: silenceFrom, endSeconds: silenceTo })),
    ).toEqual([]);
    const chunks = planChunks(d.speech, { ...LIMITS, durationSeconds: d.durationSeconds });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(overlaps(c, { startSeconds: silenceFrom, endSeconds: silenceTo })).toBe(false);
      expect(c.speechSeconds).toBeGreaterThan(0);
    }
    expectBoundariesInSilence(chunks, d.speech);
  });

  it('detects 20 minutes in seconds and plans pieces under 25 MiB / 600 s', async () => {
    const started = performance.now();
    const d = await detectSpeech(tmp('loop20.ogg'));
    const took = (performance.now() - started) / 1000;
    console.log(
      `detectSpeech on 20 min: ${took.toFixed(2)} s (${d.speech.length} stretches of speech, ${d.shortSilences.length} short pauses, threshold ${d.noiseDb} dBFS)`,
    );
    expect(took).toBeLessThan(15);
    // Stream-copied loops: the decoder yields ~20 ms more samples per loop than the timestamps
    // span; speech times follow the timestamps (what -ss seeks by), the duration covers both.
    expect(d.durationSeconds).toBeGreaterThanOrEqual(1199.9);
    expect(d.durationSeconds).toBeLessThan(1202);
    // The fixture's speech, ~58.4 times over (loop joins in timestamps are not exactly
    // 20.556 s apart, so compare amounts, not positions).
    const once = await detectSpeech(MONO);
    const total = (r: TimeRange[]) => r.reduce((sum, x) => sum + x.endSeconds - x.startSeconds, 0);
    const loops = 1200 / FIXTURE_SECONDS;
    expect(d.speech.length).toBeGreaterThanOrEqual(Math.floor(loops) * once.speech.length);
    expect(d.speech.length).toBeLessThanOrEqual(Math.ceil(loops) * once.speech.length);
    expect(total(d.speech) / (loops * total(once.speech))).toBeCloseTo(1, 1);

    const base = { ...LIMITS, durationSeconds: d.durationSeconds, shortSilences: d.shortSilences };
    const plans = [
      planChunks(d.speech, base), // utterance by utterance
      planChunks(d.speech, { ...base, splitPauseSeconds: 10_000 }), // only the limits split
    ];
    for (const chunks of plans) {
      for (const c of chunks) {
        expect(c.endSeconds - c.startSeconds).toBeLessThanOrEqual(600);
        expect(
          estimateChunkBytes(c.endSeconds - c.startSeconds, LIMITS.bytesPerSecond),
        ).toBeLessThanOrEqual(25 * MiB);
      }
      expectBoundariesInSilence(chunks, d.speech);
      const covered = chunks.reduce((sum, c) => sum + c.speechSeconds, 0);
      expect(covered).toBeCloseTo(total(d.speech), 1);
    }
    // A pause of ≥ 0.8 s ends a piece: each loop's 4 utterances (utterance 1 pauses 0.4 s inside).
    expect(plans[0].length).toBeGreaterThanOrEqual(4 * Math.floor(1200 / FIXTURE_SECONDS));
    expect(plans[1].length).toBe(3);
  });
});

describe('cutChunk', () => {
  /** Offset (in samples, |offset| ≤ 400) at which `piece` best matches `reference`. */
  function bestOffset(piece: Int16Array, reference: Int16Array, from: number): number {
    const len = 8000;
    let best = { offset: NaN, err: Infinity };
    for (let offset = -400; offset <= 400; offset++) {
      let err = 0;
      for (let i = 0; i < len; i++) {
        const d = piece[800 + i] - reference[from + 800 + offset + i];
        err += d * d;
      }
      if (err < best.err) best = { offset, err };
    }
    return best.offset;
  }

  it('cuts FLAC on the requested sample, within 30 ms of the requested length', async () => {
    const reference = decode(MONO);
    for (const [start, end] of [
      [7.123, 9.456],
      [13.5, 15.9],
    ]) {
      const out = tmp(`piece-${start}.flac`);
      const r = await cutChunk(MONO, {
        startSeconds: start,
        endSeconds: end,
        output: out,
        format: 'flac',
      });
      expect(Math.abs(r.durationSeconds - (end - start))).toBeLessThan(0.03);
      expect(Math.abs(probeDuration(out) - (end - start))).toBeLessThan(0.03);
      const piece = decode(out);
      expect(Math.abs(piece.length / 16000 - (end - start))).toBeLessThan(0.03);
      expect(Math.abs(bestOffset(piece, reference, Math.round(start * 16000)))).toBeLessThanOrEqual(
        1,
      );
      expect(r.bytes).toBeLessThan(estimateChunkBytes(end - start, maxBytesPerSecond('flac')));
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('seeks accurately deep into a long file too', async () => {
    const start = 1000.5;
    const out = tmp('deep.flac');
    await cutChunk(tmp('loop20.ogg'), {
      startSeconds: start,
      endSeconds: start + 2,
      output: out,
      format: 'flac',
    });
    // Reference: output-side -ss decodes from the beginning, so it is exact by construction.
    const reference = decode(tmp('loop20.ogg'), '-ss', String(start - 0.1), '-t', '2.2');
    expect(Math.abs(bestOffset(decode(out), reference, 1600))).toBeLessThanOrEqual(1);
  });

  it('writes OGG/Opus that decodes, within 30 ms of the requested length', async () => {
    const out = tmp('piece.ogg');
    const r = await cutChunk(MONO, {
      startSeconds: 0.3,
      endSeconds: 5.9,
      output: out,
      format: 'ogg-opus',
    });
    expect(Math.abs(r.durationSeconds - 5.6)).toBeLessThan(0.03);
    expect(Math.abs(probeDuration(out) - 5.6)).toBeLessThan(0.03);
    expect(() =>
      execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', out, '-f', 'null', '-']),
    ).not.toThrow();
    expect(r.bytes).toBeLessThan(estimateChunkBytes(5.6, maxBytesPerSecond('ogg-opus')));
  });

  it('keeps only the chosen channel of the call', async () => {
    const [speaker0, speaker1] = utterances(stereoManifest);
    const rms = (samples: Int16Array) =>
      Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / Math.max(1, samples.length));
    const cut = async (u: TimeRange, channel: number) => {
      const out = tmp(`ch${channel}-${u.startSeconds}.flac`);
      await cutChunk(STEREO, { ...u, channel, output: out, format: 'flac' });
      return rms(decode(out));
    };
    expect(await cut(speaker0, 0)).toBeGreaterThan(1000);
    expect(await cut(speaker0, 1)).toBeLessThan(50);
    expect(await cut(speaker1, 1)).toBeGreaterThan(1000);
    expect(await cut(speaker1, 0)).toBeLessThan(50);
    await expect(
      cutChunk(MONO, {
        startSeconds: 0,
        endSeconds: 1,
        channel: 1,
        output: tmp('x.flac'),
        format: 'flac',
      }),
    ).rejects.toThrow(RangeError);
  });

  it('leaves neither the output nor a part file when aborted', async () => {
    const out = tmp('aborted.flac');
    const controller = new AbortController();
    const p = cutChunk(tmp('loop20.ogg'), {
      startSeconds: 0,
      endSeconds: 1200,
      output: out,
      format: 'flac',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });
});
