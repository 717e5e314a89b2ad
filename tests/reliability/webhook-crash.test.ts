/**
 * Webhooks survive worker crashes (issue 14), with real processes: an api and workers
 * (`node dist/src/main.js`), SQLite in a temp DATA_DIR, Redis db of this jest worker, the
 * SpeechKit double and a real HTTP receiver in this process.
 *
 * 1. Killed between the status change and the delivery: the job's worker does not deliver
 *    (`WEBHOOK_DISPATCH=false`), so the job ends COMPLETED with its event committed and nobody
 *    sends it; the worker is killed with SIGKILL; a new worker finds the outbox row and the
 *    callback arrives once, with the event's one webhook-id.
 * 2. Killed mid-attempt (the receiver holds the request): the next worker retries once the
 *    dead worker's claim lapses, with the same webhook-id (at least once, never a new id).
 *
 * Needs `npm run build:server` first.
 */
import path from 'node:path';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createCluster,
  flushRedisDb,
  waitFor,
  waitForRow,
  type Cluster,
} from '../helpers/processes.js';
import { testRedisUrl } from '../helpers/redis-db.js';
import { startReceiver, verify, type Receiver } from '../helpers/webhook-receiver.js';

const REDIS_URL = testRedisUrl('cluster', 'TEST_CLUSTER_REDIS_URL');
const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const TIMEOUT_MS = 1_000;

let c: Cluster;
let rx: Receiver;

beforeAll(async () => {
  await flushRedisDb(REDIS_URL);
  rx = await startReceiver();
  c = await createCluster({
    redisUrl: REDIS_URL,
    env: {
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.5,1,1',
      WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_POLL_INTERVAL_MS: '200',
    },
  });
  await c.startApi();
}, 60_000);

afterAll(async () => {
  await c?.close();
  await rx?.close();
});

async function endpoint(p: string): Promise<{ id: string; secret: string }> {
  const r = await c.gql(
    `mutation($url: String!) { createWebhookEndpoint(url: $url, events: [JOB_COMPLETED]) { secret endpoint { id } } }`,
    { url: rx.url(p) },
  );
  expect(r.errors).toBeUndefined();
  return {
    id: r.data.createWebhookEndpoint.endpoint.id,
    secret: r.data.createWebhookEndpoint.secret,
  };
}

async function upload(): Promise<string> {
  const r = await c.upload(FIXTURE);
  expect(r.errors).toBeUndefined();
  return r.data.uploadAudio.id as string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('worker killed after the job completed and before delivery: another worker delivers the callback once, with one webhook-id', async () => {
  const ep = await endpoint('/after-crash');
  const quiet = await c.startWorker({ WEBHOOK_DISPATCH: 'false' });
  const id = await upload();
  await waitForRow(c, id, ['COMPLETED'], 30_000);
  const events = c.sql<{ id: string; dispatched_at: unknown }>(
    `select id, dispatched_at from webhook_events where type = 'job.completed' and payload like ?`,
    `%${id}%`,
  );
  expect(events).toHaveLength(1);
  expect(events[0]!.dispatched_at).toBeNull();
  await sleep(500);
  expect(rx.at('/after-crash')).toHaveLength(0);
  quiet.kill('SIGKILL');
  await quiet.exited;

  const killedAt = Date.now();
  await c.startWorker();
  await waitFor('the callback', () => rx.at('/after-crash').length > 0, 20_000);
  const tookMs = rx.at('/after-crash')[0]!.at - killedAt;
  await sleep(1_500); // a duplicate would have arrived by now (poll 200 ms)
  const got = rx.at('/after-crash');
  expect(got).toHaveLength(1);
  expect(got[0]!.headers['webhook-id']).toBe(events[0]!.id);
  expect(verify(ep.secret, got[0]!).data).toMatchObject({ jobId: id, status: 'COMPLETED' });
  console.log(`callback after kill -9 and a new worker's start: ${tookMs} ms`);
}, 60_000);

test('worker killed while its attempt is in flight: the next worker retries with the same webhook-id once the claim lapses', async () => {
  await endpoint('/in-flight');
  rx.script('/in-flight', [{ status: 200, delayMs: 10_000 }]);
  const id = await upload();
  await waitFor('the first attempt', () => rx.at('/in-flight').length === 1, 30_000, 20);
  for (const w of c.workers.filter((x) => x.alive)) {
    w.kill('SIGKILL');
    await w.exited;
  }
  await c.startWorker();
  await waitFor('the retry', () => rx.at('/in-flight').length >= 2, 20_000);
  const got = rx.at('/in-flight');
  expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
  // The claim covers the timeout plus 5 s: the retry does not start while the first may still run.
  expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(TIMEOUT_MS + 4_000);
  const row = await waitFor('DELIVERED', () => {
    const r = c.sql<{ status: string; attempts: number }>(
      `select d.status, d.attempts from webhook_deliveries d join webhook_events e on e.id = d.event_id
       where e.payload like ?`,
      `%${id}%`,
    )[0];
    return r?.status === 'DELIVERED' ? r : undefined;
  });
  expect(row.attempts).toBe(1); // the killed attempt was never recorded; the retry was
}, 60_000);
