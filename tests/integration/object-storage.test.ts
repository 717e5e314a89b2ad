/**
 * The service on S3-compatible object storage (a real s3rver over HTTP): a job goes from upload
 * to transcript with every file in the bucket and none in DATA_DIR, playback keeps HTTP Range
 * through the store, deleteJob leaves no object, and an upload over the size cap is refused
 * while streaming without leaving an object or a multipart upload behind; a synchronous engine's
 * pieces are cut in scratch only, a duplicate is answered by a server-side copy, and expiry and
 * orphan cleanup delete objects.
 */
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
import { startS3Server, type S3Server } from '../helpers/s3-server.js';

let s3: S3Server;
let t: TestApp;
let tmp: string;

const CAP = 12 * 1024 * 1024; // above one multipart part (8 MiB): the cap trips mid-multipart

beforeAll(async () => {
  s3 = await startS3Server();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-s3-test-'));
  t = await startTestApp(
    {
      ...s3.env('kazru'),
      SCRATCH_DIR: path.join(tmp, 'scratch'),
      MAX_UPLOAD_BYTES: String(CAP),
      DUPLICATE_REUSE: 'true',
    },
    { openAi: { flavour: 'whisper.cpp' } },
  );
});
afterAll(async () => {
  await t?.close();
  await s3?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('upload → completed transcript → Range playback → deleteJob, all on S3', async () => {
  const m = manifest('dialogue-mono.ogg');
  const up = await t.upload(path.join(FIXTURES_DIR, m.file));
  expect(up.errors).toBeUndefined();
  const id = up.data.uploadAudio.id as string;
  const job = await waitForStatus(t, id, ['COMPLETED', 'FAILED']);
  expect(job.status).toBe('COMPLETED');

  const tr = await t.gql(
    `query($id: ID!) { job(id: $id) { audioUrl transcript { segments { text } } } }`,
    {
      id,
    },
  );
  expect(tr.data.job.transcript.segments.map((s: { text: string }) => s.text)).toEqual(
    m.utterances.map((u) => u.text),
  );
  // The upload and the transcoded audio are objects in the bucket; nothing is on local disk.
  expect((await s3.keys('kazru/jobs/')).sort()).toEqual([
    `kazru/jobs/${id}/audio.ogg`,
    `kazru/jobs/${id}/source`,
  ]);
  expect(fs.existsSync(path.join(t.dataDir, 'jobs'))).toBe(false);
  // The upload was read back once, by the worker to transcode it: ffprobe at upload time read
  // the copy kept in scratch while it streamed to the store.
  const sourceGets = s3.requests.filter((r) =>
    r.startsWith(`GET /kazru-test/kazru/jobs/${id}/source`),
  );
  expect(sourceGets).toHaveLength(1);
  expect(fs.readdirSync(path.join(tmp, 'scratch'))).toEqual([]); // every scratch dir removed

  // Playback streams from the store with Range support (ranged GetObject).
  const audioUrl = `${t.url}${tr.data.job.audioUrl as string}`;
  const whole = await fetch(audioUrl);
  expect(whole.status).toBe(200);
  expect(whole.headers.get('accept-ranges')).toBe('bytes');
  expect(whole.headers.get('content-type')).toBe('audio/ogg');
  const bytes = Buffer.from(await whole.arrayBuffer());
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('OggS');
  expect(Number(whole.headers.get('content-length'))).toBe(bytes.length);
  const part = await fetch(audioUrl, { headers: { range: 'bytes=100-199' } });
  expect(part.status).toBe(206);
  expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
  expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  const tail = await fetch(audioUrl, { headers: { range: 'bytes=-10' } });
  expect(tail.status).toBe(206);
  expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(
    true,
  );
  const beyond = await fetch(audioUrl, { headers: { range: `bytes=${bytes.length}-` } });
  expect(beyond.status).toBe(416);
  expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  expect(s3.requests.some((r) => r.startsWith(`GET /kazru-test/kazru/jobs/${id}/audio.ogg`))).toBe(
    true,
  );

  const del = await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id });
  expect(del.errors).toBeUndefined();
  expect(await s3.keys('kazru/jobs/')).toEqual([]);
  expect((await fetch(audioUrl)).status).toBe(404);
}, 90_000);

