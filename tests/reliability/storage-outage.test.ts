/**
 * The object store unreachable (a TCP proxy in front of a real s3rver cuts every connection):
 * an upload is refused with SERVICE_UNAVAILABLE / STORAGE_UNAVAILABLE and leaves nothing; a job
 * whose store goes away mid-transcode fails with the job error code STORAGE_UNAVAILABLE after the
 * SDK's bounded retries, without a half-written object, an open multipart upload or a scratch
 * directory left behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';
import { makeLongRecording } from '../helpers/processes.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

let s3: S3Server;
let proxy: TcpProxy;
let t: TestApp;
let tmp: string;
let longRecording: string;

beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startTcpProxy({ port: s3.port });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-s3-outage-'));
  // 10 min of speech: transcoding takes long enough to cut the store while it runs.
  longRecording = await makeLongRecording(tmp, 600);
  t = await startTestApp({
    ...s3.env('kazru', `http://127.0.0.1:${proxy.port}`),
    SCRATCH_DIR: path.join(tmp, 'scratch'),
    S3_MAX_ATTEMPTS: '3',
    S3_CONNECT_TIMEOUT_MS: '500',
    S3_REQUEST_TIMEOUT_MS: '3000',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await s3?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => proxy.resume());

test('an upload while the store is unreachable is refused with a stable code; nothing is left', async () => {
  proxy.block();
  const started = Date.now();
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const ms = Date.now() - started;
  expect(up.errors?.[0]?.extensions).toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    reason: 'STORAGE_UNAVAILABLE',
  });
  expect(up.errors?.[0]?.message).toMatch(/try again/i);
  expect(ms).toBeLessThan(15_000); // bounded retries, not a hang
  // Readiness says why: the store is down (a load balancer stops sending uploads here).
  const ready = await fetch(`${t.url}/api/v1/health/ready`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { storage: { ok: boolean } }).storage.ok).toBe(false);
  proxy.resume();
  const back = await fetch(`${t.url}/api/v1/health/ready`);
  expect(((await back.json()) as { storage: unknown }).storage).toMatchObject({
    ok: true,
    store: 's3://kazru-test/kazru/',
  });
  expect(await s3.keys('kazru/jobs/')).toEqual([]);
  expect(s3.openUploads()).toEqual([]);
  const jobs = await t.gql(`{ jobs(first: 10) { totalCount } }`);
  expect(jobs.data.jobs.totalCount).toBe(0);
  console.log(`storage outage: upload refused after ${ms} ms`);
}, 30_000);

test('the store cut mid-transcode: the job fails STORAGE_UNAVAILABLE, nothing half-written', async () => {
  const up = await t.upload(longRecording);
  expect(up.errors).toBeUndefined();
  const id = up.data.uploadAudio.id as string;
  // TRANSCODING is reported once the upload was fetched into scratch and ffmpeg started.
  await waitForStatus(t, id, ['TRANSCODING', 'TRANSCRIBING', 'COMPLETED', 'FAILED'], 30_000);
  proxy.block();
  const cutAt = Date.now();
  const job = await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 60_000);
  const failMs = Date.now() - cutAt;
  expect(job.status).toBe('FAILED');
  expect(job.errorCode).toBe('STORAGE_UNAVAILABLE');
  expect(job.errorMessage).toMatch(/unreachable/);
  proxy.resume();
  // The upload stays (as for any failed job, until expiry); no transcoded audio was half-stored.
  expect(await s3.keys('kazru/jobs/')).toEqual([`kazru/jobs/${id}/source`]);
  expect(s3.openUploads()).toEqual([]);
  expect(fs.readdirSync(path.join(tmp, 'scratch'))).toEqual([]);
  console.log(`storage outage: job failed ${failMs} ms after the store was cut`);

  // Deleting the failed job once the store is back removes its objects.
  const del = await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id });
  expect(del.errors).toBeUndefined();
  expect(await s3.keys('kazru/jobs/')).toEqual([]);
}, 120_000);
