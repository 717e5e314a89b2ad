/**
 * How many jobs the deployment's workers can run at once, for completion estimates: every worker
 * process keeps a field in one Redis hash (`kazru:worker-slots`, field = the worker's id, value =
 * `<concurrency>:<expiry epoch ms>`), refreshed every {@link SLOT_HEARTBEAT_MS}; readers sum the
 * fields that have not expired, so a worker that died stops counting within
 * {@link SLOT_TTL_MS}.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The hash every worker writes its slots to. */
export const WORKER_SLOTS_KEY = 'kazru:worker-slots';
/** How often a worker refreshes its field, ms. */
export const SLOT_HEARTBEAT_MS = 10_000;
/** How long a field counts after its last refresh, ms. */
export const SLOT_TTL_MS = 30_000;

/**
 * Announces `concurrency` slots of this worker until the returned function is called (which
 * removes them). Redis errors are ignored: the next beat tries again.
 */
export function announceWorkerSlots(
  redis: Redis,
  concurrency: number,
  clock: () => number = Date.now,
): () => Promise<void> {
  const id = randomUUID();
  const beat = () =>
    void redis
      .hset(WORKER_SLOTS_KEY, id, `${concurrency}:${clock() + SLOT_TTL_MS}`)
      .catch(() => undefined);
  beat();
  const timer = setInterval(beat, SLOT_HEARTBEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis.hdel(WORKER_SLOTS_KEY, id).catch(() => undefined);
  };
}

/**
 * Jobs the live workers can run at once (the sum of unexpired fields); expired fields are
 * removed. 0 when no worker is announced.
 * @throws the Redis error when Redis is unreachable.
 */
export async function liveWorkerSlots(
  redis: Redis,
  clock: () => number = Date.now,
): Promise<number> {
  const all = await redis.hgetall(WORKER_SLOTS_KEY);
  const now = clock();
  let slots = 0;
  const stale: string[] = [];
  for (const [id, value] of Object.entries(all)) {
    const [n, until] = value.split(':').map(Number);
    if (until > now && n > 0) slots += n;
    else stale.push(id);
  }
  if (stale.length > 0) await redis.hdel(WORKER_SLOTS_KEY, ...stale).catch(() => undefined);
  return slots;
}
