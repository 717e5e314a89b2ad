/**
 * The SpeechKit v3 test double itself, spoken to with raw HTTP: request validation, auth, and
 * the operation / result wire format it must reproduce.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRecognitionStream } from '../../../src/stt/speechkit/result-stream.js';
import { detectSpeech } from '../../speechkit-double/vad.js';
import { startSpeechKitDouble, type SpeechKitDouble } from '../../speechkit-double/index.js';

const KEY = 'k';
let dir: string;
let mono: Buffer;
let stereo: Buffer;
let double: SpeechKitDouble;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sk-double-'));
  const make = (expr: string, layout: string, out: string) =>
    execFileSync('ffmpeg', [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `aevalsrc='${expr}':d=2:s=48000:c=${layout}`,
      '-c:a',
      'libopus',
      path.join(dir, out),
    ]);
  make('0.5*sin(2*PI*300*t)*between(t,0.5,1.5)', 'mono', 'm.ogg');
  make(
    '0.5*sin(2*PI*300*t)*between(t,0.2,0.8)|0.5*sin(2*PI*500*t)*between(t,1.0,1.6)',
    'stereo',
    's.ogg',
  );
  mono = await readFile(path.join(dir, 'm.ogg'));
  stereo = await readFile(path.join(dir, 's.ogg'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  double = await startSpeechKitDouble({ apiKey: KEY, pollsUntilDone: 1 });
});
afterEach(async () => {
  await double.close();
});

/** The parts of a StreamingResponse this test reads. */
interface WireAlternative {
  startTimeMs: string;
  endTimeMs: string;
  confidence: number;
}
interface WireResult {
  channelTag: string;
  sessionUuid: { userRequestId: string };
  audioCursors: { finalIndex: string };
  final: { channelTag: string; alternatives: WireAlternative[] };
  eouUpdate: { timeMs: string };
}

