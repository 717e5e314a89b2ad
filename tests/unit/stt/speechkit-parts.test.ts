import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { JobError } from '../../../src/errors.js';
import {
  backoffDelayMs,
  parseRetryAfter,
  MAX_RETRY_AFTER_MS,
} from '../../../src/stt/http/index.js';
import {
  base64Length,
  buildRecognizeFileOptions,
  encodeRecognizeFileBody,
  MAX_REQUEST_BODY_BYTES,
} from '../../../src/stt/speechkit/request.js';
import {
  readServiceAccountKey,
  signServiceAccountJwt,
  stripPemPreamble,
  tokenNeedsRefresh,
} from '../../../src/stt/speechkit/auth.js';
import { describeSttConfig } from '../../../src/stt/speechkit/index.js';

const baseRequest = {
  channels: 1 as const,
  languages: ['kk-KZ', 'ru-RU'],
  speakerLabeling: true,
  profanityFilter: false,
  textNormalization: true,
};

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or invalid values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const opts = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it('is full jitter under an exponential, capped ceiling', () => {
    expect(backoffDelayMs(1, opts, undefined, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, opts, undefined, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, opts, undefined, () => 0.999)).toBe(999);
    expect(backoffDelayMs(4, opts, undefined, () => 0)).toBe(0);
  });
  it('honours Retry-After, clamped', () => {
    expect(backoffDelayMs(1, opts, 3000, () => 0)).toBe(3000);
    expect(backoffDelayMs(1, opts, 10 * MAX_RETRY_AFTER_MS)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('buildRecognizeFileOptions', () => {
  it('builds the documented recognitionModel with a whitelist and speaker labeling for mono', () => {
    expect(buildRecognizeFileOptions(baseRequest, 'general')).toEqual({
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
      speakerLabeling: { speakerLabeling: 'SPEAKER_LABELING_ENABLED' },
    });
  });
  it('never enables speaker labeling on stereo; auto and normalization off', () => {
    const body = buildRecognizeFileOptions(
      {
        ...baseRequest,
        channels: 2,
        languages: ['auto'],
        textNormalization: false,
        profanityFilter: true,
      },
      'general:rc',
    );
    expect(body.speakerLabeling).toBeUndefined();
    expect(body.recognitionModel.languageRestriction.languageCode).toEqual(['auto']);
    expect(body.recognitionModel.textNormalization).toEqual({
      textNormalization: 'TEXT_NORMALIZATION_DISABLED',
      profanityFilter: true,
      literatureText: false,
    });
    expect(body.recognitionModel.model).toBe('general:rc');
  });
  it('omits speaker labeling on mono when not requested', () => {
    expect(
      buildRecognizeFileOptions({ ...baseRequest, speakerLabeling: false }, 'general')
        .speakerLabeling,
    ).toBeUndefined();
  });
});

describe('encodeRecognizeFileBody', () => {
  const options = buildRecognizeFileOptions(baseRequest, 'general');
  it('produces valid JSON with base64 content and reports its exact size', () => {
    const audio = Buffer.from('OggS\u0000 some bytes \u00ff\u00fe');
    const { json, bytes } = encodeRecognizeFileBody(audio, options);
    expect(Buffer.byteLength(json)).toBe(bytes);
    const parsed = JSON.parse(json) as { content: string };
    expect(Buffer.from(parsed.content, 'base64').equals(audio)).toBe(true);
    expect(parsed).toMatchObject(options);
  });
  it('throws AUDIO_TOO_LARGE (not retryable) past 60,000,000 bytes of body', () => {
    const overhead = Buffer.byteLength(encodeRecognizeFileBody(Buffer.alloc(0), options).json);
    // largest audio whose body still fits
    let fits = Math.floor(((MAX_REQUEST_BODY_BYTES - overhead) / 4) * 3);
    while (base64Length(fits) + overhead > MAX_REQUEST_BODY_BYTES) fits--;
    expect(encodeRecognizeFileBody(Buffer.alloc(fits), options).bytes).toBeLessThanOrEqual(
      MAX_REQUEST_BODY_BYTES,
    );
    let caught: unknown;
    try {
      encodeRecognizeFileBody(Buffer.alloc(fits + 3), options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JobError);
    expect((caught as JobError).code).toBe('AUDIO_TOO_LARGE');
    expect((caught as JobError).retryable).toBe(false);
    expect((caught as JobError).message).toMatch(/60\.0 MB/);
  });
});

describe('service-account key and JWT', () => {
  let dir: string;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sk-parts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('strips the "PLEASE DO NOT REMOVE THIS LINE!" preamble', () => {
    const withPreamble = `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajek>\n${privateKey}`;
    expect(stripPemPreamble(withPreamble)).toBe(privateKey.trim() + '\n');
    expect(() => createPublicKey(stripPemPreamble(withPreamble))).not.toThrow();
  });

  it('signs a PS256 JWT with kid, iss, aud, iat and exp = iat + 3600', async () => {
    const key = {
      id: 'ajekeyid',
      service_account_id: 'ajesaid',
      private_key: `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajekeyid>\n${privateKey}`,
    };
    const jwt = await signServiceAccountJwt(
      key,
      'https://iam.example/iam/v1/tokens',
      1_700_000_000,
    );
    expect(decodeProtectedHeader(jwt)).toEqual({ typ: 'JWT', alg: 'PS256', kid: 'ajekeyid' });
    const { payload } = await jwtVerify(jwt, await importSPKI(publicKey, 'PS256'), {
      algorithms: ['PS256'],
      currentDate: new Date(1_700_000_100_000),
    });
    expect(payload).toEqual({
      iss: 'ajesaid',
      aud: 'https://iam.example/iam/v1/tokens',
      iat: 1_700_000_000,
      exp: 1_700_003_600,
    });
  });

  it('rejects unreadable or incomplete key files with STT_AUTH_FAILED', async () => {
    const missing = path.join(dir, 'nope.json');
    await expect(readServiceAccountKey(missing)).rejects.toMatchObject({ code: 'STT_AUTH_FAILED' });
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ id: 'x', private_key: privateKey }));
    await expect(readServiceAccountKey(bad)).rejects.toMatchObject({
      code: 'STT_AUTH_FAILED',
      message: expect.stringContaining('service_account_id'),
    });
    await expect(
      signServiceAccountJwt({ id: 'k', service_account_id: 's', private_key: 'not a pem' }, 'aud'),
    ).rejects.toMatchObject({ code: 'STT_AUTH_FAILED' });
  });

  it('refreshes tokens with < 10 min left or older than 1 h', () => {
    const t0 = 1_000_000_000;
    const token = { token: 't', obtainedAtMs: t0, expiresAtMs: t0 + 12 * 3600_000 };
    expect(tokenNeedsRefresh(undefined, t0)).toBe(true);
    expect(tokenNeedsRefresh(token, t0 + 59 * 60_000)).toBe(false);
    expect(tokenNeedsRefresh(token, t0 + 60 * 60_000)).toBe(true);
    const short = { token: 't', obtainedAtMs: t0, expiresAtMs: t0 + 25 * 60_000 };
    expect(tokenNeedsRefresh(short, t0 + 14 * 60_000)).toBe(false);
    expect(tokenNeedsRefresh(short, t0 + 15 * 60_000)).toBe(true);
    // lifetime under 20 min: refresh at half-life rather than immediately
    const tiny = { token: 't', obtainedAtMs: t0, expiresAtMs: t0 + 4 * 60_000 };
    expect(tokenNeedsRefresh(tiny, t0 + 60_000)).toBe(false);
    expect(tokenNeedsRefresh(tiny, t0 + 2 * 60_000)).toBe(true);
    expect(tokenNeedsRefresh({ ...token, expiresAtMs: t0 - 1 }, t0)).toBe(true);
  });
});

describe('describeSttConfig', () => {
  it('reports auth kind and whether credentials are configured, without secrets', () => {
    const base = {
      provider: 'speechkit' as const,
      sttUrl: 'https://stt.api.cloud.yandex.net',
      operationUrl: 'https://operation.api.cloud.yandex.net',
      iamUrl: 'https://iam.api.cloud.yandex.net/iam/v1/tokens',
      model: 'general',
    };
    expect(describeSttConfig({ ...base, auth: { kind: 'api-key', apiKey: 'secret' } })).toEqual({
      provider: 'speechkit',
      auth: 'api-key',
      configured: true,
      sttUrl: 'https://stt.api.cloud.yandex.net',
      model: 'general',
    });
    expect(
      JSON.stringify(describeSttConfig({ ...base, auth: { kind: 'api-key', apiKey: 'secret' } })),
    ).not.toContain('secret');
    expect(describeSttConfig({ ...base, auth: { kind: 'none' } }).configured).toBe(false);
  });
});
