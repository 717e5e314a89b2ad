/**
 * The real SpeechKit client (src/stt/speechkit) against the SpeechKit v3 test double over real
 * HTTP on 127.0.0.1, with real OGG/Opus audio made by ffmpeg.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config, SpeechKitAuth } from '../../src/config/config.js';
import { JobError } from '../../src/errors.js';
import { SttCircuitOpenError } from '../../src/stt/http/index.js';
import {
  createSpeechKitLimiter,
  createSpeechKitProvider,
  type SpeechKitProviderOptions,
} from '../../src/stt/speechkit/index.js';
import type { RecognitionRequest, SttProvider } from '../../src/stt/types.js';
import {
  loadManifests,
  startSpeechKitDouble,
  type FixtureManifest,
  type SpeechKitDouble,
  type SpeechKitDoubleOptions,
} from '../speechkit-double/index.js';

const API_KEY = 'test-api-key';
const FIXTURES = path.resolve('tests/fixtures/audio');

/** Fast timings so the suite stays quick; the delays are still real. */
const FAST: SpeechKitProviderOptions = {
  retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
  poll: { initialDelayMs: 20, maxDelayMs: 40, timeoutMs: 15_000 },
  requestTimeoutMs: 5_000,
};

let dir: string;
/** Mono: tone bursts at 0.3–1.1 s and 1.8–2.6 s, 3 s long. */
let monoOgg: string;
/** Stereo: left burst 0.3–1.1 s, right burst 1.5–2.3 s, 3 s long. */
let stereoOgg: string;
/** A WAV file: valid audio, wrong container. */
let wavFile: string;

function ffmpeg(args: string[]) {
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'speechkit-client-'));
  monoOgg = path.join(dir, 'bursts-mono.ogg');
  stereoOgg = path.join(dir, 'bursts-stereo.ogg');
  wavFile = path.join(dir, 'tone.wav');
  const burst = (a: number, b: number) => `between(t,${a},${b})`;
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `aevalsrc='0.5*sin(2*PI*440*t)*(${burst(0.3, 1.1)}+${burst(1.8, 2.6)})':d=3:s=48000`,
    '-c:a',
    'libopus',
    '-b:a',
    '32k',
    monoOgg,
  ]);
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `aevalsrc='0.5*sin(2*PI*440*t)*${burst(0.3, 1.1)}|0.5*sin(2*PI*660*t)*${burst(1.5, 2.3)}':d=3:s=48000:c=stereo`,
    '-c:a',
    'libopus',
    '-b:a',
    '48k',
    stereoOgg,
  ]);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=1', wavFile]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let double: SpeechKitDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function startDouble(opts: SpeechKitDoubleOptions = {}): Promise<SpeechKitDouble> {
  double = await startSpeechKitDouble({ apiKey: API_KEY, ...opts });
  return double;
}

function sttConfig(
  d: SpeechKitDouble,
  auth: SpeechKitAuth,
  extra: Partial<Config['stt']> = {},
): Config['stt'] {
  return {
    provider: 'speechkit',
    auth,
    sttUrl: d.url,
    operationUrl: d.url,
    iamUrl: d.iamUrl,
    model: 'general',
    ...extra,
  };
}

function provider(
  d: SpeechKitDouble,
  opts: SpeechKitProviderOptions = {},
  extra: Partial<Config['stt']> = {},
  auth: SpeechKitAuth = { kind: 'api-key', apiKey: API_KEY },
): SttProvider {
  return createSpeechKitProvider(sttConfig(d, auth, extra), { ...FAST, ...opts });
}

function monoRequest(overrides: Partial<RecognitionRequest> = {}): RecognitionRequest {
  return {
    audioPath: monoOgg,
    channels: 1,
    languages: ['kk-KZ', 'ru-RU'],
    speakerLabeling: false,
    profanityFilter: false,
    textNormalization: true,
    ...overrides,
  };
}

async function recognizeAll(p: SttProvider, request: RecognitionRequest) {
  const id = await p.submit(request);
  const polls: number[] = [];
  await p.waitForCompletion(id, (n) => polls.push(n));
  const utterances = await p.fetchUtterances(id);
  return { id, polls, utterances };
}

async function rejection(promise: Promise<unknown>): Promise<JobError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(JobError);
    return err as JobError;
  }
  throw new Error('expected a rejection');
}

