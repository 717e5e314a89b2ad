/**
 * The 4-hour proof: SpeechKit's longest accepted audio (4 h mono, or 2 h of channel-separated
 * stereo, §2.6 of the SpeechKit notes) transcoded by `transcodeToOpus` at the bitrate
 * `chooseOpusBitrate` picks for that length fits one inline request (< 60 MB of base64 JSON body).
 *
 * A quarter of each limit is transcoded for real at the limit's bitrate (1 h mono, 30 min
 * stereo): Opus at a fixed target bitrate grows linearly with the length, so the bytes per second
 * measured on the quarter, times the limit, are the full file's size (checked against full-length
 * runs of this test on 2026-12-02: 4 h mono 35,699,746 bytes, the quarter predicts 35,700,028;
 * 2 h stereo 42,553,209, predicted 42,542,604 — within 0.03 %). The full-length transcode
 * (6 h of audio, with loudness normalisation ~5 min of both cores) is in the benchmark
 * (`npm run bench -- --only=workers` runs a 4 h recording through the pipeline).
 *
 * Inputs are built quickly: a 20-minute chunk of the speech fixture looped over pink noise (the
 * noise keeps the encoder busy in the pauses, so sizes are not flattered by silence) at 8 kHz
 * FLAC, then repeated to length. The two transcodes run concurrently, one per core.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  chooseOpusBitrate,
  estimateInlineBodyBytes,
  estimateOpusBytes,
  probeMedia,
  transcodeToOpus,
} from '../../src/media/index.js';
import { requestBudget } from '../../src/stt/engine.js';
import { SPEECHKIT_CAPABILITIES } from '../../src/stt/speechkit/engine.js';

/** SpeechKit's declared request (60 MB base64 body, 4 h across channels). */
const SPEECHKIT = requestBudget(SPEECHKIT_CAPABILITIES);

const run = promisify(execFile);
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/audio');
const CHUNK_SECONDS = 1200;

let dir: string;

async function ffmpeg(...args: string[]): Promise<void> {
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 1 << 20 });
}

async function ffprobe(
  file: string,
): Promise<{ duration: number; channels: number; codec: string }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    file,
  ]);
  const j = JSON.parse(stdout) as {
    format: { duration: string };
    streams: Array<{ channels: number; codec_name: string }>;
  };
  return {
    duration: Number(j.format.duration),
    channels: j.streams[0].channels,
    codec: j.streams[0].codec_name,
  };
}

/** Builds `seconds` of 8 kHz FLAC: the fixture looped over pink noise, `channels` 1 or 2. */
async function makeLongInput(name: string, seconds: number, channels: 1 | 2): Promise<string> {
  const chunk = path.join(dir, `${name}-chunk.flac`);
  const out = path.join(dir, `${name}.flac`);
  const fixture = path.join(FIXTURES, channels === 1 ? 'dialogue-mono.ogg' : 'call-stereo.ogg');
  const noise = (seed: number) => `anoisesrc=c=pink:r=8000:a=0.01:seed=${seed}`;
  const graph =
    channels === 1
      ? '[0:a]aresample=8000[s];[s][1:a]amix=inputs=2:duration=first:normalize=0'
      : '[0:a]aresample=8000[s];[1:a][2:a]amerge=inputs=2[n];[s][n]amix=inputs=2:duration=first:normalize=0';
  const noiseInputs =
    channels === 1
      ? ['-f', 'lavfi', '-i', noise(1)]
      : ['-f', 'lavfi', '-i', noise(1), '-f', 'lavfi', '-i', noise(2)];
  await ffmpeg(
    '-stream_loop',
    '-1',
    '-i',
    fixture,
    ...noiseInputs,
    '-filter_complex',
    graph,
    '-t',
    String(CHUNK_SECONDS),
    '-ac',
    String(channels),
    '-ar',
    '8000',
    '-sample_fmt',
    's16',
    '-c:a',
    'flac',
    '-compression_level',
    '0',
    chunk,
  );
  // Re-encoded, not stream-copied: a copied FLAC keeps the chunk's length in its header.
  await ffmpeg(
    '-stream_loop',
    '-1',
    '-i',
    chunk,
    '-t',
    String(seconds),
    '-c:a',
    'flac',
    '-compression_level',
    '0',
    out,
  );
  await rm(chunk);
  return out;
}

