/**
 * Job leases: at most one worker runs a job at a time, whatever re-enqueued it (bee-queue's stall
 * check after a false stall, or the reconciler after Redis lost its data while the job ran).
 *
 * A lease is the Redis key `kazru:lease:<jobId>` holding the owner's id, set with `NX` and a TTL
 * of {@link LEASE_TTL_MS}; the owner renews it every {@link LEASE_RENEW_INTERVAL_MS}. A renewal
 * that finds the key gone (Redis restarted without its data) takes it again; one that finds
 * another owner reports the lease lost, and the worker stops that run.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import { STALL_INTERVAL_MS } from './queue.js';

/**
 * How long a lease lives without renewal, in ms (two stall intervals). A job whose worker died
 * is re-queued by the stall check after 1–2 stall intervals; its next run waits for the dead
 * worker's lease to lapse, so recovery takes at most about this long.
 */
export const LEASE_TTL_MS = 2 * STALL_INTERVAL_MS;

/** How often a worker renews the leases of the jobs it runs, in ms. */
export const LEASE_RENEW_INTERVAL_MS = STALL_INTERVAL_MS / 2;

const leaseKey = (jobId: string) => `kazru:lease:${jobId}`;

/** Renews when the key is ours or gone; 1 = held, 0 = someone else holds it. */
const RENEW_SCRIPT = `
local v = redis.call('get', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Deletes the key only when it is ours. */
const RELEASE_SCRIPT = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

type LeaseRedis = Redis & {
  kazruRenewLease(key: string, owner: string, ttlMs: number): Promise<number>;
  kazruReleaseLease(key: string, owner: string): Promise<number>;
};

/** The leases of one worker process. */
export class JobLeases {
  /** This worker's id: `<hostname>:<pid>:<random>`. */
  readonly owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly held = new Set<string>();
  private readonly redis: LeaseRedis;

  /** @param redis a fail-fast command connection (see `createRedisCommandClient`). */
  constructor(redis: Redis) {
    // defineCommand scripts use EVALSHA and fall back to EVAL on NOSCRIPT by themselves.
    redis.defineCommand('kazruRenewLease', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    redis.defineCommand('kazruReleaseLease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.redis = redis as LeaseRedis;
  }

  /**
   * Takes the lease of a job, waiting up to `waitMs` for a lease held elsewhere to expire (the
   * holder may have died: its lease then lapses within {@link LEASE_TTL_MS}).
   * @param waitMs how long to wait for another holder's lease, in ms (default LEASE_TTL_MS + 1 s:
   *   a lease still held after that is renewed by a live worker).
   * @returns false when another worker still holds it after `waitMs`.
   * @throws when Redis is unreachable.
   */
  async acquire(jobId: string, waitMs = LEASE_TTL_MS + 1000): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const ok = await this.redis.set(leaseKey(jobId), this.owner, 'PX', LEASE_TTL_MS, 'NX');
      if (ok === 'OK') {
        this.held.add(jobId);
        return true;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * Renews every lease this worker holds.
   * @returns ids of jobs whose lease another worker now holds (their runs must stop). Leases
   *   that could not be renewed because Redis is away are kept and retried next time.
   */
  async renewAll(): Promise<string[]> {
    const lost: string[] = [];
    await Promise.all(
      [...this.held].map(async (jobId) => {
        try {
          const held = await this.redis.kazruRenewLease(leaseKey(jobId), this.owner, LEASE_TTL_MS);
          if (held === 0) {
            this.held.delete(jobId);
            lost.push(jobId);
          }
        } catch {
          // Redis away: the run goes on; the TTL protects others if we died instead.
        }
      }),
    );
    return lost;
  }

  /** Gives a lease back (only if still ours). Never throws. */
  async release(jobId: string): Promise<void> {
    this.held.delete(jobId);
    await this.redis.kazruReleaseLease(leaseKey(jobId), this.owner).catch(() => undefined);
  }

  /**
   * True when some worker holds a live lease on the job.
   * @throws when Redis is unreachable.
   */
  async isLeased(jobId: string): Promise<boolean> {
    return (await this.redis.exists(leaseKey(jobId))) === 1;
  }
}
