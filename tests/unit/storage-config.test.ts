/**
 * Storage settings: the local store by default, S3 from STORAGE_URL, and a clear start-up error
 * naming each bad storage variable (bucket, endpoint, half a credential pair, encryption key).
 */
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const base = { DATA_DIR: '/srv/kazru', YANDEX_API_KEY: 'k', YANDEX_FOLDER_ID: 'f' };

test('default: the local directory DATA_DIR, scratch under it, no encryption', () => {
  const c = loadConfig(base);
  expect(c.storage).toEqual({
    backend: { kind: 'local', dir: '/srv/kazru' },
    scratchDir: path.join('/srv/kazru', 'scratch'),
    encryptionKey: undefined,
  });
});

test('s3://bucket/prefix with the S3_* settings', () => {
  const key = Buffer.alloc(32, 7);
  const c = loadConfig({
    ...base,
    STORAGE_URL: 's3://kazru-media/stt/prod',
    S3_ENDPOINT: 'http://minio:9000',
    S3_ACCESS_KEY_ID: 'id',
    S3_SECRET_ACCESS_KEY: 'secret',
    S3_FORCE_PATH_STYLE: 'true',
    STORAGE_ENCRYPTION_KEY: key.toString('base64'),
  });
  expect(c.storage.backend).toMatchObject({
    kind: 's3',
    bucket: 'kazru-media',
    prefix: 'stt/prod/',
    endpoint: 'http://minio:9000',
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 4,
  });
  expect(c.storage.encryptionKey?.equals(key)).toBe(true);
  expect(
    loadConfig({ ...base, STORAGE_ENCRYPTION_KEY: key.toString('hex') }).storage.encryptionKey,
  ).toEqual(key);
});

test('bad storage settings stop start-up with one line per variable', () => {
  let err: unknown;
  try {
    loadConfig({
      ...base,
      STORAGE_URL: 's3://Bad_Bucket',
      S3_ENDPOINT: 'minio:9000',
      S3_ACCESS_KEY_ID: 'id',
      S3_FORCE_PATH_STYLE: 'maybe',
      S3_SERVER_SIDE_ENCRYPTION: 'rot13',
      STORAGE_ENCRYPTION_KEY: 'c2hvcnQ=',
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg).toMatch(/STORAGE_URL: "Bad_Bucket" is not an S3 bucket name/);
  expect(msg).toMatch(/S3_ENDPOINT: must be an http\(s\) URL/);
  expect(msg).toMatch(/S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither/);
  expect(msg).toMatch(/S3_FORCE_PATH_STYLE: must be true or false/);
  expect(msg).toMatch(/S3_SERVER_SIDE_ENCRYPTION: use AES256/);
  expect(msg).toMatch(/STORAGE_ENCRYPTION_KEY: must be 32 bytes/);
  expect(() => loadConfig({ ...base, STORAGE_URL: 'ftp://x' })).toThrow(/STORAGE_URL: use file:/);
});