test('an upload over the size cap is refused while streaming; no object, no open multipart upload', async () => {
  const big = path.join(tmp, 'big.ogg');
  const chunk = fs.readFileSync(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const fd = fs.openSync(big, 'w');
  for (let n = 0; n < CAP * 2; n += chunk.length) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  const before = s3.requests.length;

  const up = await t.upload(big);
  expect(up.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  // The store saw a multipart upload start (the cap is above one part), then its abort.
  const seen = s3.requests.slice(before);
  expect(seen.some((r) => r.startsWith('POST ') && r.includes('uploads'))).toBe(true);
  expect(seen.some((r) => r.startsWith('DELETE ') && r.includes('uploadId='))).toBe(true);
  expect(await s3.keys('kazru/jobs/')).toEqual([]);
  expect(s3.openUploads()).toEqual([]);
  const jobs = await t.gql(`{ jobs(first: 10) { totalCount } }`);
  expect(jobs.data.jobs.totalCount).toBe(0);
}, 60_000);

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

async function uploadDone(options?: Record<string, unknown>) {
  const up = await t.upload(DIALOGUE, options);
  expect(up.errors).toBeUndefined();
  const id = up.data.uploadAudio.id as string;
  const job = await waitForStatus(t, id, ['COMPLETED', 'FAILED']);
  expect({ status: job.status, error: job.errorMessage }).toEqual({
    status: 'COMPLETED',
    error: null,
  });
  return id;
}

test('a synchronous engine: unit pieces are cut in scratch and never stored', async () => {
  const id = await uploadDone({ engine: 'openai' });
  expect(t.openai!.requests.length).toBeGreaterThan(0);
  expect((await s3.keys(`kazru/jobs/${id}/`)).sort()).toEqual([
    `kazru/jobs/${id}/audio.ogg`,
    `kazru/jobs/${id}/source`,
  ]);
  expect(fs.readdirSync(path.join(tmp, 'scratch'))).toEqual([]);
}, 60_000);

test('a duplicate upload is answered with a copy of the audio object; its upload is removed', async () => {
  const first = await uploadDone();
  const submits = t.double.submits;
  const second = await uploadDone();
  expect(t.double.submits).toBe(submits); // no engine call
  const r = await t.gql(`query($id: ID!) { job(id: $id) { reusedFromJobId audioUrl } }`, {
    id: second,
  });
  expect(r.data.job.reusedFromJobId).toBe(first);
  expect(await s3.keys(`kazru/jobs/${second}/`)).toEqual([`kazru/jobs/${second}/audio.ogg`]);
  const copy = await fetch(`${t.url}${r.data.job.audioUrl as string}`);
  expect(copy.status).toBe(200);
  expect(
    Buffer.from(await copy.arrayBuffer())
      .subarray(0, 4)
      .toString('latin1'),
  ).toBe('OggS');
}, 60_000);

test('orphan cleanup lists objects; expiry deletes every object of a job', async () => {
  const em = () => t.app.resources.orm.em.fork();
  const orphan = '0e0e0e0e-0000-4000-8000-000000000001';
  await s3.put(`kazru/jobs/${orphan}/source`, 'left by a crash mid-upload');
  const jobsBefore = (await s3.keys('kazru/jobs/')).filter((k) => !k.includes(orphan));
  expect(jobsBefore.length).toBeGreaterThan(0);

  // Within the hour an orphan may still be an upload in progress: kept.
  await t.app.resources.jobs.expireDue(em(), new Date());
  expect(await s3.keys(`kazru/jobs/${orphan}/`)).toHaveLength(1);
  // Two hours on: the orphan goes, the jobs' objects stay (not expired yet).
  await t.app.resources.jobs.expireDue(em(), new Date(Date.now() + 2 * 3600_000));
  expect(await s3.keys(`kazru/jobs/${orphan}/`)).toEqual([]);
  expect((await s3.keys('kazru/jobs/')).sort()).toEqual(jobsBefore.sort());
  // Past RETENTION_HOURS: every job expires with all its objects.
  const expired = await t.app.resources.jobs.expireDue(em(), new Date(Date.now() + 48 * 3600_000));
  expect(expired.length).toBeGreaterThan(0);
  expect(await s3.keys('kazru/jobs/')).toEqual([]);
}, 60_000);
