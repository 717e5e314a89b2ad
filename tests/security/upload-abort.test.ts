/**
 * A client that disconnects mid-upload leaves no file, no job and no unhandled error.
 *
 * A raw HTTP request announces a full multipart body (Content-Length), sends only part of it and
 * destroys the socket: inside the `operations` field, just after the file part's headers, and in
 * the middle of the file while the server is writing it to the job directory. Afterwards: no job
 * row (the `jobs` query), no job directory, no error-level log line, no unhandled rejection or
 * exception in the process, and a normal upload right after still works end to end.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';
import { multipartBody, requestHead } from './raw-multipart.js';

let t: TestApp;
let work: string;
let port: number;
const logLines: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-abort-'));
  // About 2 MB of WAV, so a cut in the middle leaves the server mid-write.
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    path.join(FIXTURES_DIR, 'dialogue-mono.ogg'),
    '-c:a',
    'pcm_s16le',
    path.join(work, 'speech.wav'),
  ]);
  t = await startTestApp(
    { LOG_LEVEL: 'info', RATE_LIMIT_UPLOADS_PER_MINUTE: '1000' },
    { logLines },
  );
  port = Number(new URL(t.url).port);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await t?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function jobCount(): Promise<number> {
  const r = await t.gql(`{ jobs(first: 100) { totalCount } }`);
  return r.data.jobs.totalCount as number;
}

/** Log lines at `error` (50) or above, from line `from` on. */
const errorLines = (from = 0) =>
  logLines
    .slice(from)
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 50);

test.each([
  ['inside the operations field', 'operations'],
  ['right after the file part headers', 'file-start'],
  ['in the middle of the file, while it is written to disk', 'mid-file'],
] as const)('disconnect %s: no file, no job, no error', async (_what, cut) => {
  const file = fs.readFileSync(path.join(work, 'speech.wav'));
  const { body, boundary, fileStart } = multipartBody(file, 'filename="speech.wav"');
  const sent =
    cut === 'operations' ? 60 : cut === 'file-start' ? fileStart : fileStart + file.length / 2;
  const logsBefore = logLines.length;

  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.on('error', () => undefined);
  socket.write(requestHead(port, boundary, body.length));
  // In pieces, so the server is streaming while we are still "uploading".
  for (let at = 0; at < sent; at += 64 * 1024) {
    socket.write(body.subarray(at, Math.min(sent, at + 64 * 1024)));
    await new Promise((r) => setTimeout(r, 5));
  }
  if (cut === 'mid-file') {
    // The file is being written into a job directory when the client goes away.
    await until('the upload to reach the disk', () => t.jobDirs().length === 1);
  } else {
    await new Promise((r) => setTimeout(r, 100));
  }
  const dirsAtCut = t.jobDirs().length;
  const cutAt = performance.now();
  socket.destroy();

  await until('the job directory to be removed', () => t.jobDirs().length === 0);
  const cleanMs = Math.round(performance.now() - cutAt);
  await new Promise((r) => setTimeout(r, 200));
  expect(t.jobDirs()).toEqual([]);
  expect(await jobCount()).toBe(0);
  expect(errorLines(logsBefore)).toEqual([]);
  expect(unhandled).toEqual([]);
  const newLogs = logLines
    .slice(logsBefore)
    .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } });
  console.log(
    `disconnect ${cut}: sent ${sent} of ${body.length} B; job dirs at cut ${dirsAtCut}, after ${t.jobDirs().length} (removed ${cleanMs} ms after the cut); job rows 0; log lines: ${newLogs.map((l) => `${l.level}:${l.msg}${l.err?.message ? ` (${l.err.message})` : ''}`).join(' | ') || 'none'}`,
  );
});

test('a normal upload right after the disconnects works end to end', async () => {
  const logsBefore = logLines.length;
  const r = await t.upload(path.join(work, 'speech.wav'), null, 'после обрыва.wav');
  expect(r.errors).toBeUndefined();
  expect(r.data.uploadAudio.filename).toBe('после обрыва.wav');
  const job = await waitForStatus(t, r.data.uploadAudio.id, ['COMPLETED', 'FAILED'], 60_000);
  expect(job.status).toBe('COMPLETED');
  expect(await jobCount()).toBe(1);
  expect(errorLines(logsBefore)).toEqual([]);
  expect(unhandled).toEqual([]);
});
