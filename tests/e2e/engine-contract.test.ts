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
import { RecognitionUnit } from '../../src/db/entities/index.js';
import { EXPORT_FORMAT_REGISTRY, EXPORT_FORMATS } from '../../src/exports/index.js';
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
  /** Starts the service on an engine that takes its time (several seconds for the dialogue). */
  startSlow(): Promise<TestApp>;
}

const CASES: EngineCase[] = [
  {
    id: 'speechkit',
    start: (env = {}) => startTestApp(env),
    requests: (t) => t.double.requests.length,
    outage: (t, n) => t.double.faults.push({ on: 'submit', status: 503, times: n }),
    badCredentials: { YANDEX_API_KEY: 'wrong-key' },
    startSlow: () => startTestApp({}, { pollsUntilDone: 200 }),
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
    startSlow: () =>
      startTestApp(
        { STT_DEFAULT_ENGINE: 'openai' },
        { openAi: { flavour: 'whisper.cpp', latencyMs: 1500 } },
      ),
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
    // Every export carries every word (subtitle formats may break an utterance into cues).
    // (Text formats: the DOCX's text is checked by LibreOffice in tests/e2e/exports.test.ts.)
    const textFormats = EXPORT_FORMATS.filter((f) => !EXPORT_FORMAT_REGISTRY[f].binary);
    for (const format of textFormats.map((f) => EXPORT_FORMAT_REGISTRY[f].extension)) {
      const res = await fetch(`${t.url}/api/v1/jobs/${job.id}/export/${format}`);
      expect({ format, status: res.status }).toEqual({ format, status: 200 });
      const body = ` ${words(await res.text())} `;
      const missing = expected
        .flatMap((u) => words(u.text).split(' '))
        .filter((w) => !body.includes(` ${w} `));
      expect({ format, missing }).toEqual({ format, missing: [] });
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

  test('retention: an expired job keeps nothing of its recognition, the engine’s saved answers included', async () => {
    const up = await t.upload(DIALOGUE, { engine: engine.id });
    const id = up.data.uploadAudio.id as string;
    await waitForStatus(t, id, ['COMPLETED'], 60_000);
    const units = () => t.app.resources.orm.em.fork().count(RecognitionUnit, { job: id });
    const answers = () =>
      t.app.resources.orm.em.fork().count(RecognitionUnit, { job: id, rawResult: { $ne: null } });
    // A synchronous engine saved one answer per piece; SpeechKit keeps its result itself.
    expect((await answers()) > 0).toBe(engine.id === 'openai');
    const calls = await units(); // what each engine call billed (usage reports)
    expect(calls).toBeGreaterThan(0);
    const in25h = new Date(Date.now() + 25 * 3600_000);
    expect(await t.app.resources.jobs.expireDue(t.app.resources.orm.em.fork(), in25h)).toContain(
      id,
    );
    expect(await answers()).toBe(0);
    expect(await units()).toBe(calls); // billing records stay, without any text
    expect(t.jobDirs()).not.toContain(id);
  }, 90_000);

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

describe.each(CASES)('engine $id, cancelled mid-recognition', (engine) => {
  test('cancelJob stops the work: CANCELLED, no transcript, no further requests to the engine', async () => {
    const t = await engine.startSlow();
    try {
      const up = await t.upload(DIALOGUE, { engine: engine.id });
      const id = up.data.uploadAudio.id as string;
      await waitForStatus(t, id, ['TRANSCRIBING'], 30_000);
      // Let the first request reach the engine, then cancel.
      const deadline = Date.now() + 10_000;
      while (engine.requests(t) === 0 && Date.now() < deadline) await sleep(20);
      const r = await t.gql(`mutation($id: ID!) { cancelJob(id: $id) { status } }`, { id });
      expect(r.data.cancelJob.status).toBe('CANCELLED');
      await sleep(300); // an in-flight request is aborted; nothing new may start
      const after = engine.requests(t);
      await sleep(2000);
      expect(engine.requests(t)).toBe(after);
      const job = (await t.gql(TRANSCRIPT, { id })).data.job;
      expect({ status: job.status, transcript: job.transcript }).toEqual({
        status: 'CANCELLED',
        transcript: null,
      });
    } finally {
      await t.close();
    }
  }, 60_000);
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('engine openai: what only a Whisper server can get wrong', () => {
  test('Kazakh detected as Tatar is not an answer: the piece is decoded again in Kazakh', async () => {
    const t = await startTestApp(
      { STT_DEFAULT_ENGINE: 'openai' },
      { openAi: { flavour: 'whisper.cpp', misdetect: { from: 'kk', to: 'tt' } } },
    );
    try {
      const up = await t.upload(DIALOGUE, { languages: ['kk-KZ', 'ru-RU'] });
      const id = up.data.uploadAudio.id as string;
      await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 60_000);
      const job = (await t.gql(TRANSCRIPT, { id })).data.job;
      const expected = manifest('dialogue-mono.ogg').utterances;
      expect(job.transcript.segments.map((s: any) => [s.language, words(s.text)])).toEqual(
        expected.map((u) => [u.language, words(u.text)]),
      );
      // Each Kazakh piece cost one more request (sent again with language=kk); Russian ones did not.
      const sent = t.openai!.requests.map((r) => r.language);
      expect(sent.filter((l) => l === 'kk')).toHaveLength(
        expected.filter((u) => u.language === 'kk-KZ').length,
      );
      expect(sent.filter((l) => l === 'auto')).toHaveLength(expected.length);
    } finally {
      await t.close();
    }
  }, 90_000);

  test('SPEAKER_LABELING is refused at upload when the server cannot label speakers, and works when it can', async () => {
    const plain = await startTestApp(
      { STT_DEFAULT_ENGINE: 'openai' },
      { openAi: { flavour: 'whisper.cpp' } },
    );
    try {
      const dirs = plain.jobDirs();
      const up = await plain.upload(DIALOGUE, { diarization: 'SPEAKER_LABELING' });
      expect(up.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'DIARIZATION_UNSUPPORTED',
      });
      expect(up.errors[0].message).toMatch(/Engines that can: speechkit/);
      expect(plain.jobDirs()).toEqual(dirs);
      // AUTO on mono is one speaker there.
      const auto = await plain.upload(DIALOGUE);
      const id = auto.data.uploadAudio.id as string;
      await waitForStatus(plain, id, ['COMPLETED', 'FAILED'], 60_000);
      const job = (await plain.gql(TRANSCRIPT, { id })).data.job;
      expect(job.diarizationApplied).toBe('NONE');
      expect(new Set(job.transcript.segments.map((s: any) => s.speaker.tag)).size).toBe(1);
    } finally {
      await plain.close();
    }
    const diarizing = await startTestApp(
      {
        STT_DEFAULT_ENGINE: 'openai',
        OPENAI_STT_DIARIZATION: 'diarized_json',
        OPENAI_STT_MODEL: 'gpt-4o-transcribe-diarize',
        OPENAI_STT_LANGUAGE_DETECTION: 'omit',
      },
      { openAi: { flavour: 'openai', diarization: true } },
    );
    try {
      const up = await diarizing.upload(DIALOGUE, { diarization: 'SPEAKER_LABELING' });
      expect(up.errors).toBeUndefined();
      const id = up.data.uploadAudio.id as string;
      await waitForStatus(diarizing, id, ['COMPLETED', 'FAILED'], 60_000);
      const job = (await diarizing.gql(TRANSCRIPT, { id })).data.job;
      expect(job.status).toBe('COMPLETED');
      const expected = manifest('dialogue-mono.ogg').utterances;
      const tags = job.transcript.segments.map((s: any) => s.speaker.tag);
      // Speakers alternate as in the recording: A, B, A, B.
      expect(tags).toHaveLength(expected.length);
      expect(new Set(tags).size).toBe(2);
      expect(tags[0]).toBe(tags[2]);
      expect(tags[1]).toBe(tags[3]);
    } finally {
      await diarizing.close();
    }
  }, 120_000);
});

describe('engine openai behind a smaller upload limit than configured', () => {
  test('a piece answered 413 is split at a pause and both halves are sent; the transcript is whole', async () => {
    // The server takes 48 KB; the service believes 25 MiB, so its plan is too coarse for it.
    const t = await startTestApp(
      // OpenAI itself refuses language=auto: it detects when the field is left out.
      { STT_DEFAULT_ENGINE: 'openai', OPENAI_STT_LANGUAGE_DETECTION: 'omit' },
      { openAi: { flavour: 'openai', maxRequestBytes: 48 * 1024 } },
    );
    try {
      const up = await t.upload(DIALOGUE, {
        languages: ['kk-KZ', 'ru-RU'],
      });
      const id = up.data.uploadAudio.id as string;
      const done = await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 90_000);
      expect({ status: done.status, error: done.errorMessage }).toEqual({
        status: 'COMPLETED',
        error: null,
      });
      const requests = t.openai!.requests;
      expect(requests.some((r) => r.status === 413)).toBe(true);
      const accepted = requests.filter((r) => r.status === 200);
      expect(Math.max(...accepted.map((r) => r.bodyBytes))).toBeLessThanOrEqual(48 * 1024);
      const job = (await t.gql(TRANSCRIPT, { id })).data.job;
      const text = words(job.transcript.segments.map((s: any) => s.text).join(' '));
      const expected = words(
        manifest('dialogue-mono.ogg')
          .utterances.map((u) => u.text)
          .join(' '),
      );
      expect(text).toBe(expected);
    } finally {
      await t.close();
    }
  }, 120_000);
});
