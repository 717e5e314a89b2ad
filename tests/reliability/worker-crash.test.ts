/**
 * Worker crashes and cancel, with real processes: an api and two workers (`node dist/src/main.js`,
 * WORKER_CONCURRENCY=1) on Redis db 11, SQLite in a temp DATA_DIR, the SpeechKit double in this
 * process. A worker is killed with SIGKILL mid-transcode and mid-recognition; the surviving
 * worker's stall check must re-queue the job, which then finishes once, with one transcript, one
 * SpeechKit submit, no ffmpeg left and no `*.part` file.
 *
 * Needs `npm run build:server` first. Run alone or with --runInBand (Redis db 11 is shared).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createCluster,
  ffmpegProcesses,
  flushRedisDb,
  jobRow,
  makeLongRecording,
  parentPid,
  partFiles,
  transcriptCount,
  waitFor,
  waitForRow,
  type Cluster,
  type ServiceProc,
} from '../helpers/processes.js';
import { testRedisUrl } from '../helpers/redis-db.js';

const REDIS_URL = testRedisUrl('cluster', 'TEST_CLUSTER_REDIS_URL');
const SHORT = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

let c: Cluster;
let tmp: string;
let longRecording: string;
let redis: Redis;

beforeAll(async () => {
  await flushRedisDb(REDIS_URL);
  redis = new Redis(REDIS_URL);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-crash-'));
  // 10 min of speech: transcoding takes several seconds, long enough to kill a worker in it.
  longRecording = await makeLongRecording(tmp, 600);
  c = await createCluster({ redisUrl: REDIS_URL, pollsUntilDone: 4 });
  await Promise.all([c.startApi(), c.startWorker(), c.startWorker()]);
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await c?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const jobDir = (id: string) => path.join(c.dataDir, 'jobs', id);
/** ffmpeg works in the job's scratch directory (`<DATA_DIR>/scratch/<jobId>-<random>/`). */
const scratchOf = (id: string) => path.join(c.dataDir, 'scratch', id);
const aliveWorkers = () => c.workers.filter((w) => w.alive);

/** The worker process holding the job's lease (its value is `<host>:<pid>:<random>`). */
async function leaseHolder(id: string): Promise<ServiceProc | undefined> {
  const owner = await redis.get(`kazru:lease:${id}`);
  const pid = Number(owner?.split(':')[1]);
  return c.workers.find((w) => w.pid === pid && w.alive);
}

async function upload(file: string): Promise<string> {
  const r = await c.upload(file);
  expect(r.errors).toBeUndefined();
  return r.data.uploadAudio.id as string;
}

/**
 * After a kill: the job ends COMPLETED on its second attempt with one transcript and one
 * SpeechKit submit since `submitsBefore`, and no `*.part` file or ffmpeg is left.
 */
async function expectCompletedOnce(id: string, submitsBefore: number) {
  const row = await waitForRow(c, id, ['COMPLETED', 'FAILED'], 60_000);
  expect(row.status).toBe('COMPLETED');
  expect(row.attempts).toBe(2);
  expect(transcriptCount(c, id)).toBe(1);
  const submits = c.double.submits - submitsBefore;
  expect(submits).toBe(1);
  expect(partFiles(c.dataDir)).toEqual([]);
  expect(ffmpegProcesses(c.dataDir)).toEqual([]);
  return { row, submits };
}

async function ensureTwoWorkers() {
  while (aliveWorkers().length < 2) await c.startWorker();
}

test('worker killed (SIGKILL) mid-transcode: re-run by the other worker, finishes once, no ffmpeg or part file left', async () => {
  await ensureTwoWorkers();
  const submitsBefore = c.double.submits;
  const id = await upload(longRecording);
  // ffmpeg writes into the job's scratch directory (`<DATA_DIR>/scratch/<jobId>-<random>/`).
  const part = () => partFiles(path.join(c.dataDir, 'scratch')).find((f) => f.includes(id));

  // Wait until ffmpeg is writing the part file, then kill the worker that runs it.
  const ffmpegPid = await waitFor(
    'ffmpeg writing the part file',
    () => {
      const pids = ffmpegProcesses(scratchOf(id));
      const file = part();
      return pids.length > 0 && file && fs.existsSync(file) && fs.statSync(file).size > 0
        ? pids[0]
        : undefined;
    },
    30_000,
    50,
  );
  const victim = c.workers.find((w) => w.pid === parentPid(ffmpegPid));
  expect(victim).toBeDefined();
  const killedAt = Date.now();
  victim!.kill('SIGKILL');
  await victim!.exited;

  // Its ffmpeg dies with it (the kernel's parent-death signal), without anyone's help.
  await waitFor(
    'the dead worker’s ffmpeg to exit',
    () => !ffmpegProcesses(scratchOf(id)).includes(ffmpegPid),
    2_000,
    10,
  );
  const ffmpegGoneMs = Date.now() - killedAt;

  // The survivor's stall check re-queues the job; it starts a new ffmpeg.
  const survivor = aliveWorkers()[0];
  await waitFor(
    'the job to be re-run by the surviving worker',
    () => ffmpegProcesses(scratchOf(id)).some((p) => parentPid(p) === survivor.pid),
    30_000,
    50,
  );
  const recoveryMs = Date.now() - killedAt;

  const { row, submits } = await expectCompletedOnce(id, submitsBefore);
  console.log(
    `[worker kill mid-transcode] ffmpeg of the killed worker gone after ${ffmpegGoneMs} ms; ` +
      `job re-run after ${recoveryMs} ms; attempts ${row.attempts}; submits ${submits}; ` +
      `completed ${Date.now() - killedAt} ms after the kill`,
  );
}, 120_000);

