/**
 * The engine-neutral request limiter against real Redis: limits hold in every sliding window
 * across limiter instances on separate connections (as across worker processes), a waiting
 * request gives way to its abort signal, and without Redis each process limits on its own.
 *
 * Redis database 10 with a fresh scope per run (never flushed, keys removed afterwards), so it
 * can run beside suites that flush their own databases. Assertions on time are lower bounds
 * only: the limiter can make requests wait longer on a loaded machine, never shorter.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  createRequestLimiter,
  QUOTA_KEY_PREFIX,
  type QuotaWaitEvent,
  type RequestLimiter,
} from '../../../src/stt/request-limiter.js';
import { testRedisUrl } from '../../helpers/redis-db.js';

const REDIS_URL = testRedisUrl('limiter', 'TEST_LIMITER_REDIS_URL');
const scope = randomUUID();
const clients: Redis[] = [];

function client(): Redis {
  const r = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
}

afterAll(async () => {
  const r = clients[0] ?? client();
  const keys = await r.keys(`${QUOTA_KEY_PREFIX}:test:${scope}*`);
  if (keys.length > 0) await r.del(...keys);
  for (const c of clients) c.disconnect();
});

/** Largest number of `times` (ms) in any half-open window of `windowMs`. */
function peak(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Takes `n` permits of `kind` at once, "sends" each for `holdMs`, returns the grant times. */
async function burst(limiters: RequestLimiter[], kind: string, n: number, holdMs = 20) {
  const granted: number[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const permit = await limiters[i % limiters.length].acquire(kind);
      granted.push(performance.timeOrigin + performance.now());
      await new Promise((r) => setTimeout(r, holdMs));
      permit.release();
    }),
  );
  return granted;
}

const ready = async (r: Redis) => {
  if (r.status !== 'ready') await new Promise((res) => r.once('ready', res));
  return r;
};

describe('createRequestLimiter', () => {
  it('holds the limit in every sliding window, shared by limiters on separate connections', async () => {
    const limits = { polls: { points: 3, perSeconds: 1 } };
    const events: QuotaWaitEvent[] = [];
    const make = async () =>
      createRequestLimiter({
        engine: 'test',
        scope: `${scope}-shared`,
        limits,
        redis: await ready(client()),
        onWait: (e) => events.push(e),
      });
    const limiters = [await make(), await make()];
    const granted = await burst(limiters, 'polls', 10);
    const first = Math.min(...granted);
    console.log(
      `limiter: 10 permits at 3/s over two connections; max in a sliding second ${peak(granted, 1000)}; last after ${(Math.max(...granted) - first).toFixed(0)} ms`,
    );
    expect(peak(granted, 1000)).toBeLessThanOrEqual(3);
    // 10 permits at 3 per second: the tenth comes at least 3 windows after the first.
    expect(Math.max(...granted) - first).toBeGreaterThanOrEqual(2990);
    expect(events).toHaveLength(10);
    expect(events.every((e) => e.engine === 'test' && e.kind === 'polls')).toBe(true);
    expect(events.filter((e) => e.waitedMs > 500).length).toBeGreaterThanOrEqual(6);
  });

  it('holds a slot while its request is in flight longer than the window, and frees a lost one', async () => {
    const make = async (maxInFlightSeconds?: number) =>
      createRequestLimiter({
        engine: 'test',
        scope: `${scope}-inflight-${maxInFlightSeconds ?? 'default'}`,
        limits: { polls: { points: 1, perSeconds: 1 } },
        redis: await ready(client()),
        maxInFlightSeconds,
      });
    // A request that takes 2.5 s (over two windows): the next one waits for it to complete and
    // then a full window, instead of going when the first window ended.
    const [a, b] = [await make(), await make()];
    const slow = await a.acquire('polls');
    const t0 = performance.now();
    let releasedAt = 0;
    setTimeout(() => {
      releasedAt = performance.now();
      slow.release();
    }, 2500);
    await b.acquire('polls');
    const grantedAt = performance.now();
    expect(releasedAt).toBeGreaterThan(0);
    expect(grantedAt - releasedAt).toBeGreaterThanOrEqual(990);
    expect(grantedAt - t0).toBeGreaterThanOrEqual(3490);
    // A permit never released (its process died) frees its slot after maxInFlightSeconds.
    const [c, d] = [await make(2), await make(2)];
    await c.acquire('polls');
    const t1 = performance.now();
    (await d.acquire('polls')).release();
    expect(performance.now() - t1).toBeGreaterThanOrEqual(1990);
    expect(performance.now() - t1).toBeLessThan(15_000);
  });

  it('lets a waiting request go with its abort reason, and leaves undeclared kinds alone', async () => {
    const limiter = createRequestLimiter({
      engine: 'test',
      scope: `${scope}-abort`,
      limits: { submits: { points: 1, perSeconds: 30 } },
      redis: await ready(client()),
    });
    const held = await limiter.acquire('submits');
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(limiter.acquire('submits', controller.signal)).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(limiter.acquire('submits', controller.signal)).rejects.toBe(reason);
    held.release();
    await (limiter as RequestLimiter).acquire('deletes'); // no limit declared: at once
  });

  it('limits each process on its own when there is no Redis or it is unreachable', async () => {
    const limits = { polls: { points: 2, perSeconds: 1 } };
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    unreachable.on('error', () => undefined);
    clients.push(unreachable);
    for (const redis of [undefined, unreachable]) {
      const limiter = createRequestLimiter({
        engine: 'test',
        scope: `${scope}-mem`,
        limits,
        redis,
      });
      const granted = await burst([limiter], 'polls', 5);
      expect(peak(granted, 1000)).toBeLessThanOrEqual(2);
      expect(Math.max(...granted) - Math.min(...granted)).toBeGreaterThanOrEqual(1990);
    }
  });

  it('refuses limits it cannot keep', () => {
    const make = (points: number, perSeconds: number) => () =>
      createRequestLimiter({ engine: 'test', limits: { x: { points, perSeconds } } });
    expect(make(0, 1)).toThrow(/points/);
    expect(make(5, 0.5)).toThrow(/perSeconds/);
  });
});
