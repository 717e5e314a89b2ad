/**
 * The transcription queue (bee-queue on Redis). A queue job carries only the database job id,
 * which is also its bee-queue id, so enqueueing twice never creates two jobs.
 *
 * Redis faults, and how this module copes with them:
 * - Redis away: the command connection does not queue commands while disconnected
 *   (`enableOfflineQueue: false`) and gives up on an unanswered command after
 *   {@link REDIS_COMMAND_TIMEOUT_MS}, so the api answers SERVICE_UNAVAILABLE at once instead of
 *   hanging. The blocking connection a worker waits for jobs on (and the delayed-jobs subscriber)
 *   does queue, so it simply resumes when Redis is back.
 * - Redis restarted: its Lua script cache is empty and bee-queue calls bare `EVALSHA` (it loads
 *   scripts only once, at start-up). {@link createRedisCommandClient} answers `NOSCRIPT` by
 *   running the script with `EVAL`, which also re-caches it.
 * - Redis data lost: queue jobs vanish; `src/jobs/reconciler.ts` re-enqueues from the database.
 */
import BeeQueue from 'bee-queue';
import { Redis, type RedisOptions } from 'ioredis';
import { createRequire } from 'node:module';

/** Name of the Redis-backed queue. */
export const TRANSCRIPTION_QUEUE = 'transcription';

/** Key prefix bee-queue uses for this queue (`bq:transcription:`). */
export const QUEUE_KEY_PREFIX = `bq:${TRANSCRIPTION_QUEUE}:`;

/** Payload of a queue job: just the id of the `Job` row, the source of truth. */
export interface TranscriptionQueueData {
  jobId: string;
}

/** How long a worker may go without renewing a job's lock before it counts as stalled (ms). */
export const STALL_INTERVAL_MS = 5_000;

/**
 * How often each worker runs bee-queue's stalled-job check, in ms. Half the stall interval, as
 * bee-queue recommends; a Redis key (`stallBlock`) keeps the effective check to one per
 * {@link STALL_INTERVAL_MS} across all workers. A job whose worker died is back in `waiting`
 * within about 2 × STALL_INTERVAL_MS.
 */
export const STALL_CHECK_INTERVAL_MS = STALL_INTERVAL_MS / 2;

/** A Redis command that gets no answer fails after this many ms (Redis hung or unreachable). */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/** Longest wait between two reconnection attempts to Redis, in ms. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** First wait (ms) before a worker retries fetching a job after a Redis error (doubles each time). */
const INITIAL_REDIS_FAILURE_RETRY_DELAY_MS = 100;

const require = createRequire(import.meta.url);
/** bee-queue's Lua scripts by name and their SHA1s (`bee-queue/lib/lua/index.js`). */
const beeQueueLua = require('bee-queue/lib/lua/index.js') as {
  scripts: Record<string, string>;
  shas: Record<string, string>;
};

const ignoreConnectionErrors = () => undefined;

const reconnectOptions: RedisOptions = {
  retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
};

/**
 * An ioredis connection for request/response commands that fails fast while Redis is away
 * (no offline queue, one retry, {@link REDIS_COMMAND_TIMEOUT_MS} per command) and reconnects on
 * its own. Its `duplicate()` gives connections that wait for Redis instead (offline queue, no
 * retry limit): bee-queue uses them for the blocking `BRPOPLPUSH` and for pub/sub.
 * `EVALSHA` falls back to `EVAL` on `NOSCRIPT` for bee-queue's scripts (see module notes).
 * @param redisUrl `redis://host:port/db`.
 * @param connectionName shown by `CLIENT LIST`.
 */
