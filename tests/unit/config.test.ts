import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.js';

test('defaults: port 4000, SQLite in DATA_DIR, 500 MiB, 4 h, 24 h, SpeechKit hosts', () => {
  const c = loadConfig({});
  expect(c.port).toBe(4000);
  expect(c.database).toEqual({ kind: 'sqlite', file: path.resolve('./data/kazru-stt.sqlite') });
  expect(c.maxUploadBytes).toBe(500 * 1024 * 1024);
  expect(c.maxDurationSeconds).toBe(14_400);
  expect(c.retentionHours).toBe(24);
  expect(c.roles).toEqual(['api', 'worker']);
  expect(c.stt).toMatchObject({
    auth: { kind: 'none' },
    sttUrl: 'https://stt.api.cloud.yandex.net',
    operationUrl: 'https://operation.api.cloud.yandex.net',
    model: 'general',
  });
});

test('PostgreSQL by URL, credentials and Kazakhstan-region hosts', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://u:p@db:5432/stt',
    YANDEX_API_KEY: 'k',
    SPEECHKIT_STT_URL: 'https://stt.api.ml.yandexcloud.kz/',
    ROLES: 'worker',
  });
  expect(c.database).toEqual({ kind: 'postgresql', url: 'postgres://u:p@db:5432/stt' });
  expect(c.stt.auth).toEqual({ kind: 'api-key', apiKey: 'k' });
  expect(c.stt.sttUrl).toBe('https://stt.api.ml.yandexcloud.kz');
  expect(c.roles).toEqual(['worker']);
});

test('every invalid variable is named in one error', () => {
  let err: unknown;
  try {
    loadConfig({
      PORT: 'eighty',
      MAX_UPLOAD_BYTES: '-1',
      REDIS_URL: 'localhost',
      ROLES: 'web',
      YANDEX_API_KEY: 'a',
      YANDEX_IAM_TOKEN: 'b',
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  for (const name of ['PORT', 'MAX_UPLOAD_BYTES', 'REDIS_URL', 'ROLES', 'YANDEX_API_KEY']) {
    expect(msg).toContain(name);
  }
});

describe('speech engines', () => {
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  test('the configured engines are enabled; SpeechKit stays the default when it is configured', () => {
    expect(loadConfig({}).engines).toMatchObject({
      enabled: ['speechkit'],
      defaultEngine: 'speechkit',
    });
    const both = loadConfig({ YANDEX_API_KEY: 'k', OPENAI_STT_URL: 'http://whisper:8080/v1/' });
    expect(both.engines).toMatchObject({
      enabled: ['speechkit', 'openai'],
      defaultEngine: 'speechkit',
    });
    expect(both.engines.openai).toEqual({
      url: 'http://whisper:8080/v1',
      apiKey: undefined,
      model: 'whisper-1',
      maxRequestBytes: 25 * 1024 * 1024,
      maxChunkSeconds: 300,
      concurrency: 1,
      timeoutMs: 600_000,
      diarization: 'none',
      languageDetection: 'auto',
    });
    const whisperOnly = loadConfig({ OPENAI_STT_URL: 'http://whisper:8080/v1' });
    expect(whisperOnly.engines).toMatchObject({ enabled: ['openai'], defaultEngine: 'openai' });
  });

  test('a value that cannot work stops start-up, naming the variable and what to do', () => {
    expect(problems({ STT_ENGINES: 'openai' })).toMatch(
      /STT_ENGINES: openai is enabled but OPENAI_STT_URL is not set/,
    );
    expect(problems({ STT_ENGINES: 'speechkit,whisper' })).toMatch(
      /STT_ENGINES: unknown engine whisper; use speechkit, openai, demo/,
    );
    expect(problems({ YANDEX_API_KEY: 'k', STT_DEFAULT_ENGINE: 'openai' })).toMatch(
      /STT_DEFAULT_ENGINE: openai is not enabled; enabled: speechkit/,
    );
    expect(problems({ OPENAI_STT_URL: 'whisper:8080' })).toMatch(/OPENAI_STT_URL/);
    expect(problems({ OPENAI_STT_URL: 'http://w/v1', OPENAI_STT_CONCURRENCY: '0' })).toMatch(
      /OPENAI_STT_CONCURRENCY/,
    );
    expect(problems({ OPENAI_STT_URL: 'http://w/v1', OPENAI_STT_DIARIZATION: 'pyannote' })).toMatch(
      /OPENAI_STT_DIARIZATION/,
    );
  });
});
