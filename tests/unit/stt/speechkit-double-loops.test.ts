/**
 * The SpeechKit double's knowledge of long recordings made by looping a fixture (benchmarks,
 * long-recording tests) and its request-rate counter (quota tests).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePcm } from '../../speechkit-double/audio.js';
import { loadManifests, peakRate, recognize } from '../../speechkit-double/index.js';

const FIXTURES = path.resolve('tests/fixtures/audio');
const manifests = loadManifests(FIXTURES);
const dialogue = manifests.find((m) => m.file === 'dialogue-mono.ogg')!;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sk-double-loops-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture played `loops` times over (stream copy), cut at `seconds` when given. */
async function looped(loops: number, seconds?: number): Promise<Int16Array[]> {
  const out = path.join(dir, `loop-${loops}-${seconds ?? 'all'}.ogg`);
  execFileSync('ffmpeg', [
    ...['-nostdin', '-loglevel', 'error', '-y', '-stream_loop', String(loops - 1)],
    ...['-i', path.join(FIXTURES, dialogue.file), ...(seconds ? ['-t', String(seconds)] : [])],
    ...['-c', 'copy', out],
  ]);
  return decodePcm(await readFile(out), 1);
}

describe('SpeechKit double: looped fixtures', () => {
  it('gives every loop the fixture utterances, in order, with speakers', async () => {
    const r = recognize({ pcm: await looped(3), speakerLabeling: true, manifests });
    expect(r.matchedBy).toBe('loop');
    expect(r.manifest).toBe(dialogue.file);
    const texts = dialogue.utterances.map((u) => u.text);
    expect(r.utterances.map((u) => u.normalizedText)).toEqual([...texts, ...texts, ...texts]);
    expect(r.utterances.map((u) => u.channelTag)).toEqual(
      Array.from({ length: 3 }, () => dialogue.utterances.map((u) => String(u.speaker))).flat(),
    );
    // each loop's utterances sit one fixture length after the previous loop's
    const period = dialogue.durationSeconds * 1000;
    for (let i = 4; i < 12; i++) {
      const shift = r.utterances[i].startMs - r.utterances[i - 4].startMs;
      expect(Math.abs(shift - period)).toBeLessThan(200);
    }
  });

  it('keeps what was said before the cut of the last loop', async () => {
    const r = recognize({ pcm: await looped(3, 50), speakerLabeling: false, manifests });
    expect(r.matchedBy).toBe('loop');
    expect(r.utterances.length).toBeGreaterThanOrEqual(9);
    expect(r.utterances.length).toBeLessThanOrEqual(10);
    expect(r.utterances.at(-1)!.endMs).toBeLessThanOrEqual(50_100);
  });

  it('does not take other audio for a loop', () => {
    const pcm = new Int16Array(16_000 * 60).map((_, i) => (i % 32_000 < 8000 ? 8000 : 0));
    const r = recognize({ pcm: [pcm], speakerLabeling: false, manifests });
    expect(r.matchedBy).toBeUndefined();
    expect(r.utterances[0].normalizedText).toBe('утверждение 1');
  });
});

describe('peakRate', () => {
  const at = (endpoint: 'poll' | 'submit', ...times: number[]) =>
    times.map((t) => ({ endpoint, at: t }));

  it('is the most arrivals in any sliding window, half-open, per endpoint', () => {
    const requests = [...at('poll', 0, 400, 999, 1000, 1300, 1999), ...at('submit', 10, 20, 30)];
    expect(peakRate(requests, 'poll')).toEqual({ count: 4, fromMs: 400, windowMs: 1000 });
    expect(peakRate(requests, 'poll', 600)).toMatchObject({ count: 3, fromMs: 999 });
    expect(peakRate(at('poll', 0, 1000, 2000), 'poll')).toMatchObject({ count: 1 });
    expect(peakRate(requests, 'submit')).toMatchObject({ count: 3, fromMs: 10 });
    expect(peakRate(requests, 'result')).toMatchObject({ count: 0 });
  });
});
