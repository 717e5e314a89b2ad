/**
 * SpeechKit's quotas hold across the whole deployment: 4 worker processes × 4 jobs each poll one
 * SpeechKit (the double, counting what arrives), and in no sliding second do more than 5
 * operation status checks arrive — SpeechKit's documented API v3 quota, kept by the
 * Redis-backed limiter every worker shares (`src/stt/request-limiter.ts`,
 * `src/stt/speechkit/quotas.ts`). Without it the 16 jobs' first polls alone come 16 within a
 * second or two.
 *
 * Tolerance: none is needed. The windows are the double's own arrival times, sliding (not clock
 * seconds); the limiter allows each of its 5 slots one request per second and re-arms a slot only
 * when that request has been answered, so two requests of one slot arrive more than a second
 * apart however late either was sent, on any machine load.
 *
 * Real processes (`npm run build:server` first): api and 4 workers from `dist/src/main.js`, Redis
 * database 12 (flushed; the other reliability files share 11), the double in this process.
 */
import path from 'node:path';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createCluster,
  flushRedisDb,
  freePort,
  jobRow,
  waitFor,
  type Cluster,
} from '../helpers/processes.js';
import { testRedisUrl } from '../helpers/redis-db.js';

const REDIS_URL = testRedisUrl('cluster2', 'TEST_QUOTA_REDIS_URL');
const WORKERS = 4;
const CONCURRENCY = 4;
const JOBS = 16;
/** SpeechKit: "Operation status check requests via API v3 per second: 5". */
const POLLS_PER_SECOND = 5;

let c: Cluster;
const metricsPorts: number[] = [];

beforeAll(async () => {
  await flushRedisDb(REDIS_URL);
  // Each job's operation answers done:false 4 times: 5 polls per job, 80 in all.
  c = await createCluster({
    redisUrl: REDIS_URL,
    pollsUntilDone: 4,
    env: { WORKER_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'info' },
  });
  for (let i = 0; i < WORKERS; i++) metricsPorts.push(await freePort());
  await Promise.all([
    c.startApi(),
    ...metricsPorts.map((port) => c.startWorker({ METRICS_PORT: String(port) })),
  ]);
}, 60_000);

afterAll(async () => {
  await c?.close();
});

/** Sum of a metric's samples (`name{…kind="…"…} value`) over every worker's /metrics. */
async function sumOverWorkers(name: string, kind: string): Promise<number> {
  let sum = 0;
  for (const port of metricsPorts) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const re = new RegExp(`^${name}\\{[^}]*kind="${kind}"[^}]*\\} ([0-9.e+-]+)$`, 'gm');
    for (const m of text.matchAll(re)) sum += Number(m[1]);
  }
  return sum;
}

it('4 workers × 4 jobs never send SpeechKit more than 5 status checks in any second', async () => {
  const files = ['dialogue-mono.ogg', 'call-stereo.ogg'].map((f) => path.join(FIXTURES_DIR, f));
  const uploads = await Promise.all(
    Array.from({ length: JOBS }, (_, i) => c.upload(files[i % files.length])),
  );
  const ids = uploads.map((u) => {
    const id = (u.data as { uploadAudio?: { id: string } } | undefined)?.uploadAudio?.id;
    if (!id) throw new Error(`upload failed: ${JSON.stringify(u.errors)}`);
    return id;
  });
  const started = Date.now();
  await waitFor(
    'all jobs to complete',
    () => {
      const rows = ids.map((id) => jobRow(c, id));
      const failed = rows.find((r) => r && ['FAILED', 'CANCELLED', 'EXPIRED'].includes(r.status));
      if (failed) throw new Error(`job ${failed.id} ended ${failed.status} (${failed.error_code})`);
      return rows.every((r) => r?.status === 'COMPLETED');
    },
    50_000,
    200,
  );
  const seconds = (Date.now() - started) / 1000;

  const d = c.double;
  const polls = d.peakRate('poll');
  const submits = d.peakRate('submit');
  const results = d.peakRate('result');
  const pollCount = d.requests.filter((r) => r.endpoint === 'poll').length;
  const waitedSeconds = await sumOverWorkers('kazru_quota_wait_seconds_sum', 'operationPolls');
  const permits = await sumOverWorkers('kazru_quota_wait_seconds_count', 'operationPolls');
  console.log(
    `speechkit quota: ${JOBS} jobs on ${WORKERS} workers × ${CONCURRENCY} done in ${seconds.toFixed(1)} s; ` +
      `max per sliding second: ${polls.count} polls (limit ${POLLS_PER_SECOND}), ${submits.count} submits, ` +
      `${results.count} result fetches; ${pollCount} polls in all, ${permits} poll permits, ` +
      `${waitedSeconds.toFixed(1)} s waited for them in all`,
  );

  expect(polls.count).toBeLessThanOrEqual(POLLS_PER_SECOND);
  expect(pollCount).toBe(JOBS * 5);
  expect(d.submits).toBe(JOBS);
  // The limiter did the pacing: the jobs' own schedule wanted more than 5 polls a second.
  expect(polls.count).toBe(POLLS_PER_SECOND);
  expect(permits).toBe(pollCount);
  expect(waitedSeconds).toBeGreaterThan(1);
}, 60_000);
