/**
 * Graceful shutdown with real processes (api + workers on Redis db 11).
 * - A worker given SIGTERM while a job is in recognition, with a 1 s grace period, stops, hands
 *   the job straight back (another worker resumes the same SpeechKit operation well before stall
 *   detection would) and exits 0; the stopped run is not counted as an attempt.
 * - With a long grace period the worker finishes the job first, then exits 0.
 * - The api given SIGTERM closes its GraphQL WebSockets with 1001 "Going away" and exits 0.
 *
 * Needs `npm run build:server` first. Run alone or with --runInBand (Redis db 11 is shared).
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createCluster,
  flushRedisDb,
  jobRow,
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
let redis: Redis;

beforeAll(async () => {
  await flushRedisDb(REDIS_URL);
  redis = new Redis(REDIS_URL);
  c = await createCluster({ redisUrl: REDIS_URL, pollsUntilDone: 4 });
  await c.startApi();
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await c?.close();
});

async function leaseHolder(id: string): Promise<ServiceProc | undefined> {
  const owner = await redis.get(`kazru:lease:${id}`);
  const pid = Number(owner?.split(':')[1]);
  return c.workers.find((w) => w.pid === pid && w.alive);
}

async function uploadAndWaitForRecognition(): Promise<{ id: string; opId: string }> {
  const r = await c.upload(SHORT);
  expect(r.errors).toBeUndefined();
  const id = r.data.uploadAudio.id as string;
  const row = await waitFor(
    'the job to be in recognition',
    () => {
      const j = jobRow(c, id);
      const op = j?.stt_operation_id ? c.double.operations.get(j.stt_operation_id) : undefined;
      return op && op.polls >= 1 && !op.done ? j : undefined;
    },
    30_000,
    50,
  );
  return { id, opId: row.stt_operation_id! };
}

test('SIGTERM mid-recognition with a 1 s grace: job handed back at once, resumed by the other worker, exit code 0', async () => {
  await Promise.all([
    c.startWorker({ WORKER_SHUTDOWN_GRACE_SECONDS: '1' }),
    c.startWorker({ WORKER_SHUTDOWN_GRACE_SECONDS: '1' }),
  ]);
  const submitsBefore = c.double.submits;
  const { id, opId } = await uploadAndWaitForRecognition();
  const holder = (await leaseHolder(id))!;
  expect(holder).toBeDefined();
  const at = Date.now();
  holder.kill('SIGTERM');
  const exit = await holder.exited;
  const exitMs = Date.now() - at;
  expect(exit).toEqual({ code: 0, signal: null });

  const resumed = await waitFor(
    'the other worker to poll the same operation',
    () =>
      c.double.requests.find((r) => r.endpoint === 'poll' && r.at > at && r.path.endsWith(opId)),
    20_000,
    20,
  );
  const handBackMs = resumed.at - at;
  // Faster than stall detection (≥ 5 s) plus a lapsed lease: the job was handed back.
  expect(handBackMs).toBeLessThan(4_500);
  const row = await waitForRow(c, id, ['COMPLETED', 'FAILED'], 30_000);
  expect(row.status).toBe('COMPLETED');
  expect(row.attempts).toBe(1);
  expect(transcriptCount(c, id)).toBe(1);
  expect(c.double.submits - submitsBefore).toBe(1);
  expect(holder.output()).toMatch(/job handed back to the queue/);
  console.log(
    `[SIGTERM worker, grace 1 s] exited 0 after ${exitMs} ms; other worker resumed the operation ` +
      `${handBackMs} ms after SIGTERM; attempts ${row.attempts}; submits 1`,
  );
}, 90_000);

test('SIGTERM with a long grace: the running job finishes first, then the worker exits 0', async () => {
  for (const w of c.workers) w.kill('SIGKILL');
  await Promise.all(c.workers.map((w) => w.exited));
  const worker = await c.startWorker({ WORKER_SHUTDOWN_GRACE_SECONDS: '30' });
  const { id } = await uploadAndWaitForRecognition();
  const at = Date.now();
  worker.kill('SIGTERM');
  const exit = await worker.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  const row = jobRow(c, id)!;
  expect(row.status).toBe('COMPLETED');
  expect(row.attempts).toBe(1);
  expect(transcriptCount(c, id)).toBe(1);
  console.log(
    `[SIGTERM worker, grace 30 s] finished the job and exited 0 after ${Date.now() - at} ms`,
  );
}, 90_000);

test('SIGTERM to the api closes GraphQL WebSockets with 1001 and exits 0', async () => {
  const api = c.api!;
  const ws = new WebSocket(`ws://127.0.0.1:${api.port}/graphql`, 'graphql-transport-ws');
  const acked = new Promise<void>((resolve, reject) => {
    ws.on('message', (m: Buffer) => {
      if ((JSON.parse(m.toString('utf8')) as { type: string }).type === 'connection_ack') resolve();
    });
    ws.on('error', reject);
  });
  await new Promise<void>((resolve) => ws.on('open', () => resolve()));
  ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await acked;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  api.kill('SIGTERM');
  const close = await closed;
  const exit = await api.exited;
  expect(close.code).toBe(1001);
  expect(exit).toEqual({ code: 0, signal: null });
  console.log(`[SIGTERM api] WebSocket closed with ${close.code} "${close.reason}"; exit code 0`);
}, 30_000);
