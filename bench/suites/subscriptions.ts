/**
 * Live progress at scale: N graphql-ws subscribers of one job's `jobProgress` (each on its own
 * WebSocket, as N browsers or partner systems would be), against a bare `ws` fan-out of the same
 * Redis channel (`bench/baselines/ws-fanout.ts`), in the same run:
 * - api memory per idle subscription (RSS after all are subscribed and settled, minus before,
 *   divided by N);
 * - delivery spread of an event published on Redis: from its first to its 99th-percentile
 *   arrival across the N clients (median over several events).
 * Subscribers select `job { id status progress }` too, so an event that made every subscriber
 * read the job row would show here.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/config.js';
import { initOrm } from '../../src/db/orm.js';
import { JobStatus } from '../../src/domain.js';
import { createJobEvents } from '../../src/jobs/events.js';
import { seedCompletedJob, setJobState } from '../../tests/helpers/long-transcript.js';
import {
  createCluster,
  flushRedisDb,
  REPO_ROOT,
  sleep,
  waitFor,
} from '../../tests/helpers/processes.js';
import { rss } from '../lib/probe.js';
import { fmtMB, percentile, type Row } from '../lib/stats.js';

// `BENCH_REDIS_URL` picks the Redis (default db 13 on 6379, like the other suites).
const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const QUERY = `subscription($id: ID!) { jobProgress(id: $id) { jobId status progress message job { id status progress } } }`;

/** Options of {@link runSubscriptions}. */
export interface SubscriptionOptions {
  subscribers: number;
  /** Events published (spread is the median over them). */
  events: number;
}

/** Arrival times (performance.now(), ms) of each event at each client. */
type Arrivals = number[][];

/** Runs the suite and returns its report rows. */
export async function runSubscriptions(opts: SubscriptionOptions): Promise<Row[]> {
  await flushRedisDb(BENCH_REDIS_URL);
  const cluster = await createCluster({
    redisUrl: BENCH_REDIS_URL,
    env: { NODE_ENV: 'production' },
  });
  const events = createJobEvents(BENCH_REDIS_URL);
  try {
    const jobId = await seedRunningJob(cluster.dataDir);
    const api = await cluster.startApi();
    const app = await measureApp(api.port!, api.pid, jobId, opts, (p) =>
      events.publishProgress({ jobId, status: JobStatus.TRANSCRIBING, progress: p }),
    );
    const base = await measureBaseline(jobId, opts, (p) =>
      events.publishProgress({ jobId, status: JobStatus.TRANSCRIBING, progress: p }),
    );
    const perSub = (m: Measured) => m.rssDelta / opts.subscribers;
    const spreadRatio = app.spreadMs / base.spreadMs;
    return [
      {
        suite: 'subscriptions',
        measure: `api memory per idle jobProgress subscription (${opts.subscribers} subscribers)`,
        value: `${(perSub(app) / 1024).toFixed(0)} KB (+${fmtMB(app.rssDelta)} in all)`,
        baseline: `raw ws fan-out ${(perSub(base) / 1024).toFixed(0)} KB (+${fmtMB(base.rssDelta)})`,
        target: '≤ 40 KB',
        pass: perSub(app) <= 40 * 1024,
      },
      {
        suite: 'subscriptions',
        measure: `delivery spread first → p99 at ${opts.subscribers} subscribers (median of ${opts.events} events)`,
        value: `${app.spreadMs.toFixed(1)} ms`,
        baseline: `raw ws fan-out ${base.spreadMs.toFixed(1)} ms`,
        ratio: spreadRatio,
        target: '≤ 1.3× baseline',
        pass: spreadRatio <= 1.3,
      },
    ];
  } finally {
    await events.close();
    await cluster.close();
  }
}

interface Measured {
  rssDelta: number;
  spreadMs: number;
}