test('worker killed (SIGKILL) mid-recognition: the saved SpeechKit operation is resumed, not submitted again', async () => {
  await ensureTwoWorkers();
  const submitsBefore = c.double.submits;
  const id = await upload(SHORT);

  const row1 = await waitFor(
    'the SpeechKit operation to be submitted and polled',
    () => {
      const r = jobRow(c, id);
      const op = r?.stt_operation_id ? c.double.operations.get(r.stt_operation_id) : undefined;
      return op && op.polls >= 1 && !op.done ? r : undefined;
    },
    30_000,
    50,
  );
  const opId = row1.stt_operation_id!;
  const victim = await leaseHolder(id);
  expect(victim).toBeDefined();
  const killedAt = Date.now();
  victim!.kill('SIGKILL');
  await victim!.exited;

  const firstPollAfter = await waitFor(
    'polling of the same operation to resume',
    () =>
      c.double.requests.find(
        (r) => r.endpoint === 'poll' && r.at > killedAt && r.path.endsWith(opId),
      ),
    30_000,
    50,
  );
  const recoveryMs = firstPollAfter.at - killedAt;

  const { row, submits } = await expectCompletedOnce(id, submitsBefore);
  expect(row.stt_operation_id).toBe(opId);
  console.log(
    `[worker kill mid-recognition] polling of operation ${opId} resumed after ${recoveryMs} ms; ` +
      `attempts ${row.attempts}; submits ${submits}; completed ${Date.now() - killedAt} ms after the kill`,
  );
}, 120_000);

const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { id status } }`;

test('cancel mid-transcode kills ffmpeg and removes the files', async () => {
  await ensureTwoWorkers();
  const id = await upload(longRecording);
  await waitFor(
    'ffmpeg to run for the job',
    () => ffmpegProcesses(scratchOf(id)).length > 0,
    30_000,
    50,
  );
  const at = Date.now();
  const r = await c.gql(CANCEL, { id });
  expect(r.errors).toBeUndefined();
  expect(r.data.cancelJob.status).toBe('CANCELLED');
  await waitFor(
    'ffmpeg to be killed',
    () => ffmpegProcesses(scratchOf(id)).length === 0,
    5_000,
    20,
  );
  const killedMs = Date.now() - at;
  await waitFor('job files to be removed', () => !fs.existsSync(jobDir(id)), 5_000, 20);
  expect(jobRow(c, id)?.status).toBe('CANCELLED');
  // The api removes the stored files; the worker removes its scratch directory (with ffmpeg's
  // part file) once its run has unwound after the kill, a moment later.
  await waitFor(
    'the worker to remove its scratch',
    () => partFiles(c.dataDir).length === 0,
    5_000,
    20,
  );
  console.log(`[cancel mid-transcode] ffmpeg killed ${killedMs} ms after cancelJob`);
}, 60_000);

test('cancel mid-recognition abandons the SpeechKit operation (no more polls) and removes the files', async () => {
  await ensureTwoWorkers();
  const id = await upload(SHORT);
  const row = await waitFor(
    'the operation to be polled',
    () => {
      const r = jobRow(c, id);
      const op = r?.stt_operation_id ? c.double.operations.get(r.stt_operation_id) : undefined;
      return op && op.polls >= 1 ? r : undefined;
    },
    30_000,
    50,
  );
  const op = c.double.operations.get(row.stt_operation_id!)!;
  const r = await c.gql(CANCEL, { id });
  expect(r.data.cancelJob.status).toBe('CANCELLED');
  await waitFor('job files to be removed', () => !fs.existsSync(jobDir(id)), 5_000, 20);
  // An in-flight poll may still land; after that, nothing for 4 s (polls are ≥ 1 s apart).
  await new Promise((res) => setTimeout(res, 1500));
  const polls = op.polls;
  await new Promise((res) => setTimeout(res, 4000));
  expect(op.polls).toBe(polls);
  expect(op.done).toBe(false);
  expect(transcriptCount(c, id)).toBe(0);
  expect(jobRow(c, id)?.status).toBe('CANCELLED');
  console.log(`[cancel mid-recognition] polls stopped at ${polls}; files removed`);
}, 60_000);
