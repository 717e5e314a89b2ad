/**
 * Redis databases for tests. Suites run in up to two jest workers at once (`npm test` uses
 * `--maxWorkers=2`), and a suite flushes the databases it uses, so each worker gets its own
 * block of four: worker 1 uses dbs 9–12 (the historical defaults), worker 2 dbs 1–4, any further
 * worker dbs 5–8. The benchmark uses 13 and 14, so a bench run and the tests never collide.
 */

/** What a suite uses its database for; each role is one database of the worker's block. */
export type RedisRole = 'app' | 'limiter' | 'cluster' | 'cluster2';

const ROLE_OFFSET: Record<RedisRole, number> = { app: 0, limiter: 1, cluster: 2, cluster2: 3 };

/**
 * `redis://127.0.0.1:6379/<db>` for `role` in this jest worker's block, unless the environment
 * variable `override` (e.g. `TEST_REDIS_URL`) is set, which wins.
 */
export function testRedisUrl(role: RedisRole, override?: string): string {
  if (override && process.env[override]) return process.env[override]!;
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const base = worker <= 1 ? 9 : worker === 2 ? 1 : 5;
  return `redis://127.0.0.1:6379/${base + ROLE_OFFSET[role]}`;
}
