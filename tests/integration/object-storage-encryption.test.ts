/**
 * Encryption at rest (STORAGE_ENCRYPTION_KEY): what is stored (on disk and in a real s3rver) is
 * not the plaintext, objects read back whole and by ranges at chunk boundaries, and a wrong key,
 * a missing key, tampering and truncation fail with a clear error instead of yielding bytes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import { createStorage } from '../../src/storage/registry.js';
import { EncryptedStore, PlaintextGuard } from '../../src/storage/encrypted-store.js';
import { CHUNK_BYTES, HEADER_BYTES } from '../../src/storage/encryption.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { makeLongRecording } from '../helpers/processes.js';
import { startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const C = CHUNK_BYTES;
const MARKER = Buffer.from('KAZRU-PLAINTEXT-MARKER-0123456789');

let s3: S3Server;
let tmp: string;
let local: LocalStore;
let remote: S3Store;

beforeAll(async () => {
  s3 = await startS3Server();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-enc-'));
  local = new LocalStore(path.join(tmp, 'store'));
  remote = new S3Store({
    bucket: s3.bucket,
    prefix: 'enc/',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    maxAttempts: 2,
    connectTimeoutMs: 1000,
    requestTimeoutMs: 5000,
  });
});
afterAll(async () => {
  await remote?.close();
  await s3?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Plaintext of `size` bytes: random, with the marker written every 10 000 bytes. */
function plaintext(size: number): Buffer {
  const b = randomBytes(size);
  for (let at = 0; at + MARKER.length <= size; at += 10_000) MARKER.copy(b, at);
  return b;
}

async function read(store: ObjectStore, key: string, range?: { start: number; end: number }) {
  return Buffer.concat(await (await store.get(key, range)).toArray());
}

/** Stored bytes of `key` in either backend. */
function storedBytes(which: 'local' | 's3', key: string): Buffer {
  if (which === 'local') return fs.readFileSync(local.localPath(key));
  const file = s3.storedFiles().find((f) => f.file.includes(`enc/${key}._S3rver_object`));
  return file!.bytes;
}