interface Figures {
  label: string;
  inputSeconds: number;
  bitrateBps: number;
  /** Bytes of the transcoded sample. */
  outputBytes: number;
  /** What the budget model predicts for the sample. */
  estimatedBytes: number;
  /** The limit the sample stands for, seconds. */
  limitSeconds: number;
  /** The sample's bytes per second times the limit: the full file's size. */
  limitOutputBytes: number;
  /** Inline request body for the full file (base64 JSON). */
  bodyBytes: number;
  outputSeconds: number;
  outputChannels: number;
  codec: string;
  transcodeSeconds: number;
  probeSeconds: number;
  progress: number[];
}

/** Part of each limit transcoded for real (see the module comment). */
const SAMPLE_FRACTION = 0.25;

async function prove(label: string, limitSeconds: number, channels: 1 | 2): Promise<Figures> {
  const seconds = limitSeconds * SAMPLE_FRACTION;
  const input = await makeLongInput(label, seconds, channels);
  let t = performance.now();
  const info = await probeMedia(input, { timeoutMs: 120_000 });
  const probeSeconds = (performance.now() - t) / 1000;

  // The bitrate for the whole limit, not for the sample: the sample shows what it produces.
  const bitrateBps = chooseOpusBitrate(limitSeconds, channels, SPEECHKIT);
  const output = path.join(dir, `${label}.ogg`);
  const progress: number[] = [];
  t = performance.now();
  await transcodeToOpus(input, output, {
    channels,
    bitrateBps,
    durationSeconds: info.durationSeconds,
    onProgress: (p) => progress.push(p),
  });
  const transcodeSeconds = (performance.now() - t) / 1000;
  await rm(input);

  const outputBytes = (await stat(output)).size;
  const probed = await ffprobe(output);
  const figures: Figures = {
    label,
    inputSeconds: info.durationSeconds,
    bitrateBps,
    outputBytes,
    estimatedBytes: estimateOpusBytes(info.durationSeconds, bitrateBps),
    limitSeconds,
    limitOutputBytes: Math.ceil((outputBytes * limitSeconds) / info.durationSeconds),
    bodyBytes: estimateInlineBodyBytes(
      Math.ceil((outputBytes * limitSeconds) / info.durationSeconds),
    ),
    outputSeconds: probed.duration,
    outputChannels: probed.channels,
    codec: probed.codec,
    transcodeSeconds,
    probeSeconds,
    progress,
  };
  const { progress: _p, ...printable } = figures;
  console.log(`opus-4h ${label}: ${JSON.stringify(printable)}`);
  return figures;
}

let mono: Figures;
let stereo: Figures;
let wallSeconds: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kazru-opus4h-'));
  const t = performance.now();
  [mono, stereo] = await Promise.all([prove('mono-4h', 14_400, 1), prove('stereo-2h', 7_200, 2)]);
  wallSeconds = (performance.now() - t) / 1000;
  console.log(`opus-4h: both cases, wall clock ${wallSeconds.toFixed(1)} s`);
}, 480_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['4 h mono', () => mono, 14_400, 1],
  ['2 h channel-separated stereo', () => stereo, 7_200, 2],
] as const)('%s', (_name, figures, seconds, channels) => {
  it('fits one inline SpeechKit request at the full length', () => {
    const f = figures();
    expect(f.inputSeconds).toBeCloseTo(seconds * SAMPLE_FRACTION, 0);
    expect(f.limitSeconds).toBe(seconds);
    expect(f.bodyBytes).toBeLessThan(SPEECHKIT.maxBodyBytes);
    expect(estimateInlineBodyBytes(f.limitOutputBytes)).toBeLessThan(60_000_000);
  });

  it("is OGG/Opus of the sample's full length with the right channels", () => {
    const f = figures();
    expect(f.codec).toBe('opus');
    expect(f.outputChannels).toBe(channels);
    expect(Math.abs(f.outputSeconds - seconds * SAMPLE_FRACTION)).toBeLessThan(1);
  });

  it('is no larger than the budget model predicted', () => {
    const f = figures();
    expect(f.outputBytes).toBeLessThanOrEqual(f.estimatedBytes);
  });

  it('reported monotonic progress ending at 100', () => {
    const f = figures();
    expect(f.progress.length).toBeGreaterThan(10);
    for (let i = 1; i < f.progress.length; i++) {
      expect(f.progress[i]).toBeGreaterThan(f.progress[i - 1]);
    }
    expect(f.progress.at(-1)).toBe(100);
  });
});
