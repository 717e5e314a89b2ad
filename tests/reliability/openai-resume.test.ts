/**
 * A 20-minute recording on the OpenAI-compatible engine, with real processes: an api and two
 * workers (`node dist/src/main.js`, WORKER_CONCURRENCY=1) on their own Redis db, SQLite in a temp
 * DATA_DIR, the OpenAI double (whisper.cpp flavour with two decoding slots, a 2 MiB request
 * limit here so the plan must respect it) in this process, OPENAI_STT_CONCURRENCY=2. The worker running the job is killed
 * with SIGKILL a third of the way through its units; the other worker resumes the saved plan.
 *
 * What a user relies on: the job completes once, every request stayed under the server's limit,
 * finished units were not sent again (audio billed ≤ 1.05 × the audio planned), and the
 * transcript has the fixture's text for every loop of the recording.
 *
 * Needs `npm run build:server` first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { manifest } from '../helpers/harness.js';
import {
  createCluster,
  flushRedisDb,
  makeLongRecording,
  transcriptCount,
  waitFor,
  waitForRow,
  type Cluster,
  type ServiceProc,
} from '../helpers/processes.js';
import { startOpenAiDouble, type OpenAiDouble } from '../openai-double/index.js';
import { loadManifests } from '../speechkit-double/manifest.js';
import { FIXTURES_DIR } from '../helpers/harness.js';
import { testRedisUrl } from '../helpers/redis-db.js';

const REDIS_URL = testRedisUrl('cluster2', 'TEST_CLUSTER2_REDIS_URL');
const RECORDING_SECONDS = 1200;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

let c: Cluster;
let whisper: OpenAiDouble;
let tmp: string;
let recording: string;
let redis: Redis;

beforeAll(async () => {
  await flushRedisDb(REDIS_URL);
  redis = new Redis(REDIS_URL);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-openai-resume-'));
  recording = await makeLongRecording(tmp, RECORDING_SECONDS);
  whisper = await startOpenAiDouble({
    flavour: 'whisper.cpp',
    manifests: loadManifests(FIXTURES_DIR),
    maxRequestBytes: MAX_REQUEST_BYTES,
    // A server with two decoding slots (the service sends two units at a time).
    concurrency: 2,
  });
  c = await createCluster({
    redisUrl: REDIS_URL,
    env: {
      OPENAI_STT_URL: whisper.url,
      STT_DEFAULT_ENGINE: 'openai',
      OPENAI_STT_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
      OPENAI_STT_MAX_CHUNK_SECONDS: '60',
      OPENAI_STT_CONCURRENCY: '2',
    },
  });
  await Promise.all([c.startApi(), c.startWorker(), c.startWorker()]);
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await c?.close();
  await whisper?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The worker process holding the job's lease (its value is `<host>:<pid>:<random>`). */
async function leaseHolder(id: string): Promise<ServiceProc | undefined> {
  const owner = await redis.get(`kazru:lease:${id}`);
  const pid = Number(owner?.split(':')[1]);
  return c.workers.find((w) => w.pid === pid && w.alive);
}

test('a 20-minute recording is chunked under the request limit and resumed after kill -9 without resending finished chunks', async () => {
  const started = Date.now();
  const up = await c.upload(recording);
  expect(up.errors).toBeUndefined();
  const id = up.data.uploadAudio.id as string;

  // Wait for the plan, then for a third of it to be answered.
  const units = await waitFor(
    'the recognition plan',
    () =>
      c.sql<{ n: number }>('select count(*) as n from recognition_units where job_id = ?', id)[0]
        .n || undefined,
    60_000,
    50,
  );
  const done = () =>
    c.sql<{ n: number }>(
      'select count(*) as n from recognition_units where job_id = ? and completed_at is not null',
      id,
    )[0].n;
  await waitFor('a third of the units answered', () => done() >= units / 3, 120_000, 20);
  const victim = await leaseHolder(id);
  expect(victim).toBeDefined();
  const doneAtKill = done();
  const requestsAtKill = whisper.requests.length;
  victim!.kill('SIGKILL');
  await victim!.exited;

  const row = await waitForRow(c, id, ['COMPLETED', 'FAILED'], 240_000);
  expect(row.status).toBe('COMPLETED');
  expect(row.attempts).toBe(2);
  expect(transcriptCount(c, id)).toBe(1);

  const requests = whisper.requests.filter((r) => r.path.endsWith('/audio/transcriptions'));
  // Every request fitted the server's limit (none was refused with 413).
  expect(requests.filter((r) => r.status === 413)).toEqual([]);
  expect(Math.max(...requests.map((r) => r.bodyBytes))).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  // Only the units in flight at the kill (concurrency 2) may have been sent twice.
  const finalUnits = c.sql<{ n: number }>(
    'select count(*) as n from recognition_units where job_id = ?',
    id,
  )[0].n;
  expect(requests.length).toBeLessThanOrEqual(finalUnits + 2);
  const planned = c.sql<{ s: number }>(
    'select sum(end_seconds - start_seconds) as s from recognition_units where job_id = ?',
    id,
  )[0].s;
  const billed = whisper.audioSecondsTotal();
  expect(billed).toBeLessThanOrEqual(planned * 1.05);
  expect(planned).toBeLessThan(RECORDING_SECONDS);

  // The transcript: the dialogue's four utterances for each complete loop.
  const segments = c.sql<{ text: string; language: string }>(
    'select s.text, s.language from segments s join transcripts t on t.id = s.transcript_id where t.job_id = ? order by s."index"',
    id,
  );
  const dialogue = manifest('dialogue-mono.ogg');
  const loops = Math.floor(RECORDING_SECONDS / dialogue.durationSeconds);
  expect(segments.length).toBeGreaterThanOrEqual(loops * dialogue.utterances.length);
  expect(segments.slice(0, 4).map((s) => s.language)).toEqual(
    dialogue.utterances.map((u) => u.language),
  );
  const minutes = RECORDING_SECONDS / 60;
  console.log(
    `[openai 20 min] ${finalUnits} units (${(finalUnits / minutes).toFixed(1)} requests per audio minute), ` +
      `${requests.length} requests, largest ${Math.round(Math.max(...requests.map((r) => r.bodyBytes)) / 1024)} KiB ` +
      `of ${MAX_REQUEST_BYTES / 1024} KiB; killed after ${doneAtKill}/${units} units (${requestsAtKill} requests); ` +
      `audio billed ${billed.toFixed(1)} s for ${planned.toFixed(1)} s planned of ${RECORDING_SECONDS} s recorded ` +
      `(${((billed / planned) * 100).toFixed(1)} %); ${segments.length} segments; ${Date.now() - started} ms in all`,
  );
}, 360_000);
