/**
 * One engine contract, run against both engines' doubles through the real service: SpeechKit
 * (its v3 REST double) and an OpenAI-compatible Whisper server (the OpenAI double in
 * whisper.cpp's flavour: one request at a time, English when `language` is missing,
 * "Продолжение следует..." on silence). Each engine must give the same answers a user relies on:
 * both speakers' text in order with per-segment kk-KZ/ru-RU tags, channels as speakers, a quiet
 * party still heard, no text in silence, clear failures for bad credentials, retries through a
 * short outage, and a cancel that stops the work.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';

const TRANSCRIPT = `query($id: ID!) { job(id: $id) {
  id status engine errorCode errorMessage diarizationApplied
  transcript { segments { start end text language confidence speaker { tag } } } } }`;

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const CALL = path.join(FIXTURES_DIR, 'call-stereo.ogg');
const QUIET_CALL = path.join(FIXTURES_DIR, 'call-stereo-quiet.ogg');

/** Lower case, letters and digits only: SpeechKit's double returns normalised text, Whisper its own. */
const words = (s: string) =>
  s
    .toLocaleLowerCase('ru-RU')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

let tmp: string;
/** dialogue, 60 s of digital silence, dialogue again. */
let withSilence: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-contract-'));
  withSilence = path.join(tmp, 'dialogue-silence-dialogue.ogg');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-i', DIALOGUE, '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono:d=60'],
    ...['-i', DIALOGUE, '-filter_complex', '[0:a][1:a][2:a]concat=n=3:v=0:a=1[a]', '-map', '[a]'],
    ...['-c:a', 'libopus', '-b:a', '32k', withSilence],
  ]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface EngineCase {
  id: 'speechkit' | 'openai';
  start(env?: Record<string, string>): Promise<TestApp>;
  /** Requests the engine's double has received. */
  requests(t: TestApp): number;
  /** Makes the next `n` recognition requests fail with 503. */
  outage(t: TestApp, n: number): void;
  /** Env that makes the service's credentials wrong. */
  badCredentials: Record<string, string>;
}

const CASES: EngineCase[] = [
  {
    id: 'speechkit',
    start: (env = {}) => startTestApp(env),
    requests: (t) => t.double.requests.length,
    outage: (t, n) => t.double.faults.push({ on: 'submit', status: 503, times: n }),
    badCredentials: { YANDEX_API_KEY: 'wrong-key' },
  },
  {
    id: 'openai',
    start: (env = {}) =>
      startTestApp(
        { STT_DEFAULT_ENGINE: 'openai', ...env },
        { openAi: { flavour: 'whisper.cpp', apiKey: 'whisper-key' } },
      ),
    requests: (t) => t.openai!.requests.length,
    outage: (t, n) => t.openai!.faults.push({ on: 'submit', status: 503, times: n }),
    badCredentials: { OPENAI_STT_API_KEY: 'wrong-key' },
  },
];