export function createRedisCommandClient(redisUrl: string, connectionName: string): Redis {
  const client = new Redis(redisUrl, {
    ...reconnectOptions,
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  });
  client.duplicate = () => {
    const waiting = new Redis(redisUrl, {
      ...reconnectOptions,
      connectionName: `${connectionName}-blocking`,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    waiting.on('error', ignoreConnectionErrors); // bee-queue adds its own listener once ready
    return waiting;
  };
  client.on('error', ignoreConnectionErrors); // the owner (bee-queue, the app) logs them
  // bee-queue recognises a ready-made client by `constructor.name === 'Redis'`; ioredis 5 mixes
  // EventEmitter into its class, so the inherited `constructor` is EventEmitter. Without this,
  // bee-queue would treat the client as options and open node-redis connections of its own,
  // which queue commands while Redis is away (the api would hang instead of failing fast).
  Object.defineProperty(client, 'constructor', { value: Redis, enumerable: false });

  // bee-queue calls evalsha(sha, numKeys, ...keysAndArgs, callback).
  const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { evalsha: (...args: unknown[]) => unknown }).evalsha = (
    ...args: unknown[]
  ) => {
    const callback =
      typeof args.at(-1) === 'function'
        ? (args.pop() as (err: Error | null, res?: unknown) => void)
        : undefined;
    const [sha, ...rest] = args;
    const result = evalsha(sha, ...rest).catch((err: Error) => {
      // bee-queue fills `shas` when the queue gets ready, so look the script up now.
      const name = Object.keys(beeQueueLua.shas).find((n) => beeQueueLua.shas[n] === sha);
      const script = name ? beeQueueLua.scripts[name] : undefined;
      if (!script || !/NOSCRIPT/.test(err.message)) throw err;
      return client.eval(script, ...(rest as [number, ...string[]]));
    });
    if (!callback) return result;
    // Callback style (bee-queue): the outcome goes to the callback only, never a rejected promise.
    result.then(
      (r) => callback(null, r),
      (e: Error) => callback(e),
    );
    return undefined;
  };
  return client;
}

/**
 * Creates the queue handle for a role. Producers (the api) do not process jobs; workers do and
 * also run bee-queue's stalled-job check periodically, which bee-queue does not schedule itself
 * (see `startWorker`). Redis connections: see {@link createRedisCommandClient}; closing the
 * queue closes them.
 */
export function createQueue(
  redisUrl: string,
  role: 'producer' | 'worker',
): BeeQueue<TranscriptionQueueData> {
  return new BeeQueue<TranscriptionQueueData>(TRANSCRIPTION_QUEUE, {
    redis: createRedisCommandClient(redisUrl, `kazru-${role}-queue`) as never,
    quitCommandClient: true,
    isWorker: role === 'worker',
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    removeOnSuccess: true,
    removeOnFailure: true,
    stallInterval: STALL_INTERVAL_MS,
    activateDelayedJobs: role === 'worker',
    initialRedisFailureRetryDelay: INITIAL_REDIS_FAILURE_RETRY_DELAY_MS,
  } as BeeQueue.QueueSettings);
}

/** How long enqueueing may take before it counts as failed, in ms. */
export const ENQUEUE_TIMEOUT_MS = 3_000;

/**
 * Enqueues a job by its database id. Safe to call twice, from any number of processes at once:
 * bee-queue's `addJob` script adds nothing when a job with that id is already waiting, active or
 * delayed. Retries (with exponential backoff) cover transient faults such as an engine being down.
 * @throws Error when Redis does not accept the job within {@link ENQUEUE_TIMEOUT_MS}.
 */
export async function enqueueTranscription(
  queue: BeeQueue<TranscriptionQueueData>,
  jobId: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`enqueue did not finish within ${ENQUEUE_TIMEOUT_MS} ms`)),
      ENQUEUE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([
      queue.createJob({ jobId }).setId(jobId).retries(3).backoff('exponential', 10_000).save(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True when the queue holds a job with this id (waiting, active or delayed).
 * @throws when Redis is unreachable.
 */
export async function queueHolds(
  queue: BeeQueue<TranscriptionQueueData>,
  jobId: string,
): Promise<boolean> {
  return (await queue.getJob(jobId)) !== null;
}
