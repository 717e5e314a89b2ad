/**
 * Deployment-wide request quotas for speech engines: every worker process that shares Redis
 * shares the budget, so N workers × M jobs stay within what the engine allows. Engine-neutral:
 * an engine declares its limits as data ({@link RequestRates}, e.g. SpeechKit's in
 * `src/stt/speechkit/quotas.ts`) and its client asks for a permit per request kind.
 *
 * A request over the limit waits (it does not fail) until a permit is free: the wait is the
 * limiter's own `msBeforeNext` plus a little jitter, and the caller's abort signal ends it.
 *
 * Mechanism (rate-limiter-flexible 11.4.0 `RateLimiterRedis`, as `src/http/rate-limit.ts` uses
 * it): its counters are fixed windows that start at the first request, which would let up to
 * 2 × points through in a sliding window straddling two of them (points at the end of one, points
 * at the start of the next). A quota like "5 per second" must hold in every window, so each of the
 * `points` is a one-point counter of its own ("slot", key `<prefix>:<slot>`), lasting `perSeconds`:
 * a slot grants at most one request per window, so any window of that length holds at most
 * `points` requests. Requests take slots round robin from a Redis counter (`<prefix>:ticket`).
 * While its request is in flight a slot is held (blocked for `maxInFlightSeconds`, default 120 s,
 * so a request slower than the window cannot let its slot be granted again), and it is re-armed
 * for a full window when the request completes ({@link RequestPermit.release}), so the guarantee
 * holds for when requests reach the engine, not only for when they were allowed: network or
 * event-loop delay between the permit and the request cannot squeeze two of them into one
 * window. A process that dies holding a slot loses that slot for at most `maxInFlightSeconds`.
 * Waiters re-check at least once per window, so a slot freed early is taken within a window.
 *
 * Redis away: like the HTTP rate limits, each process falls back to an in-memory limiter with the
 * same numbers (`insuranceLimiter`, `rejectIfRedisNotReady`), so jobs keep going and a deployment
 * sends at most (number of worker processes) × the limit until Redis is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Redis key prefix of the slots: `kazru:quota:<engine>:<scope>:<kind>:<slot>`. */
export const QUOTA_KEY_PREFIX = 'kazru:quota';

/** An engine's limit for one kind of request: at most `points` requests per `perSeconds` seconds. */
export interface RequestRate {
  points: number;
  /** Window length in whole seconds (Redis expiry granularity of rate-limiter-flexible). */
  perSeconds: number;
}

/** An engine's limits by request kind, e.g. `{ operationPolls: { points: 5, perSeconds: 1 } }`. */
export type RequestRates<K extends string> = Readonly<Record<K, RequestRate>>;

/** Permission to send one request; call {@link release} once it has completed (or failed). */
export interface RequestPermit {
  /** Re-arms the slot for a full window from now. Never throws. */
  release(): void;
}

/** Hands out permits per request kind; kinds without a declared limit are not limited. */
export interface RequestLimiter<K extends string = string> {
  /**
   * Waits until a request of `kind` may be sent.
   * @returns the permit, to release when the request has completed.
   * @throws the signal's abort reason when `signal` aborts (before or while waiting).
   */
  acquire(kind: K, signal?: AbortSignal): Promise<RequestPermit>;
}

/** A finished wait, for metrics: `waitedMs` milliseconds before a `kind` request of `engine`. */
export interface QuotaWaitEvent {
  engine: string;
  kind: string;
  waitedMs: number;
}

/** Options of {@link createRequestLimiter}. */
export interface RequestLimiterOptions<K extends string> {
  /** Engine name: part of the Redis keys and the `engine` metric label (e.g. "speechkit"). */
  engine: string;
  /**
   * Which budget this is within the engine, e.g. a short hash of the account's endpoint: clients
   * with the same scope share the limits. Default "default".
   */
  scope?: string;
  limits: RequestRates<K>;
  /** Shared store (the app's fail-fast command client); without it limits are per process. */
  redis?: Redis;
  /** Called after every acquisition, also when it did not wait (`waitedMs` 0). */
  onWait?(event: QuotaWaitEvent): void;
  /** Largest random extra wait in ms after a refusal, so waiters do not wake together (default 50). */
  maxJitterMs?: number;
  /**
   * Longest a request may hold its slot, in whole seconds (default 120; at least the window): a
   * permit never released (its process died) frees its slot after this long.
   */
  maxInFlightSeconds?: number;
}

const NO_PERMIT: RequestPermit = Object.freeze({ release: () => undefined });

/** The slots of one kind: counters in Redis (or memory) and the ticket counter. */
interface Slots {
  limiter: RateLimiterRedis | RateLimiterMemory;
  rate: RequestRate;
  ticket(): Promise<number>;
}

function slotsFor(redis: Redis | undefined, keyPrefix: string, rate: RequestRate): Slots {
  const memory = new RateLimiterMemory({ keyPrefix, points: 1, duration: rate.perSeconds });
  let local = 0;
  const limiter = redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points: 1,
        duration: rate.perSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      })
    : memory;
  const ticket = async () => {
    if (redis?.status === 'ready') {
      try {
        return await redis.incr(`${keyPrefix}:ticket`);
      } catch {
        // fall through to the local counter
      }
    }
    return ++local;
  };
  return { limiter, rate, ticket };
}

/**
 * Creates a limiter for one engine's declared limits (see the module notes for how they are kept).
 * @throws Error when a limit has `points` < 1 or `perSeconds` not a positive whole number.
 */
export function createRequestLimiter<K extends string>(
  opts: RequestLimiterOptions<K>,
): RequestLimiter<K> {
  const prefix = `${QUOTA_KEY_PREFIX}:${opts.engine}:${opts.scope ?? 'default'}`;
  const maxJitterMs = opts.maxJitterMs ?? 50;
  const maxInFlightSeconds = Math.ceil(opts.maxInFlightSeconds ?? 120);
  const kinds = new Map<string, Slots>();
  for (const [kind, rate] of Object.entries(opts.limits) as [K, RequestRate][]) {
    if (!Number.isInteger(rate.points) || rate.points < 1) {
      throw new Error(`${opts.engine} ${kind}: points must be a positive integer`);
    }
    if (!Number.isInteger(rate.perSeconds) || rate.perSeconds < 1) {
      throw new Error(`${opts.engine} ${kind}: perSeconds must be a positive whole number`);
    }
    kinds.set(kind, slotsFor(opts.redis, `${prefix}:${kind}`, rate));
  }

  return {
    async acquire(kind, signal) {
      const slots = kinds.get(kind);
      if (!slots) return NO_PERMIT;
      signal?.throwIfAborted();
      const started = performance.now();
      const slot = String((await slots.ticket()) % slots.rate.points);
      for (;;) {
        try {
          await slots.limiter.consume(slot);
          // Held while in flight; the one-point window cannot be granted again before this lands.
          await slots.limiter
            .block(slot, Math.max(maxInFlightSeconds, slots.rate.perSeconds))
            .catch(() => undefined);
          break;
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          const jitter = 1 + Math.floor(Math.random() * maxJitterMs);
          // A held slot reports its whole hold: re-check once per window instead.
          const waitMs = Math.min(Math.max(0, err.msBeforeNext), slots.rate.perSeconds * 1000);
          await sleep(waitMs + jitter, undefined, { signal }).catch((e: unknown) => {
            throw signal?.aborted ? signal.reason : e;
          });
        }
      }
      opts.onWait?.({ engine: opts.engine, kind, waitedMs: performance.now() - started });
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          slots.limiter.block(slot, slots.rate.perSeconds).catch(() => undefined);
        },
      };
    },
  };
}