const submitsOf = (d: SpeechKitDouble) => d.requests.filter((r) => r.endpoint === 'submit');

describe('SpeechKit client against the v3 double: happy paths', () => {
  it('submits inline OGG/Opus with the documented body, polls, and assembles timed utterances', async () => {
    const d = await startDouble({ pollsUntilDone: 2 });
    const p = provider(d);
    const { id, polls, utterances } = await recognizeAll(p, monoRequest());

    expect(d.submits).toBe(1);
    const [submit] = submitsOf(d);
    expect(submit.status).toBe(200);
    expect(submit.contentBytes).toBe((await stat(monoOgg)).size);
    expect(submit.headers.authorization).toBe(`Api-Key ${API_KEY}`);
    expect(submit.headers['x-client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(submit.headers['x-folder-id']).toBeUndefined();
    expect(submit.body).toEqual({
      recognitionModel: {
        model: 'general',
        audioFormat: { containerAudio: { containerAudioType: 'OGG_OPUS' } },
        textNormalization: {
          textNormalization: 'TEXT_NORMALIZATION_ENABLED',
          profanityFilter: false,
          literatureText: true,
        },
        languageRestriction: { restrictionType: 'WHITELIST', languageCode: ['kk-KZ', 'ru-RU'] },
      },
    });

    // done:false twice, then done:true
    expect(polls).toEqual([1, 2, 3]);
    expect(d.operations.get(id)!.polls).toBe(3);
    expect(
      d.requests.filter((r) => r.endpoint === 'poll').every((r) => r.path === `/operations/${id}`),
    ).toBe(true);
    expect(d.requests.find((r) => r.endpoint === 'result')!.query).toEqual({ operationId: id });

    // No manifest: placeholder text, timing from the double's VAD on the real decoded audio.
    expect(utterances.map((u) => [u.channelTag, u.finalIndex, u.text])).toEqual([
      ['0', 0, 'утверждение 1'],
      ['0', 1, 'утверждение 2'],
    ]);
    expect(utterances[0].startMs).toBeGreaterThanOrEqual(250);
    expect(utterances[0].startMs).toBeLessThanOrEqual(350);
    expect(utterances[0].endMs).toBeGreaterThanOrEqual(1050);
    expect(utterances[0].endMs).toBeLessThanOrEqual(1150);
    expect(utterances[1].startMs).toBeGreaterThanOrEqual(1750);
    expect(utterances[1].endMs).toBeLessThanOrEqual(2650);
    expect(utterances[1].language).toBe('ru-RU');
    expect(utterances[1].words.map((w) => w.text)).toEqual(['утверждение', '2']);

    await p.deleteResult(id);
    expect(d.operations.get(id)!.deleted).toBe(true);
    const gone = await rejection(p.fetchUtterances(id));
    expect(gone.code).toBe('STT_OPERATION_FAILED');
  });

  it('uses a matching manifest for text and language, and speaker labels on mono', async () => {
    const manifest: FixtureManifest = {
      file: 'bursts-mono.ogg',
      channels: 1,
      durationSeconds: 3,
      utterances: [
        {
          speaker: 0,
          channel: 0,
          language: 'kk-KZ',
          text: 'Сәлеметсіз бе!',
          startMs: 300,
          endMs: 1100,
        },
        {
          speaker: 1,
          channel: 0,
          language: 'ru-RU',
          text: 'Здравствуйте, слушаю.',
          startMs: 1800,
          endMs: 2600,
        },
      ],
    };
    const d = await startDouble({ manifests: [manifest] });
    const { utterances } = await recognizeAll(provider(d), monoRequest({ speakerLabeling: true }));
    expect(submitsOf(d)[0].body).toMatchObject({
      speakerLabeling: { speakerLabeling: 'SPEAKER_LABELING_ENABLED' },
    });
    expect(utterances.map((u) => [u.channelTag, u.finalIndex, u.text, u.language])).toEqual([
      ['0', 0, 'Сәлеметсіз бе!', 'kk-KZ'],
      ['1', 0, 'Здравствуйте, слушаю.', 'ru-RU'],
    ]);
    // words come from the raw (final) form, spread over the detected region
    expect(utterances[0].words.map((w) => w.text)).toEqual(['сәлеметсіз', 'бе']);
    expect(utterances[0].words[0].startMs).toBe(utterances[0].startMs);
    expect(utterances[0].words[1].endMs).toBe(utterances[0].endMs);
  });

  it('never sends speaker labeling for stereo; channels become channelTags', async () => {
    const d = await startDouble();
    const { utterances } = await recognizeAll(
      provider(d),
      monoRequest({
        audioPath: stereoOgg,
        channels: 2,
        speakerLabeling: true,
        languages: ['auto'],
      }),
    );
    const body = submitsOf(d)[0].body as Record<string, unknown>;
    expect(body.speakerLabeling).toBeUndefined();
    expect(body).toMatchObject({
      recognitionModel: { languageRestriction: { languageCode: ['auto'] } },
    });
    expect(utterances.map((u) => [u.channelTag, u.finalIndex, u.text])).toEqual([
      ['0', 0, 'утверждение 1'],
      ['1', 0, 'утверждение 1'],
    ]);
    expect(utterances[1].startMs).toBeGreaterThanOrEqual(1450);
    expect(utterances[1].startMs).toBeLessThanOrEqual(1550);
  });

  it('sends x-folder-id on every SpeechKit request when configured', async () => {
    const d = await startDouble();
    const p = provider(d, {}, { folderId: 'b1gfolder123' });
    const { id } = await recognizeAll(p, monoRequest());
    await p.deleteResult(id);
    expect(new Set(d.requests.map((r) => r.endpoint))).toEqual(
      new Set(['submit', 'poll', 'result', 'delete']),
    );
    expect(d.requests.every((r) => r.headers['x-folder-id'] === 'b1gfolder123')).toBe(true);
  });

  const haveFixtures =
    existsSync(path.join(FIXTURES, 'dialogue-mono.json')) &&
    existsSync(path.join(FIXTURES, 'call-stereo.json'));
  (haveFixtures ? describe : describe.skip)('with the committed fixtures', () => {
    let manifests: FixtureManifest[];
    beforeAll(async () => {
      manifests = loadManifests(FIXTURES);
    });

    it('recognises dialogue-mono.ogg with speaker labels from its manifest', async () => {
      const d = await startDouble({ manifests });
      const m = manifests.find((x) => x.file === 'dialogue-mono.ogg')!;
      const { utterances } = await recognizeAll(
        provider(d),
        monoRequest({ audioPath: path.join(FIXTURES, m.file), speakerLabeling: true }),
      );
      expect(utterances.map((u) => [u.channelTag, u.text, u.language])).toEqual(
        m.utterances.map((u) => [String(u.speaker), u.text, u.language]),
      );
      utterances.forEach((u, i) => {
        expect(Math.abs(u.startMs - m.utterances[i].startMs)).toBeLessThanOrEqual(200);
        expect(Math.abs(u.endMs - m.utterances[i].endMs)).toBeLessThanOrEqual(200);
      });
    });

    it('recognises call-stereo.ogg with one channelTag per channel', async () => {
      const d = await startDouble({ manifests });
      const m = manifests.find((x) => x.file === 'call-stereo.ogg')!;
      const { utterances } = await recognizeAll(
        provider(d),
        monoRequest({ audioPath: path.join(FIXTURES, m.file), channels: 2 }),
      );
      expect(utterances.map((u) => [u.channelTag, u.text])).toEqual(
        m.utterances.map((u) => [String(u.channel), u.text]),
      );
      expect(utterances.map((u) => u.finalIndex)).toEqual([0, 0, 1, 1]);
    });
  });
});

describe('SpeechKit client against the v3 double: retries and failures', () => {
  it('honours Retry-After on 429 before resubmitting', async () => {
    const d = await startDouble();
    d.faults.push({ on: 'submit', status: 429, retryAfter: '1' });
    const id = await provider(d).submit(monoRequest());
    expect(id).toMatch(/^f8d/);
    const [first, second] = submitsOf(d);
    expect(first.status).toBe(429);
    expect(second.status).toBe(200);
    // base delay is 5 ms, so only Retry-After explains a ~1 s gap
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.at - first.at).toBeLessThan(3000);
    expect(d.operations.size).toBe(1);
  });

  it('retries a burst of 503 and then succeeds', async () => {
    const d = await startDouble();
    d.faults.push({ on: 'submit', status: 503, times: 3 });
    await provider(d).submit(monoRequest());
    expect(submitsOf(d).map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(d.operations.size).toBe(1);
    // the same x-client-request-id across attempts of one logical request
    expect(new Set(submitsOf(d).map((r) => r.headers['x-client-request-id'])).size).toBe(1);
  });

  it('gives up with STT_UNAVAILABLE (retryable) once the attempts are used up', async () => {
    const d = await startDouble();
    d.faults.push({ on: 'submit', status: 503, times: 10 });
    const err = await rejection(provider(d).submit(monoRequest()));
    expect(err.code).toBe('STT_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(d.submits).toBe(4);
  });

  it("maps 400 to STT_BAD_REQUEST with SpeechKit's message, without retrying", async () => {
    const d = await startDouble();
    d.faults.push({
      on: 'submit',
      status: 400,
      body: JSON.stringify({ code: 3, message: 'Unsupported language kk-KK', details: [] }),
    });
    const err = await rejection(provider(d).submit(monoRequest()));
    expect(err.code).toBe('STT_BAD_REQUEST');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Unsupported language kk-KK');
    expect(d.submits).toBe(1);
  });

  it('gets a real 400 from the double for audio that is not OGG/Opus', async () => {
    const d = await startDouble();
    const err = await rejection(provider(d).submit(monoRequest({ audioPath: wavFile })));
    expect(err.code).toBe('STT_BAD_REQUEST');
    expect(err.message).toMatch(/OGG\/Opus/);
    expect(d.submits).toBe(1);
    expect(d.operations.size).toBe(0);
  });

  it('maps 401 (wrong API key) and 403 to STT_AUTH_FAILED without retrying', async () => {
    const d = await startDouble();
    const wrong = provider(d, {}, {}, { kind: 'api-key', apiKey: 'wrong' });
    const err = await rejection(wrong.submit(monoRequest()));
    expect(err.code).toBe('STT_AUTH_FAILED');
    expect(err.message).toContain('Unknown api key');
    expect(d.submits).toBe(1);

    d.faults.push({ on: 'poll', status: 403 });
    const e403 = await rejection(provider(d).waitForCompletion('f8dwhatever'));
    expect(e403.code).toBe('STT_AUTH_FAILED');
    expect(d.requests.filter((r) => r.endpoint === 'poll')).toHaveLength(1);
  });

  it('fails every call with STT_AUTH_FAILED when no credentials are configured, sending nothing', async () => {
    const d = await startDouble();
    const p = provider(d, {}, {}, { kind: 'none' });
    const message =
      'SpeechKit credentials are not configured: set YANDEX_API_KEY, YANDEX_IAM_TOKEN or YANDEX_SA_KEY_FILE';
    await expect(p.submit(monoRequest())).rejects.toMatchObject({
      code: 'STT_AUTH_FAILED',
      message,
    });
    await expect(p.waitForCompletion('x')).rejects.toMatchObject({
      code: 'STT_AUTH_FAILED',
      message,
    });
    await expect(p.fetchUtterances('x')).rejects.toMatchObject({
      code: 'STT_AUTH_FAILED',
      message,
    });
    await expect(p.deleteResult('x')).resolves.toBeUndefined();
    expect(d.requests).toHaveLength(0);
  });

  it('reports an operation that ends in error as STT_OPERATION_FAILED with code and message', async () => {
    const d = await startDouble();
    const p = provider(d);
    const id = await p.submit(monoRequest());
    d.faults.push({
      on: 'poll',
      operationError: { code: 13, message: 'Recognition backend crashed' },
    });
    const err = await rejection(p.waitForCompletion(id));
    expect(err.code).toBe('STT_OPERATION_FAILED');
    expect(err.message).toMatch(/code 13 INTERNAL/);
    expect(err.message).toContain('Recognition backend crashed');
  });

  it('reports an unknown operation as STT_OPERATION_FAILED (404)', async () => {
    const d = await startDouble();
    const err = await rejection(provider(d).waitForCompletion('f8dnosuchoperation'));
    expect(err.code).toBe('STT_OPERATION_FAILED');
  });

  it('reports a malformed result stream as STT_RESULT_MALFORMED', async () => {
    const d = await startDouble();
    const p = provider(d);
    const id = await p.submit(monoRequest());
    await p.waitForCompletion(id);
    d.faults.push({ on: 'result', malformed: true });
    const err = await rejection(p.fetchUtterances(id));
    expect(err.code).toBe('STT_RESULT_MALFORMED');
    // the stored result itself is fine
    await expect(p.fetchUtterances(id)).resolves.toHaveLength(2);
  });

  it('retries a submit whose connection was reset before any answer', async () => {
    const d = await startDouble();
    d.faults.push({ on: 'submit', reset: true });
    const id = await provider(d).submit(monoRequest());
    const [reset, ok] = submitsOf(d);
    expect(reset.fault).toEqual({ on: 'submit', reset: true });
    expect(reset.status).toBeUndefined();
    expect(ok.status).toBe(200);
    expect(d.operations.has(id)).toBe(true);
    expect(d.operations.size).toBe(1);
  });

  it('retries a poll that timed out', async () => {
    const d = await startDouble({ pollsUntilDone: 0 });
    const p = provider(d, { requestTimeoutMs: 300 });
    const id = await p.submit(monoRequest());
    d.faults.push({ on: 'poll', delayMs: 1000 });
    await p.waitForCompletion(id);
    const polls = d.requests.filter((r) => r.endpoint === 'poll');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls[0].fault).toEqual({ on: 'poll', delayMs: 1000 });
  });

  it('never repeats a submit that was answered 2xx, even with an unusable body', async () => {
    const d = await startDouble();
    d.faults.push({ on: 'submit', status: 200, body: '<html>proxy says hi</html>' });
    const err = await rejection(provider(d).submit(monoRequest()));
    expect(err.code).toBe('STT_RESULT_MALFORMED');
    expect(d.submits).toBe(1);
  });

  it('never resubmits after a 2xx when polling then fails', async () => {
    const d = await startDouble();
    const p = provider(d);
    const id = await p.submit(monoRequest());
    d.faults.push({ on: 'poll', status: 503, times: 4 });
    const err = await rejection(p.waitForCompletion(id));
    expect(err.code).toBe('STT_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(d.requests.filter((r) => r.endpoint === 'poll')).toHaveLength(4);
    expect(d.submits).toBe(1);
    expect(d.operations.size).toBe(1);
    // resuming with the saved operation id works without a new submit
    await p.waitForCompletion(id);
    await expect(p.fetchUtterances(id)).resolves.toHaveLength(2);
    expect(d.submits).toBe(1);
  });

  it('rejects audio over the 60 MB body limit with AUDIO_TOO_LARGE before sending anything', async () => {
    const d = await startDouble();
    const big = path.join(dir, 'big.ogg');
    await writeFile(big, Buffer.alloc(45_100_000));
    const err = await rejection(provider(d).submit(monoRequest({ audioPath: big })));
    expect(err.code).toBe('AUDIO_TOO_LARGE');
    expect(err.retryable).toBe(false);
    expect(d.requests).toHaveLength(0);
  });

  it('stops polling when the caller aborts', async () => {
    const d = await startDouble({ pollsUntilDone: 1000 });
    const p = provider(d);
    const id = await p.submit(monoRequest());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    await expect(p.waitForCompletion(id, undefined, controller.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    // A poll already on the wire when the abort came may still reach the double: let it land,
    // then no further poll may follow.
    await new Promise((r) => setTimeout(r, 50));
    const polls = d.requests.filter((r) => r.endpoint === 'poll').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(d.requests.filter((r) => r.endpoint === 'poll').length).toBe(polls);
  });
});

describe('SpeechKit client against the v3 double: service-account key file', () => {
  const SA_ID = 'ajesaaccount0000001';
  const KEY_ID = 'ajekey00000000000001';
  let keyFile: string;
  let publicKeyPem: string;

  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    publicKeyPem = publicKey;
    keyFile = path.join(dir, 'authorized_key.json');
    await writeFile(
      keyFile,
      JSON.stringify({
        id: KEY_ID,
        service_account_id: SA_ID,
        created_at: '2026-01-01T00:00:00Z',
        key_algorithm: 'RSA_2048',
        public_key: publicKey,
        private_key: `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <${KEY_ID}>\n${privateKey}`,
      }),
    );
  });

  const saDouble = (extra: SpeechKitDoubleOptions = {}) =>
    startDouble({
      apiKey: undefined,
      saServiceAccountId: SA_ID,
      saPublicKeyPem: publicKeyPem,
      saKeyId: KEY_ID,
      ...extra,
    });

  it('exchanges a verified PS256 JWT for an IAM token, caches it, and sends it as Bearer', async () => {
    const d = await saDouble();
    const p = provider(d, {}, { folderId: 'b1gfolder' }, { kind: 'sa-key-file', keyFile });
    const { utterances } = await recognizeAll(p, monoRequest());
    expect(utterances).toHaveLength(2);

    expect(d.verifiedJwts).toHaveLength(1);
    const jwt = d.verifiedJwts[0];
    expect(jwt.iss).toBe(SA_ID);
    expect(jwt.aud).toBe(d.iamUrl);
    expect(jwt.exp! - jwt.iat!).toBe(3600);
    expect(Math.abs(jwt.iat! - Date.now() / 1000)).toBeLessThan(60);

    expect(d.issuedIamTokens).toHaveLength(1);
    const stt = d.requests.filter((r) => r.endpoint !== 'iam');
    expect(stt.length).toBeGreaterThanOrEqual(5);
    expect(stt.every((r) => r.headers.authorization === `Bearer ${d.issuedIamTokens[0]}`)).toBe(
      true,
    );
    expect(stt.every((r) => r.headers['x-folder-id'] === 'b1gfolder')).toBe(true);
    const iam = d.requests.filter((r) => r.endpoint === 'iam');
    expect(iam).toHaveLength(1);
    expect(iam[0].headers.authorization).toBeUndefined();
  });

  it('on a 401 refreshes the token once and retries; a second 401 is STT_AUTH_FAILED', async () => {
    const d = await saDouble();
    const p = provider(d, {}, {}, { kind: 'sa-key-file', keyFile });
    d.faults.push({ on: 'submit', status: 401 });
    await p.submit(monoRequest());
    expect(d.issuedIamTokens).toHaveLength(2);
    const [first, second] = submitsOf(d);
    expect(first.status).toBe(401);
    expect(second.status).toBe(200);
    expect(second.headers.authorization).toBe(`Bearer ${d.issuedIamTokens[1]}`);

    d.faults.push({ on: 'submit', status: 401, times: 2 });
    const err = await rejection(p.submit(monoRequest()));
    expect(err.code).toBe('STT_AUTH_FAILED');
    expect(d.submits).toBe(4);
    expect(d.issuedIamTokens).toHaveLength(3);
  });

  it('refreshes a token that is close to expiry before using it', async () => {
    // 1-second tokens: refreshed once half their lifetime is gone
    const d = await saDouble({ iamTokenTtlSeconds: 1 });
    const p = provider(d, {}, {}, { kind: 'sa-key-file', keyFile });
    await p.submit(monoRequest());
    expect(d.issuedIamTokens).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600));
    await p.submit(monoRequest());
    expect(d.issuedIamTokens).toHaveLength(2);
    expect(submitsOf(d).map((r) => r.headers.authorization)).toEqual(
      d.issuedIamTokens.map((t) => `Bearer ${t}`),
    );
  });

  it('fails with STT_AUTH_FAILED when IAM rejects the JWT (wrong key)', async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const d = await saDouble({ saPublicKeyPem: other.publicKey });
    const err = await rejection(
      provider(d, {}, {}, { kind: 'sa-key-file', keyFile }).submit(monoRequest()),
    );
    expect(err.code).toBe('STT_AUTH_FAILED');
    expect(err.message).toMatch(/IAM token exchange/);
    expect(d.submits).toBe(0);
  });

  it('retries IAM 503s like any SpeechKit call', async () => {
    const d = await saDouble();
    d.faults.push({ on: 'iam', status: 503, times: 2 });
    await provider(d, {}, {}, { kind: 'sa-key-file', keyFile }).submit(monoRequest());
    expect(d.requests.filter((r) => r.endpoint === 'iam').map((r) => r.status)).toEqual([
      503, 503, 200,
    ]);
  });
});