async function seedRunningJob(dataDir: string): Promise<string> {
  const orm = await initOrm(loadConfig({ DATA_DIR: dataDir }));
  try {
    const em = orm.em.fork();
    const { jobId } = await seedCompletedJob(em, 60);
    await setJobState(em, jobId, JobStatus.TRANSCRIBING, 40);
    return jobId;
  } finally {
    await orm.close();
  }
}

/**
 * The app's subscribers speak graphql-transport-ws over plain `ws` sockets (connection_init,
 * subscribe), and an event's arrival is stamped when its message arrives, before it is parsed —
 * the same client-side work as the baseline's, so the spread is the server's.
 */
async function measureApp(
  port: number,
  pid: number,
  jobId: string,
  opts: SubscriptionOptions,
  publish: (progress: number) => void,
): Promise<Measured> {
  await sleep(1000);
  const idle = rss(pid).current;
  const arrivals: Arrivals = [];
  const sockets: WebSocket[] = [];
  let subscribed = 0;
  const subscribe = JSON.stringify({
    id: '1',
    type: 'subscribe',
    payload: { query: QUERY, variables: { id: jobId } },
  });
  for (let i = 0; i < opts.subscribers; i++) {
    const mine: number[] = [];
    arrivals.push(mine);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    sockets.push(ws);
    let first = true;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const type = (JSON.parse(data.toString()) as { type: string }).type;
      if (type === 'connection_ack') ws.send(subscribe);
      else if (type === 'next' && first) {
        first = false;
        subscribed++;
      } else if (type === 'next') mine.push(at);
      else if (type === 'error') console.error('subscription error', data.toString());
    });
    if (i % 100 === 99) await waitFor('subscribers', () => subscribed === i + 1, 60_000, 20);
  }
  await waitFor('all subscribers', () => subscribed === opts.subscribers, 60_000, 20);
  await sleep(2000);
  const rssDelta = rss(pid).current - idle;
  const spreadMs = await publishAll(arrivals, opts.events, publish);
  for (const ws of sockets) ws.terminate();
  return { rssDelta, spreadMs };
}

async function measureBaseline(
  jobId: string,
  opts: SubscriptionOptions,
  publish: (progress: number) => void,
): Promise<Measured> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'dist/bench/baselines/ws-fanout.js'), BENCH_REDIS_URL],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const port = await waitFor('the ws fan-out baseline', () => /listening (\d+)/.exec(out)?.[1]);
    await sleep(1000);
    const idle = rss(child.pid!).current;
    const arrivals: Arrivals = [];
    const sockets: WebSocket[] = [];
    let subscribed = 0;
    for (let i = 0; i < opts.subscribers; i++) {
      const mine: number[] = [];
      arrivals.push(mine);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      sockets.push(ws);
      ws.on('open', () => ws.send(`job-progress:${jobId}`));
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        const text = data.toString();
        if (text === 'subscribed') subscribed++;
        else if ((JSON.parse(text) as { jobId?: string }).jobId) mine.push(at);
      });
      if (i % 100 === 99) await waitFor('sockets', () => subscribed === i + 1, 60_000, 20);
    }
    await waitFor('all sockets', () => subscribed === opts.subscribers, 60_000, 20);
    await sleep(2000);
    const rssDelta = rss(child.pid!).current - idle;
    const spreadMs = await publishAll(arrivals, opts.events, publish);
    for (const ws of sockets) ws.terminate();
    return { rssDelta, spreadMs };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Publishes `events` progress events 300 ms apart; returns the median first→p99 spread (ms). */
async function publishAll(
  arrivals: Arrivals,
  events: number,
  publish: (progress: number) => void,
): Promise<number> {
  for (let e = 0; e < events; e++) {
    publish(41 + e);
    await waitFor(
      'the event at every client',
      () => arrivals.every((a) => a.length > e),
      30_000,
      5,
    );
    await sleep(300);
  }
  const spreads: number[] = [];
  for (let e = 0; e < events; e++) {
    const times = arrivals.map((a) => a[e]);
    spreads.push(percentile(times, 99) - Math.min(...times));
  }
  return percentile(spreads, 50);
}