const auth = { authorization: `Api-Key ${KEY}` };
const body = (audio: Buffer, extra: Record<string, unknown> = {}) => ({
  content: audio.toString('base64'),
  recognitionModel: {
    model: 'general',
    audioFormat: { containerAudio: { containerAudioType: 'OGG_OPUS' } },
    languageRestriction: { restrictionType: 'WHITELIST', languageCode: ['kk-KZ', 'ru-RU'] },
  },
  ...extra,
});
const submit = (payload: unknown, headers: Record<string, string> = auth) =>
  fetch(`${double.url}/stt/v3/recognizeFileAsync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

async function expectStatus(res: Response, status: number, rpcCode: number, message?: RegExp) {
  expect(res.status).toBe(status);
  const json = (await res.json()) as { code: number; message: string; details: unknown[] };
  expect(json.code).toBe(rpcCode);
  expect(Array.isArray(json.details)).toBe(true);
  if (message) expect(json.message).toMatch(message);
}

describe('SpeechKit v3 test double', () => {
  it('answers 401 with a google.rpc.Status (code 16) without valid credentials', async () => {
    await expectStatus(await submit(body(mono), {}), 401, 16);
    await expectStatus(await submit(body(mono), { authorization: 'Api-Key nope' }), 401, 16);
    await expectStatus(
      await submit(body(mono), { authorization: 'Bearer nope' }),
      401,
      16,
      /invalid or has expired/,
    );
    expect(double.operations.size).toBe(0);
  });

  it.each([
    ['content and uri together', { uri: 'https://storage.yandexcloud.net/b/o.ogg' }, /exactly one/],
    ['an unknown enum', { speakerLabeling: { speakerLabeling: 'ON' } }, /invalid value/],
    ['an unknown field', { minSpeakers: 2 }, /unknown field "minSpeakers"/],
  ])('rejects %s with 400 INVALID_ARGUMENT', async (_name, extra, message) => {
    await expectStatus(await submit(body(mono, extra)), 400, 3, message);
  });

  it('rejects unsupported language codes and accepts auto / snake_case', async () => {
    const bad = body(mono);
    bad.recognitionModel.languageRestriction.languageCode = ['kk-KK'];
    await expectStatus(await submit(bad), 400, 3, /unsupported language "kk-KK"/);
    const snake = {
      content: mono.toString('base64'),
      recognition_model: {
        model: 'general',
        audio_format: { container_audio: { container_audio_type: 'OGG_OPUS' } },
        language_restriction: { restriction_type: 'WHITELIST', language_code: ['auto'] },
      },
    };
    expect((await submit(snake)).status).toBe(200);
  });

  it('rejects audio that is not OGG/Opus and speaker labeling on stereo', async () => {
    await expectStatus(
      await submit(body(Buffer.from('RIFF....WAVEfmt not ogg at all, sorry'))),
      400,
      3,
      /OGG\/Opus/,
    );
    const fakeOgg = Buffer.concat([
      Buffer.from('OggS'),
      Buffer.alloc(40),
      Buffer.from('OpusHead'),
      Buffer.alloc(100),
    ]);
    await expectStatus(await submit(body(fakeOgg)), 400, 3, /OPUS/);
    await expectStatus(
      await submit(
        body(stereo, { speakerLabeling: { speakerLabeling: 'SPEAKER_LABELING_ENABLED' } }),
      ),
      400,
      3,
      /mono audio only/,
    );
    expect(double.operations.size).toBe(0);
  });

  it('runs the operation lifecycle with the documented JSON shapes', async () => {
    const res = await submit(body(stereo));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const op = (await res.json()) as Record<string, unknown> & {
      id: string;
      createdAt: string;
      createdBy: string;
    };
    expect(Object.keys(op)).toEqual([
      'id',
      'description',
      'createdAt',
      'createdBy',
      'modifiedAt',
      'done',
      'metadata',
    ]);
    expect(op).toMatchObject({
      description: 'STT v3 async recognition',
      done: false,
      metadata: null,
    });
    expect(op.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(double.requests[0].contentBytes).toBe(stereo.length);
    expect(double.requests[0].body).not.toHaveProperty('content');

    const early = await fetch(`${double.url}/stt/v3/getRecognition?operationId=${op.id}`, {
      headers: auth,
    });
    expect(early.status).toBe(400);

    const poll = async () =>
      (await (
        await fetch(`${double.url}/operations/${op.id}`, { headers: auth })
      ).json()) as Record<string, unknown>;
    expect((await poll()).done).toBe(false);
    const done = await poll();
    expect(done).toEqual({
      done: true,
      id: op.id,
      description: 'STT v3 async recognition',
      createdAt: op.createdAt,
      createdBy: op.createdBy,
      modifiedAt: expect.any(String),
    });

    const result = await fetch(`${double.url}/stt/v3/getRecognition?operation_id=${op.id}`, {
      headers: auth,
    });
    expect(result.headers.get('content-type')).toBe('application/json');
    const text = await result.text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { result: WireResult });
    expect(lines).toHaveLength(6); // 2 utterances × (final, finalRefinement, eouUpdate)
    expect(
      lines.map((l) =>
        Object.keys(l.result).find((k) => ['final', 'finalRefinement', 'eouUpdate'].includes(k)),
      ),
    ).toEqual(['final', 'finalRefinement', 'eouUpdate', 'final', 'finalRefinement', 'eouUpdate']);
    const first = lines[0].result;
    expect(first.channelTag).toBe('0');
    expect(first.final.channelTag).toBe('0');
    expect(first.audioCursors.finalIndex).toBe('0');
    expect(typeof first.final.alternatives[0].startTimeMs).toBe('string');
    expect(first.final.alternatives[0].confidence).toBe(0);
    expect(first.sessionUuid.userRequestId).toBe(op.id);
    expect(lines[3].result.channelTag).toBe('1');
    expect(lines[3].result.audioCursors.finalIndex).toBe('0');
    expect(lines[2].result.eouUpdate.timeMs).toBe(first.final.alternatives[0].endTimeMs);

    const utterances = parseRecognitionStream(text);
    expect(utterances.map((u) => [u.channelTag, Math.round(u.startMs / 100)])).toEqual([
      ['0', 2],
      ['1', 10],
    ]);

    const del = await fetch(`${double.url}/stt/v3/deleteRecognition?operationId=${op.id}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(await del.json()).toEqual({});
    await expectStatus(
      await fetch(`${double.url}/stt/v3/getRecognition?operationId=${op.id}`, { headers: auth }),
      404,
      5,
    );
    await expectStatus(await fetch(`${double.url}/operations/nope`, { headers: auth }), 404, 5);
  });

  it('VAD merges short gaps and drops short blips', () => {
    const rate = 16000;
    const pcm = new Int16Array(rate * 2);
    const tone = (a: number, b: number) => {
      for (let i = Math.round(a * rate); i < Math.round(b * rate); i++) {
        pcm[i] = Math.round(8000 * Math.sin(i / 5));
      }
    };
    tone(0.1, 0.5);
    tone(0.7, 0.9); // 200 ms gap → merged
    tone(1.4, 1.5); // 100 ms blip, > 350 ms away → dropped
    expect(detectSpeech(pcm)).toEqual([{ startMs: 100, endMs: 900 }]);
    expect(detectSpeech(new Int16Array(rate))).toEqual([]);
  });
});