describe('SpeechKit client against the v3 double: circuit breaker', () => {
  const BREAKER = { consecutiveFailures: 3, halfOpenAfterMs: 700 };

  it('stops calling a SpeechKit that keeps failing, then closes after a good trial', async () => {
    const d = await startDouble();
    const states: string[] = [];
    const p = provider(d, {
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      breaker: BREAKER,
      observer: { circuit: ({ state }) => states.push(state) },
    });
    // Three requests in a row fail after their retries (2 attempts each).
    d.faults.push({ on: 'submit', status: 503, times: 6 });
    for (let i = 0; i < 3; i++) {
      const err = await rejection(p.submit(monoRequest()));
      expect(err.code).toBe('STT_UNAVAILABLE');
      // The third failure is the one that opens the circuit: callers learn SpeechKit is down.
      expect(err instanceof SttCircuitOpenError).toBe(i === 2);
    }
    expect(d.submits).toBe(6);
    expect(states).toEqual(['open']);

    // Open: the next request fails at once and nothing reaches SpeechKit.
    const started = Date.now();
    const open = await rejection(p.submit(monoRequest()));
    const fastFailMs = Date.now() - started;
    expect(open).toBeInstanceOf(SttCircuitOpenError);
    expect(open.retryable).toBe(true);
    expect((open as SttCircuitOpenError).retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(d.submits).toBe(6);
    expect(fastFailMs).toBeLessThan(200);

    // After halfOpenAfter, one trial goes through; SpeechKit is healthy again, so it closes.
    await new Promise((r) => setTimeout(r, BREAKER.halfOpenAfterMs + 50));
    await p.submit(monoRequest());
    await p.submit(monoRequest());
    expect(d.submits).toBe(8);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    console.log(
      `circuit breaker: opened after 3 failed requests (6 attempts); open fail-fast took ${fastFailMs} ms; closed after one good trial`,
    );
  });

  it('a failed trial keeps the circuit open', async () => {
    const d = await startDouble();
    const states: string[] = [];
    const p = provider(d, {
      retry: { maxAttempts: 1 },
      breaker: BREAKER,
      observer: { circuit: ({ state }) => states.push(state) },
    });
    d.faults.push({ on: 'submit', status: 504, times: 4 });
    for (let i = 0; i < 3; i++) await rejection(p.submit(monoRequest()));
    await new Promise((r) => setTimeout(r, BREAKER.halfOpenAfterMs + 50));
    const trial = await rejection(p.submit(monoRequest()));
    expect(trial).toBeInstanceOf(SttCircuitOpenError);
    expect(trial.cause).toBeDefined();
    expect(await rejection(p.submit(monoRequest()))).toBeInstanceOf(SttCircuitOpenError);
    expect(d.submits).toBe(4);
    expect(states).toEqual(['open', 'half-open', 'open']);
  });

  it('client errors (400, 401) are not outages and never open the circuit', async () => {
    const d = await startDouble();
    const p = provider(d, { breaker: BREAKER }, {}, { kind: 'api-key', apiKey: 'wrong-key' });
    for (let i = 0; i < 5; i++) {
      expect((await rejection(p.submit(monoRequest()))).code).toBe('STT_AUTH_FAILED');
    }
    expect(d.submits).toBe(5);
  });
});

describe('SpeechKit client against the v3 double: quotas', () => {
  it('keeps polls of concurrent jobs within the per-second quota, counted by the double', async () => {
    const d = await startDouble({ pollsUntilDone: 3 });
    const cfg = sttConfig(
      d,
      { kind: 'api-key', apiKey: API_KEY },
      { quotas: { pollsPerSecond: 6 } },
    );
    const waits: number[] = [];
    const limiter = createSpeechKitLimiter(cfg, { onWait: (e) => waits.push(e.waitedMs) });
    const p = createSpeechKitProvider(cfg, { ...FAST, limiter });
    const ids = await Promise.all(Array.from({ length: 5 }, () => p.submit(monoRequest())));
    await Promise.all(ids.map((id) => p.waitForCompletion(id)));
    const polls = d.peakRate('poll');
    console.log(
      `quota: 5 jobs polling every 20-40 ms at 6 polls/s: max ${polls.count} polls in a sliding second, ${d.peakRate('submit').count} submits`,
    );
    expect(d.requests.filter((r) => r.endpoint === 'poll')).toHaveLength(20);
    expect(polls.count).toBeLessThanOrEqual(6);
    expect(polls.count).toBeGreaterThanOrEqual(5); // the quota, not the jobs' schedule, set the pace
    expect(waits).toHaveLength(25); // 5 submissions + 20 polls, each with a permit
    expect(Math.max(...waits)).toBeGreaterThan(500);
  });
});