describe.each(['local', 's3'] as const)('on the %s store', (which) => {
  const inner = () => (which === 'local' ? local : remote);

  test.each([0, 1, C - 1, C, C + 1, 3 * C, 3 * C + 17])(
    'round trip of %i bytes; stored bytes are not the plaintext',
    async (size) => {
      const store = new EncryptedStore(inner(), KEY);
      const data = plaintext(size);
      const key = `t/rt-${size}`;
      expect(await store.put(key, Readable.from([data]))).toBe(size);
      expect((await store.stat(key))?.size).toBe(size);
      expect((await read(store, key)).equals(data)).toBe(true);
      const stored = storedBytes(which, key);
      expect(stored.length).toBe(HEADER_BYTES + size + 16 * Math.max(1, Math.ceil(size / C)));
      if (size >= MARKER.length) expect(stored.includes(MARKER)).toBe(false);
    },
  );

  test('ranges at and across chunk boundaries', async () => {
    const store = new EncryptedStore(inner(), KEY);
    const size = 3 * C + 17;
    const data = plaintext(size);
    await store.put('t/ranges', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    const ranges = [
      [0, 0],
      [C - 1, C - 1],
      [C - 1, C],
      [C, 2 * C - 1],
      [C - 5, 2 * C + 5],
      [3 * C, size - 1],
      [size - 1, size - 1],
      [0, size - 1],
    ];
    for (const [start, end] of ranges) {
      const got = await read(store, 't/ranges', { start, end });
      expect({ start, end, ok: got.equals(data.subarray(start, end + 1)) }).toEqual({
        start,
        end,
        ok: true,
      });
    }
  });

  test('a wrong key, a missing key, tampering and truncation fail clearly', async () => {
    const store = new EncryptedStore(inner(), KEY);
    const data = plaintext(3 * C);
    await store.put('t/guarded', Readable.from([data]));

    const wrong = new EncryptedStore(inner(), OTHER_KEY);
    await expect(read(wrong, 't/guarded')).rejects.toThrow(
      /cannot be decrypted with the configured STORAGE_ENCRYPTION_KEY/,
    );
    await expect(read(wrong, 't/guarded', { start: 10, end: 20 })).rejects.toThrow(
      /cannot be decrypted/,
    );
    const noKey = new PlaintextGuard(inner());
    await expect(read(noKey, 't/guarded')).rejects.toThrow(/STORAGE_ENCRYPTION_KEY is not set/);
    await expect(read(noKey, 't/guarded', { start: 100, end: 200 })).rejects.toThrow(
      /STORAGE_ENCRYPTION_KEY is not set/,
    );
    if (which === 'local') expect(() => noKey.localPath('t/guarded')).toThrow(/is not set/);

    // One byte of the second chunk flipped: reading it fails; the first chunk still reads.
    const stored = storedBytes(which, 't/guarded');
    const tampered = Buffer.from(stored);
    tampered[HEADER_BYTES + (C + 16) + 100] ^= 0x01;
    await inner().put('t/tampered', Readable.from([tampered]));
    await expect(read(store, 't/tampered')).rejects.toThrow(/failed authentication at chunk 1/);
    await expect(read(store, 't/tampered', { start: C + 50, end: C + 60 })).rejects.toThrow(
      /failed authentication/,
    );
    expect(
      (await read(store, 't/tampered', { start: 0, end: 99 })).equals(data.subarray(0, 100)),
    ).toBe(true);

    // The last chunk cut off: the one before it is not marked final, so the read fails.
    await inner().put('t/truncated', Readable.from([stored.subarray(0, stored.length - (C + 16))]));
    await expect(read(store, 't/truncated')).rejects.toThrow(/failed authentication at chunk 1/);
    // A plaintext object read with a key set is refused too, not passed through.
    await inner().put('t/plain', Readable.from([data]));
    await expect(read(store, 't/plain')).rejects.toThrow(/is not encrypted/);
  });
});

describe('the service with STORAGE_ENCRYPTION_KEY on S3', () => {
  let t: TestApp;
  const env = () => ({
    ...s3.env('svc'),
    SCRATCH_DIR: path.join(tmp, 'scratch'),
    STORAGE_ENCRYPTION_KEY: KEY.toString('base64'),
  });
  beforeAll(async () => {
    t = await startTestApp(env());
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a job completes with every object encrypted; playback ranges decrypt', async () => {
    // 2 min of speech: its Opus audio spans several 64 KiB chunks.
    const recording = await makeLongRecording(tmp, 120);
    const fixture = fs.readFileSync(recording);
    const up = await t.upload(recording);
    expect(up.errors).toBeUndefined();
    const id = up.data.uploadAudio.id as string;
    expect((await waitForStatus(t, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED');
    const files = s3.storedFiles().filter((f) => f.file.includes(`svc/jobs/${id}/`));
    expect(files).toHaveLength(2); // source, audio.ogg
    for (const f of files) {
      expect(f.bytes.includes(Buffer.from('OggS'))).toBe(false);
      expect(f.bytes.includes(fixture.subarray(1000, 1032))).toBe(false);
    }
    const r = await t.gql(`query($id: ID!) { job(id: $id) { audioUrl } }`, { id });
    const url = `${t.url}${r.data.job.audioUrl as string}`;
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(whole.subarray(0, 4).toString('latin1')).toBe('OggS');
    const part = await fetch(url, { headers: { range: `bytes=${C - 10}-${C + 9}` } });
    expect(whole.length).toBeGreaterThan(2 * C);
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(C - 10, C + 10))).toBe(true);
    const head = await fetch(url, { headers: { range: 'bytes=0-99' } });
    expect(Buffer.from(await head.arrayBuffer()).equals(whole.subarray(0, 100))).toBe(true);
  }, 60_000);

  test('start-up with another key, or without one, on that store is a clear error', async () => {
    // What startApp runs before serving (src/app.ts): the store's readability check.
    const check = (key: string) =>
      createStorage(loadConfig({ ...env(), STORAGE_ENCRYPTION_KEY: key }).storage).checkReadable(
        () => undefined,
      );
    await expect(check(OTHER_KEY.toString('hex'))).rejects.toThrow(
      /cannot be decrypted with the configured STORAGE_ENCRYPTION_KEY/,
    );
    await expect(check('')).rejects.toThrow(/encrypted, but STORAGE_ENCRYPTION_KEY is not set/);
    await expect(check(KEY.toString('hex'))).resolves.toBeUndefined();
  });
});

test('S3 server-side encryption, where the store offers it, is asked for on every write', async () => {
  const cfg = loadConfig({
    ...s3.env('sse'),
    S3_SERVER_SIDE_ENCRYPTION: 'AES256',
  }).storage;
  const storage = createStorage(cfg);
  const id = '5e5e5e5e-0000-4000-8000-000000000001';
  const before = s3.requests.length;
  await storage.writeStream(id, 'source', Readable.from([plaintext(1000)]), 10_000);
  await storage.copy(id, '5e5e5e5e-0000-4000-8000-000000000002', 'source');
  const writes = s3.requestHeaders
    .slice(before)
    .filter((_h, i) => s3.requests[before + i].startsWith('PUT '));
  expect(writes).toHaveLength(2); // the object, its copy
  for (const h of writes) expect(h['x-amz-server-side-encryption']).toBe('AES256');
  await storage.store.close?.();
});

test('processes starting together on a new store all pass the start-up check (one writes the check object while the others read it)', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'together-'));
  for (const key of ['', KEY.toString('hex')]) {
    const dataDir = path.join(dir, key ? 'encrypted' : 'plain');
    const check = () =>
      createStorage(
        loadConfig({ DATA_DIR: dataDir, STORAGE_ENCRYPTION_KEY: key }).storage,
      ).checkReadable(() => undefined);
    // api and three workers, as tests/helpers/processes.ts and a compose deployment start them
    const results = await Promise.allSettled([check(), check(), check(), check()]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
  }
});