describe.each(CASES)('engine $id', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await engine.start();
  }, 60_000);
  afterAll(async () => t?.close());

  async function run(file: string, options: Record<string, unknown> = {}) {
    const up = await t.upload(file, { engine: engine.id, ...options });
    expect(up.errors).toBeUndefined();
    const id = up.data.uploadAudio.id as string;
    await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 90_000);
    const r = await t.gql(TRANSCRIPT, { id });
    return r.data.job;
  }

  test('a Kazakh/Russian dialogue: every utterance in order, each with its own language', async () => {
    const job = await run(DIALOGUE, { languages: ['kk-KZ', 'ru-RU'] });
    expect({ status: job.status, error: job.errorMessage, engine: job.engine }).toEqual({
      status: 'COMPLETED',
      error: null,
      engine: engine.id,
    });
    const expected = manifest('dialogue-mono.ogg').utterances;
    const segments = job.transcript.segments as any[];
    expect(segments.map((s) => words(s.text))).toEqual(expected.map((u) => words(u.text)));
    expect(segments.map((s) => s.language)).toEqual(expected.map((u) => u.language));
    for (const [i, s] of segments.entries()) {
      expect(Math.abs(s.start - expected[i].startMs / 1000)).toBeLessThan(0.5);
      expect(Math.abs(s.end - expected[i].endMs / 1000)).toBeLessThan(0.5);
    }
    if (engine.id === 'openai') {
      // Whisper reports how sure it is; SpeechKit's v3 result carries no such score.
      for (const s of segments) expect(s.confidence).toBeGreaterThan(0.5);
      // Never translated: every request named a language (auto-detection or a whitelisted one).
      const sent = t.openai!.requests.map((r) => r.language);
      expect(sent.every((l) => l === 'auto' || l === 'kk' || l === 'ru')).toBe(true);
    }
  }, 120_000);

  test('a stereo call: one speaker per channel; the quiet party (20 dB down) is still heard', async () => {
    for (const file of [CALL, QUIET_CALL]) {
      const job = await run(file, { diarization: 'CHANNELS' });
      expect(job.status).toBe('COMPLETED');
      expect(job.diarizationApplied).toBe('CHANNELS');
      const expected = manifest('call-stereo.ogg').utterances;
      const segments = job.transcript.segments as any[];
      expect(segments.map((s) => [s.speaker.tag, words(s.text)])).toEqual(
        expected.map((u) => [String(u.channel), words(u.text)]),
      );
    }
  }, 180_000);

  test('silence has no text: nothing is invented in a minute without speech', async () => {
    const before = engine.requests(t);
    const job = await run(withSilence);
    expect(job.status).toBe('COMPLETED');
    const duration = manifest('dialogue-mono.ogg').durationSeconds;
    const inSilence = (job.transcript.segments as any[]).filter(
      (s) => s.end > duration + 0.5 && s.start < duration + 59.5,
    );
    expect(inSilence).toEqual([]);
    const segments = job.transcript.segments as any[];
    // Speech on both sides of the silence is still transcribed.
    expect(segments.some((s) => s.end < duration + 0.5)).toBe(true);
    expect(segments.some((s) => s.start > duration + 59.5)).toBe(true);
    if (engine.id === 'openai') {
      const dialogue = manifest('dialogue-mono.ogg').utterances.map((u) => words(u.text));
      expect(segments.map((s) => words(s.text))).toEqual([...dialogue, ...dialogue]);
      // The silent minute was never sent: no request carried more than one dialogue's worth.
      const sent = t.openai!.requests.slice(before);
      expect(Math.max(...sent.map((r) => r.audioSeconds ?? 0))).toBeLessThan(duration);
    }
  }, 120_000);

  test('a short outage (two 503s) is retried and the job completes', async () => {
    engine.outage(t, 2);
    const job = await run(DIALOGUE);
    expect(job.status).toBe('COMPLETED');
    expect(job.transcript.segments.length).toBe(4);
  }, 120_000);

  test('an engine that is not enabled is refused at upload, and nothing is stored', async () => {
    const dirs = t.jobDirs();
    const up = await t.upload(DIALOGUE, { engine: 'no-such-engine' });
    expect(up.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'UNKNOWN_ENGINE',
    });
    expect(up.errors[0].message).toContain(engine.id);
    expect(t.jobDirs()).toEqual(dirs);
  });
});

describe.each(CASES)('engine $id with wrong credentials', (engine) => {
  test('the job fails with STT_AUTH_FAILED and a message that says what to check', async () => {
    const t = await engine.start(engine.badCredentials);
    try {
      const up = await t.upload(DIALOGUE, { engine: engine.id });
      const id = up.data.uploadAudio.id as string;
      const job = await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 60_000);
      expect(job.status).toBe('FAILED');
      const r = await t.gql(TRANSCRIPT, { id });
      expect(r.data.job.errorCode).toBe('STT_AUTH_FAILED');
      expect(r.data.job.errorMessage).toMatch(
        engine.id === 'openai' ? /OPENAI_STT_API_KEY/ : /YANDEX/,
      );
    } finally {
      await t.close();
    }
  }, 90_000);
});
