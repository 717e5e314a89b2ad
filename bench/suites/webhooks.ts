/**
 * Webhook delivery at the service's real settings (issue 14's figures): the api and a worker as
 * processes, a real HTTP receiver in this process verifying every signature with the
 * `standardwebhooks` package, and the default retry schedule with its jitter (5 s, 5 min, 30 min,
 * … ±20 %; `src/config/webhooks.ts`), not a compressed one.
 *
 * - callback latency: `job.completed` received − the job's `completedAt`, over several jobs;
 * - a receiver that fails (503) for `outageSeconds` from the moment the job completes: when the
 *   callback finally arrives, after how many attempts, and how long after the receiver was back.
 *   With the default schedule the attempt after a 2-minute outage is the 5-minute one.
 *
 * Redis: `BENCH_REDIS_URL` (default db 13 on 6379, like the other suites).
 */
import path from 'node:path';
import { FIXTURES_DIR } from '../../tests/helpers/harness.js';
import {
  createCluster,
  flushRedisDb,
  waitFor,
  type Cluster,
} from '../../tests/helpers/processes.js';
import { startReceiver, verify, type Receiver } from '../../tests/helpers/webhook-receiver.js';
import { percentile, summarize, type Row } from '../lib/stats.js';

const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

/** What to run. */
export interface WebhookOptions {
  /** Jobs whose callback latency is measured (one receiver that answers 200). */
  jobs: number;
  /** Length of the receiver outage in seconds; 0 skips that part. */
  outageSeconds: number;
}

const CREATE = `mutation($url: String!) {
  createWebhookEndpoint(url: $url, events: [JOB_COMPLETED], description: "bench") { secret endpoint { id } } }`;

/** Runs the suite and returns its report rows. */
export async function runWebhooks(opts: WebhookOptions): Promise<Row[]> {
  await flushRedisDb(BENCH_REDIS_URL);
  const rx = await startReceiver();
  const cluster = await createCluster({
    redisUrl: BENCH_REDIS_URL,
    pollsUntilDone: 1,
    env: {
      NODE_ENV: 'production',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    },
  });
  try {
    await Promise.all([cluster.startApi(), cluster.startWorker()]);
    const rows = [await latency(cluster, rx, opts.jobs)];
    if (opts.outageSeconds > 0) rows.push(await outage(cluster, rx, opts.outageSeconds));
    return rows;
  } finally {
    await cluster.close();
    await rx.close();
  }
}

async function endpoint(cluster: Cluster, url: string): Promise<string> {
  const r = await cluster.gql(CREATE, { url });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.createWebhookEndpoint.secret as string;
}

async function upload(cluster: Cluster): Promise<string> {
  const r = await cluster.upload(FIXTURE);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.uploadAudio.id as string;
}

async function completedAt(cluster: Cluster, id: string): Promise<number> {
  const at = await waitFor(
    `job ${id} completed`,
    async () => {
      const r = await cluster.gql(`query($id: ID!) { job(id: $id) { status completedAt } }`, {
        id,
      });
      if (r.data?.job?.status === 'FAILED') throw new Error(`job ${id} failed`);
      return r.data?.job?.status === 'COMPLETED' ? (r.data.job.completedAt as string) : undefined;
    },
    120_000,
    50,
  );
  return Date.parse(at);
}

/** Signature-verified `job.completed` callbacks for `id` on `path`, in arrival order. */
function callbacksFor(rx: Receiver, path: string, secret: string, id: string) {
  return rx.at(path).filter((req) => verify(secret, req).data.jobId === id);
}

async function latency(cluster: Cluster, rx: Receiver, jobs: number): Promise<Row> {
  const secret = await endpoint(cluster, rx.url('/latency'));
  const samples: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const id = await upload(cluster);
    const done = await completedAt(cluster, id);
    const [first] = await waitFor(
      `callback for ${id}`,
      () => {
        const got = callbacksFor(rx, '/latency', secret, id);
        return got.length > 0 ? got : undefined;
      },
      30_000,
      20,
    );
    samples.push(first!.at - done);
  }
  const s = summarize(samples);
  const p95 = percentile(samples, 95);
  return {
    suite: 'webhooks',
    measure: `job.completed callback latency after completedAt (${jobs} jobs, signatures verified)`,
    value: `p50 ${s.p50} ms, p95 ${p95} ms (${s.min}–${s.max})`,
    target: 'p95 ≤ 2000 ms',
    pass: p95 <= 2000,
  };
}

async function outage(cluster: Cluster, rx: Receiver, seconds: number): Promise<Row> {
  const secret = await endpoint(cluster, rx.url('/outage'));
  // Down before the job completes (its first attempt is immediate), back `seconds` after.
  rx.failUntil('/outage', Number.POSITIVE_INFINITY, 503);
  const id = await upload(cluster);
  const done = await completedAt(cluster, id);
  const backAt = done + seconds * 1000;
  rx.failUntil('/outage', backAt, 503);
  const attempts = await waitFor(
    `callback for ${id} after a ${seconds} s outage`,
    () => {
      const got = callbacksFor(rx, '/outage', secret, id);
      return got.some((r) => r.at >= backAt) ? got : undefined;
    },
    (seconds + 15 * 60) * 1000,
    200,
  );
  const delivered = attempts.find((r) => r.at >= backAt)!;
  const ids = new Set(attempts.map((r) => r.headers['webhook-id']));
  const min = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  return {
    suite: 'webhooks',
    measure: `receiver answering 503 for ${seconds / 60} min after the job completed (default schedule 5 s, 5 min, 30 min … ±20 %)`,
    value:
      `delivered ${min(delivered.at - done)} after completion, ${min(delivered.at - backAt)} after the receiver was back; ` +
      `${attempts.length} attempts, ${ids.size} webhook-id`,
    target: 'delivered once back, one webhook-id',
    pass: ids.size === 1,
  };
}
