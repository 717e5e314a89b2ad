/**
 * Poison job, with real processes: a recording whose processing kills its worker every time.
 *
 * How the crash is caused: the test plays the fatal bug. Whenever a worker starts ffmpeg for the
 * poison job, the test SIGKILLs that worker (found as ffmpeg's parent process) and starts a
 * replacement, as a supervisor would. Nothing in the service knows about this; no test hook exists
 * in production code. bee-queue alone would re-queue the job after every stall forever; the
 * service must count the attempts on the job row and end it FAILED with WORKER_CRASHED after
 * MAX_ATTEMPTS (4), while the other jobs complete.
 *
 * Needs `npm run build:server` first. Run alone or with --runInBand (Redis db 11 is shared).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createCluster,
  ffmpegProcesses,
  flushRedisDb,
  jobRow,
  makeLongRecording,
  parentPid,
  partFiles,
  sleep,
  transcriptCount,
  waitForRow,
  type Cluster,
} from '../helpers/processes.js';
import { testRedisUrl } from '../helpers/redis-db.js';

const REDIS_URL = testRedisUrl('cluster', 'TEST_CLUSTER_REDIS_URL');
const SHORT = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const MAX_ATTEMPTS = 4;

let c: Cluster;
let tmp: string;
let longRecording: string;

beforeAll(async () => {
  await flushRedisDb(REDIS_URL);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-poison-'));
  longRecording = await makeLongRecording(tmp, 300);
  c = await createCluster({ redisUrl: REDIS_URL, pollsUntilDone: 2 });
  await Promise.all([c.startApi(), c.startWorker(), c.startWorker()]);
}, 60_000);

afterAll(async () => {
  await c?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function upload(file: string): Promise<string> {
  const r = await c.upload(file);
  expect(r.errors).toBeUndefined();
  return r.data.uploadAudio.id as string;
}

test('a job that kills its worker every time ends FAILED (WORKER_CRASHED) after 4 attempts; other jobs complete', async () => {
  const started = Date.now();
  const poison = await upload(longRecording);
  const others = [await upload(SHORT), await upload(SHORT), await upload(SHORT)];
  // ffmpeg works in the job's scratch directory (`<DATA_DIR>/scratch/<jobId>-<random>/`).
  const poisonDir = path.join(c.dataDir, 'scratch', poison);

  const kills: { at: number; attempts: number }[] = [];
  const seen = new Set<number>();
  const deadline = Date.now() + 150_000;
  let replacements: Promise<unknown> = Promise.resolve();
  for (;;) {
    const row = jobRow(c, poison);
    if (row && ['FAILED', 'COMPLETED'].includes(row.status)) break;
    if (Date.now() > deadline) throw new Error(`poison job still ${row?.status}`);
    for (const pid of ffmpegProcesses(poisonDir)) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      const worker = c.workers.find((w) => w.alive && w.pid === parentPid(pid));
      if (!worker) continue;
      worker.kill('SIGKILL');
      kills.push({ at: Date.now(), attempts: jobRow(c, poison)!.attempts });
      replacements = replacements.then(() => c.startWorker());
    }
    await sleep(50);
  }
  await replacements;

  const row = jobRow(c, poison)!;
  expect(row.status).toBe('FAILED');
  expect(row.error_code).toBe('WORKER_CRASHED');
  expect(row.attempts).toBe(MAX_ATTEMPTS);
  expect(kills).toHaveLength(MAX_ATTEMPTS);
  expect(transcriptCount(c, poison)).toBe(0);
  const failedAfterMs = Date.now() - started;

  for (const id of others) {
    const r = await waitForRow(c, id, ['COMPLETED', 'FAILED'], 60_000);
    expect(r.status).toBe('COMPLETED');
    expect(transcriptCount(c, id)).toBe(1);
  }
  const gql = await c.gql(`query($id: ID!) { job(id: $id) { status errorCode errorMessage } }`, {
    id: poison,
  });
  expect(gql.data.job).toMatchObject({ status: 'FAILED', errorCode: 'WORKER_CRASHED' });
  expect(partFiles(c.dataDir)).toEqual([]);
  expect(ffmpegProcesses(c.dataDir)).toEqual([]);
  const gaps = kills.slice(1).map((k, i) => k.at - kills[i].at);
  console.log(
    `[poison job] worker killed ${kills.length} times (attempts at each kill: ${kills
      .map((k) => k.attempts)
      .join(', ')}); re-run intervals ${gaps.join(', ')} ms; FAILED WORKER_CRASHED ` +
      `${failedAfterMs} ms after upload; other jobs: ${others.length} COMPLETED, 1 transcript each; ` +
      `submits ${c.double.submits}`,
  );
}, 200_000);
