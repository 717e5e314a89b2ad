/**
 * kazru_storage_errors_total counts the store's own failures (real file-system errors) by
 * operation and code, and not what a client caused (an upload over the limit).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createMetrics } from '../../../src/observability/metrics.js';
import { instrumentStorage } from '../../../src/observability/storage-errors.js';
import { Storage, UploadTooLargeError } from '../../../src/storage/storage.js';
import { LocalStore } from '../../../src/storage/local-store.js';

const [JOB1, JOB2, JOB3] = [randomUUID(), randomUUID(), randomUUID()];

async function counted(metrics: ReturnType<typeof createMetrics>) {
  const m = await metrics.storageErrors.get();
  return m.values.map((v) => ({ ...v.labels, value: v.value }));
}

test('a write the file system refuses is counted with its operation and code, and rethrown', async () => {
  const metrics = createMetrics('test');
  // A regular file where the data directory should be: mkdir fails with ENOTDIR, even as root.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-store-')), 'not-a-dir');
  fs.writeFileSync(file, '');
  const store = instrumentStorage(new LocalStore(file), metrics.storageErrors);
  const storage = new Storage(store);

  await expect(
    storage.writeStream(JOB1, 'source', Readable.from([Buffer.from('abc')]), 1024),
  ).rejects.toMatchObject({ code: 'ENOTDIR' });
  expect(await counted(metrics)).toEqual([{ operation: 'put', code: 'ENOTDIR', value: 1 }]);
  // Synchronous helpers pass through untouched.
  expect(store.localPath(`jobs/${JOB1}/source`)).toBe(path.join(file, 'jobs', JOB1, 'source'));
});

test('an upload over the limit is the client fault: rethrown, not counted', async () => {
  const metrics = createMetrics('test');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-store-'));
  const storage = new Storage(instrumentStorage(new LocalStore(dir), metrics.storageErrors));

  await expect(
    storage.writeStream(JOB2, 'source', Readable.from([Buffer.alloc(2048)]), 1024),
  ).rejects.toBeInstanceOf(UploadTooLargeError);
  expect(await storage.writeStream(JOB3, 'source', Readable.from([Buffer.alloc(10)]), 1024)).toBe(
    10,
  );
  expect(await counted(metrics)).toEqual([]);
});
