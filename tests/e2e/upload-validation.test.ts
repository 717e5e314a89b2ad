/**
 * Every bad upload gets a clear GraphQL error with a stable code, and leaves nothing behind:
 * no file under DATA_DIR and no job row. Every accepted container format is recognised.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR, startTestApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let tmp: string;
const SOURCE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const MAX_UPLOAD_BYTES = 2_000_000;
const MAX_DURATION_SECONDS = 60;

const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

beforeAll(async () => {
  t = await startTestApp({
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_DURATION_SECONDS: String(MAX_DURATION_SECONDS),
    ROLES: 'api', // no worker: accepted jobs stay QUEUED, so only upload handling is measured
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-upload-'));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function jobRows(): Promise<number> {
  const [{ n }] = await t.app.resources.orm.em
    .fork()
    .getConnection()
    .execute('select count(*) as n from jobs');
  return Number(n);
}

async function expectRejected(file: string, code: string, message: RegExp, reason?: string) {
  const before = await jobRows();
  const r = await t.upload(file);
  expect(r.data?.uploadAudio ?? null).toBeNull();
  expect(r.errors?.[0]?.extensions?.code).toBe(code);
  if (reason) expect(r.errors[0].extensions.reason).toBe(reason);
  expect(r.errors[0].message).toMatch(message);
  expect(t.jobDirs()).toEqual([]);
  expect(await jobRows()).toBe(before);
}

test.each(['wav', 'mp3', 'flac', 'ogg', 'm4a', 'webm'])(
  'accepts %s and reports what ffprobe saw',
  async (ext) => {
    const file = path.join(tmp, `clip.${ext}`);
    ffmpeg('-i', SOURCE, '-t', '5', file);
    const r = await t.upload(file);
    expect(r.errors).toBeUndefined();
    const job = r.data.uploadAudio;
    expect(job).toMatchObject({
      status: 'QUEUED',
      progress: 0,
      filename: `clip.${ext}`,
      channels: 1,
    });
    expect(job.sizeBytes).toBe(fs.statSync(file).size);
    expect(job.durationSeconds).toBeGreaterThan(4.5);
    expect(job.durationSeconds).toBeLessThan(5.5);
    expect(new Date(job.expiresAt).getTime() - new Date(job.createdAt).getTime()).toBe(
      24 * 3600_000,
    );
    await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id: job.id });
  },
);

test('empty file', async () => {
  const file = path.join(tmp, 'empty.wav');
  fs.writeFileSync(file, '');
  await expectRejected(file, 'BAD_USER_INPUT', /empty/i, 'MEDIA_EMPTY');
});

test('not audio: a text file and a PNG image', async () => {
  const txt = path.join(tmp, 'notes.mp3');
  fs.writeFileSync(txt, 'Бұл аудио емес. This is not audio.\n'.repeat(50));
  await expectRejected(txt, 'BAD_USER_INPUT', /audio/i);
  const png = path.join(tmp, 'picture.wav');
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'color=c=red:s=32x32',
    '-frames:v',
    '1',
    '-f',
    'image2',
    '-c:v',
    'png',
    png,
  );
  await expectRejected(png, 'BAD_USER_INPUT', /audio/i);
});

test('truncated recording', async () => {
  const full = path.join(tmp, 'full.m4a');
  ffmpeg('-i', SOURCE, full);
  const cut = path.join(tmp, 'cut.m4a');
  const bytes = fs.readFileSync(full);
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 3)));
  await expectRejected(cut, 'BAD_USER_INPUT', /damaged|corrupt|incomplete|truncated|audio/i);
});

test('over the size cap, while streaming', async () => {
  const big = path.join(tmp, 'big.wav');
  ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=70:r=16000', '-ac', '1', big); // ~2.2 MB
  expect(fs.statSync(big).size).toBeGreaterThan(MAX_UPLOAD_BYTES);
  await expectRejected(big, 'PAYLOAD_TOO_LARGE', /larger than/i);
});

test('longer than the duration cap', async () => {
  const long = path.join(tmp, 'long.ogg');
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=300:d=90', '-ac', '1', '-c:a', 'libopus', '-b:a', '8k', long);
  await expectRejected(long, 'BAD_USER_INPUT', /limit is 1 min/i, 'MEDIA_TOO_LONG');
});

test('an HLS playlist disguised as .wav is refused, not read', async () => {
  const target = path.join(tmp, 'secret.wav');
  ffmpeg('-i', SOURCE, '-t', '2', target);
  const playlist = path.join(tmp, 'steal.wav');
  fs.writeFileSync(
    playlist,
    `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${target}\n#EXT-X-ENDLIST\n`,
  );
  await expectRejected(playlist, 'BAD_USER_INPUT', /audio/i);
});

test('bad options: unknown language, auto mixed with others, CHANNELS on mono', async () => {
  const file = path.join(tmp, 'ok.ogg');
  fs.copyFileSync(SOURCE, file);
  const bad = async (options: Record<string, unknown>, reason: string) => {
    const r = await t.upload(file, options);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    expect(t.jobDirs()).toEqual([]);
  };
  await bad({ languages: ['xx-XX'] }, 'INVALID_LANGUAGE');
  await bad({ languages: ['auto', 'kk-KZ'] }, 'INVALID_LANGUAGE');
  await bad({ diarization: 'CHANNELS' }, 'NOT_STEREO');
  // Case-insensitive tags are normalised.
  const ok = await t.upload(file, { languages: ['KK-kz'] });
  expect(ok.errors).toBeUndefined();
});

test('multipart upload without the CSRF preflight header is refused', async () => {
  const dirsBefore = t.jobDirs().length;
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!) { uploadAudio(file: $f) { id } }',
      variables: { f: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', await fs.openAsBlob(SOURCE), 'x.ogg');
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', body: form });
  expect(res.status).toBe(400);
  expect(t.jobDirs().length).toBe(dirsBefore);
});

test('cancelJob stops a queued job and removes its files; cancelling again is a CONFLICT', async () => {
  const up = await t.upload(SOURCE);
  const id = up.data.uploadAudio.id;
  expect(t.jobDirs()).toContain(id);
  const sub = t.subscribe(`subscription($id: ID!) { jobProgress(id: $id) { status } }`, { id });
  const r = await t.gql(`mutation($id: ID!) { cancelJob(id: $id) { id status completedAt } }`, {
    id,
  });
  expect(r.data.cancelJob.status).toBe('CANCELLED');
  expect(t.jobDirs()).not.toContain(id);
  await sub.done;
  expect(sub.events.at(-1).data.jobProgress.status).toBe('CANCELLED');
  const again = await t.gql(`mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id });
  expect(again.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'JOB_FINISHED' });
  const missing = await t.gql(
    `mutation { cancelJob(id: "00000000-0000-0000-0000-000000000000") { id } }`,
  );
  expect(missing.errors[0].extensions.code).toBe('NOT_FOUND');
});

test('retention: a job stuck in the queue is EXPIRED after RETENTION_HOURS, its files deleted', async () => {
  const up = await t.upload(SOURCE);
  const id = up.data.uploadAudio.id;
  const sub = t.subscribe(`subscription($id: ID!) { jobProgress(id: $id) { status } }`, { id });
  const jobs = t.app.resources.jobs;
  // Not due yet: nothing happens.
  expect(await jobs.expireDue(t.app.resources.orm.em.fork())).not.toContain(id);
  expect(t.jobDirs()).toContain(id);
  const in25h = new Date(Date.now() + 25 * 3600_000);
  expect(await jobs.expireDue(t.app.resources.orm.em.fork(), in25h)).toContain(id);
  expect(t.jobDirs()).not.toContain(id);
  const r = await t.gql(`query($id: ID!) { job(id: $id) { status transcript { id } } }`, { id });
  expect(r.data.job).toEqual({ status: 'EXPIRED', transcript: null });
  await sub.done;
  expect(sub.events.at(-1).data.jobProgress.status).toBe('EXPIRED');
  // Running it again is harmless.
  expect(await jobs.expireDue(t.app.resources.orm.em.fork(), in25h)).toEqual([]);
});
