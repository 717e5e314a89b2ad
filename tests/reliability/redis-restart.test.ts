/**
 * Redis restarts, with real processes: an api and a worker (WORKER_CONCURRENCY=1) on a
 * redis-server of this test's own (free port, temp dir; never the shared one), once with AOF
 * persistence and once without (all queue data lost). Redis is SIGKILLed while one job is in
 * recognition and two wait in the queue.
 *
 * While Redis is away the api must answer an upload at once with SERVICE_UNAVAILABLE and store
 * nothing. After Redis is back, with nobody acting: every job completes exactly once (one
 * transcript, one SpeechKit submit each); without persistence the reconciler re-enqueues the lost
 * jobs; a new upload works (bee-queue's Lua scripts were flushed with the restart: NOSCRIPT).
 *
 * Needs `npm run build:server` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createCluster,
  ffmpegProcesses,
  jobRow,
  partFiles,
  sleep,
  startRedisServer,
  transcriptCount,
  waitFor,
  waitForRow,
  type Cluster,
  type RedisServer,
} from '../helpers/processes.js';

const SHORT = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

describe.each([
  ['with AOF persistence', true],
  ['without persistence (data lost)', false],
])('Redis restart %s', (label, appendonly) => {
  let redis: RedisServer;
  let c: Cluster;

  beforeAll(async () => {
    redis = await startRedisServer(appendonly);
    c = await createCluster({ redisUrl: redis.url, pollsUntilDone: 3 });
    await Promise.all([c.startApi(), c.startWorker()]);
  }, 60_000);

  afterAll(async () => {
    await c?.close();
    if (redis) {
      await redis.kill();
      fs.rmSync(redis.dir, { recursive: true, force: true });
    }
  });

  async function upload(): Promise<string> {
    const r = await c.upload(SHORT);
    expect(r.errors).toBeUndefined();
    return r.data.uploadAudio.id as string;
  }

  test('api fails fast while Redis is away; afterwards every job completes once without anyone acting', async () => {
    const ids = [await upload(), await upload(), await upload()];
    // The first is in recognition, the other two wait in the queue (concurrency 1).
    await waitFor(
      'the first job to be in recognition',
      () => {
        const r = jobRow(c, ids[0]);
        const op = r?.stt_operation_id ? c.double.operations.get(r.stt_operation_id) : undefined;
        return op && op.polls >= 1 && !op.done;
      },
      30_000,
      50,
    );
    expect(ids.slice(1).map((id) => jobRow(c, id)?.status)).toEqual(['QUEUED', 'QUEUED']);
    if (appendonly) await sleep(1_200); // appendfsync everysec: let the AOF catch up

    await redis.kill();
    const downAt = Date.now();

    // While Redis is away: a clear, fast error, and nothing stored.
    const rowsBefore = c.sql<{ n: number }>('select count(*) as n from jobs')[0].n;
    const dirsBefore = fs.readdirSync(path.join(c.dataDir, 'jobs')).length;
    const up = await c.upload(SHORT);
    expect(up.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(up.ms).toBeLessThan(2_500);
    expect(c.sql<{ n: number }>('select count(*) as n from jobs')[0].n).toBe(rowsBefore);
    expect(fs.readdirSync(path.join(c.dataDir, 'jobs')).length).toBe(dirsBefore);
    const list = await c.gql(`{ jobs(first: 10) { totalCount } }`);
    expect(list.data.jobs.totalCount).toBe(3);
    expect(list.ms).toBeLessThan(2_500);
    await sleep(Math.max(0, 3_000 - (Date.now() - downAt)));

    await redis.start();
    const upAt = Date.now();
    const outage = upAt - downAt;

    for (const id of ids) {
      const row = await waitForRow(c, id, ['COMPLETED', 'FAILED'], 60_000);
      expect(row.status).toBe('COMPLETED');
      expect(transcriptCount(c, id)).toBe(1);
    }
    const allDoneMs = Date.now() - upAt;
    expect(c.double.submits).toBe(3);

    // A new upload after the restart goes through (NOSCRIPT handled) and completes.
    const after = await c.upload(SHORT);
    expect(after.errors).toBeUndefined();
    const row = await waitForRow(c, after.data.uploadAudio.id as string, ['COMPLETED'], 30_000);
    expect(transcriptCount(c, row.id)).toBe(1);
    expect(c.double.submits).toBe(4);

    const workerLog = c.workers.map((w) => w.output()).join('\n');
    const reEnqueued = /reconciler re-enqueued/.test(workerLog);
    if (!appendonly) expect(reEnqueued).toBe(true);
    const attempts = ids.map((id) => jobRow(c, id)!.attempts);
    expect(partFiles(c.dataDir)).toEqual([]);
    expect(ffmpegProcesses(c.dataDir)).toEqual([]);
    console.log(
      `[redis restart ${label}] upload while down answered SERVICE_UNAVAILABLE in ${up.ms} ms ` +
        `(jobs query ${list.ms} ms); outage ${outage} ms; all 3 jobs COMPLETED ${allDoneMs} ms ` +
        `after Redis was back; reconciler re-enqueued: ${reEnqueued}; attempts ${attempts.join(
          ',',
        )}; submits ${c.double.submits} for 4 jobs`,
    );
  }, 150_000);
});
