/**
 * The webhook dispatcher, run by every worker process (unless `WEBHOOK_DISPATCH=false`). It
 * delivers from a bee-queue queue (`webhooks`), never from the request path:
 *
 * 1. **Fan-out**: each outbox row (`webhook_events` with no `dispatchedAt`) becomes one
 *    delivery per enabled endpoint of its tenant subscribed to its type (registered before the
 *    event), in one transaction that first marks the row — two dispatchers never fan out twice.
 * 2. **Enqueue**: every PENDING delivery whose attempt is due and unclaimed is put on the queue
 *    under the id `<delivery>:<attempts>`, so re-enqueueing it adds nothing.
 * 3. **Attempt** (`./delivery.ts`): claim, sign, send, record; a failure is due again per the
 *    retry schedule.
 *
 * Steps 1–2 run when this process commits an event (`outboxSignal`), when a retry falls due,
 * and every `WEBHOOK_POLL_INTERVAL_MS` (events committed by the api, or by a process that died
 * before anyone delivered them). Redis may lose the queue: the database rows are the truth, and
 * the next sweep enqueues again — the reconciler pattern of `src/jobs/reconciler.ts`.
 */
import type { MikroORM } from '@mikro-orm/core';
import BeeQueue from 'bee-queue';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../db/entities/index.js';
import {
  createRedisCommandClient,
  STALL_CHECK_INTERVAL_MS,
  STALL_INTERVAL_MS,
} from '../jobs/queue.js';
import type { Metrics } from '../observability/metrics.js';
import { attemptDelivery, type DeliveryDeps } from './delivery.js';
import { outboxSignal } from './outbox.js';
import { WebhookDeliveryStatus, type WebhookEventType } from './types.js';
import { randomUUID } from 'node:crypto';

/** Name of the bee-queue queue of webhook attempts. */
export const WEBHOOK_QUEUE = 'webhooks';
/** Attempts in flight per worker process (they wait on the network, not the CPU). */
export const WEBHOOK_CONCURRENCY = 10;
/** Rows handled per sweep step; the next sweep takes the rest. */
const SWEEP_BATCH = 200;
/** How often old events and their log are deleted, ms. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

/** Payload of a queue job. */
export interface WebhookQueueData {
  deliveryId: string;
}

/** What the dispatcher needs. */
export interface DispatcherDeps {
  orm: MikroORM;
  config: Pick<Config, 'redisUrl' | 'webhooks'>;
  logger: Logger;
  metrics?: Metrics;
  /** Current time; tests inject one. */
  clock?: () => Date;
  random?: () => number;
}

/** A running dispatcher. */
export interface WebhookDispatcher {
  /** Fans out new events and enqueues due attempts now. */
  sweep(): Promise<void>;
  /** Stops taking attempts; lets running ones finish (bounded by the timeout). */
  close(): Promise<void>;
}

/** Starts the dispatcher: queue processing, the poll timer and the in-process signal. */
export async function startWebhookDispatcher(deps: DispatcherDeps): Promise<WebhookDispatcher> {
  const { orm, config, logger } = deps;
  const cfg = config.webhooks;
  const clock = deps.clock ?? (() => new Date());
  const log = logger.child({ component: 'webhooks' });
  const queue = new BeeQueue<WebhookQueueData>(WEBHOOK_QUEUE, {
    redis: createRedisCommandClient(config.redisUrl, 'kazru-webhooks-queue') as never,
    quitCommandClient: true,
    isWorker: true,
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    removeOnSuccess: true,
    removeOnFailure: true,
    stallInterval: STALL_INTERVAL_MS,
  });
  queue.on('error', (err) => log.warn({ err: err.message }, 'webhook queue error'));
  const deliveryDeps: DeliveryDeps = {
    config: cfg,
    logger: log,
    metrics: deps.metrics,
    clock,
    random: deps.random,
  };
  const retryTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  void queue.process(WEBHOOK_CONCURRENCY, async (job) => {
    const next = await attemptDelivery(orm.em.fork(), job.data.deliveryId, deliveryDeps);
    if (next) wakeAt(next);
  });
  await queue.ready();
  // A job of a dead worker stays "active" (its id blocks re-enqueueing) until a stall check
  // puts it back; bee-queue runs the check only when asked, as for the transcription queue.
  await queue.checkStalledJobs(STALL_CHECK_INTERVAL_MS);

  /** Sweeps again when a retry falls due (the poll would find it too, later). */
  function wakeAt(at: Date) {
    const ms = Math.max(0, at.getTime() - clock().getTime());
    if (closed || ms > 10 * cfg.pollIntervalMs) return;
    const t = setTimeout(() => {
      retryTimers.delete(t);
      void sweep();
    }, ms + 5);
    t.unref();
    retryTimers.add(t);
  }

  let running: Promise<void> | undefined;
  let again = false;
  let lastPrune = 0;
  const sweepOnce = async () => {
    await fanOut(orm, clock);
    await enqueueDue(orm, queue, clock);
    if (clock().getTime() - lastPrune > PRUNE_INTERVAL_MS) {
      lastPrune = clock().getTime();
      await prune(orm, clock, cfg.logRetentionDays);
    }
  };
  /** One sweep at a time; a request during one runs another right after it. */
  const sweep = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await sweepOnce().catch((err: Error) =>
          log.warn({ err: err.message }, 'webhook sweep failed; will retry'),
        );
      } while (again && !closed);
    })().finally(() => (running = undefined));
    return running;
  };

  const onSignal = () => void sweep();
  outboxSignal.on('event', onSignal);
  const poll = setInterval(() => void sweep(), cfg.pollIntervalMs);
  poll.unref();
  void sweep();
  log.info({ concurrency: WEBHOOK_CONCURRENCY }, 'webhook dispatcher started');

  return {
    sweep,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      outboxSignal.off('event', onSignal);
      for (const t of retryTimers) clearTimeout(t);
      await running;
      await queue.close(cfg.timeoutMs + 1000).catch(() => undefined);
    },
  };
}

/** Turns undispatched events into deliveries (see the module comment). */
async function fanOut(orm: MikroORM, clock: () => Date): Promise<void> {
  const em = orm.em.fork();
  const events = await em.find(
    WebhookEvent,
    { dispatchedAt: null },
    {
      fields: ['id', 'tenant', 'type', 'createdAt'],
      orderBy: { createdAt: 'asc' },
      limit: SWEEP_BATCH,
    },
  );
  for (const event of events) {
    await em.fork().transactional(async (tx) => {
      const now = clock();
      const marked = await tx.nativeUpdate(
        WebhookEvent,
        { id: event.id, dispatchedAt: null },
        { dispatchedAt: now },
      );
      if (marked === 0) return; // another dispatcher did it
      const endpoints = await tx.find(WebhookEndpoint, {
        tenant: event.tenant.id,
        enabled: true,
        createdAt: { $lte: event.createdAt },
      });
      for (const ep of endpoints) {
        if (!ep.events.includes(event.type as WebhookEventType)) continue;
        await tx.insert(WebhookDelivery, {
          id: randomUUID(),
          event: event.id,
          endpoint: ep.id,
          eventType: event.type as WebhookEventType,
          nextAttemptAt: now,
          createdAt: now,
        });
      }
    });
  }
}

/** Enqueues every due, unclaimed attempt (idempotent per `<delivery>:<attempts>`). */
async function enqueueDue(
  orm: MikroORM,
  queue: BeeQueue<WebhookQueueData>,
  clock: () => Date,
): Promise<void> {
  const now = clock();
  const due = await orm.em.fork().find(
    WebhookDelivery,
    {
      status: WebhookDeliveryStatus.PENDING,
      nextAttemptAt: { $lte: now },
      $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
    },
    { fields: ['id', 'attempts'], orderBy: { nextAttemptAt: 'asc' }, limit: SWEEP_BATCH },
  );
  for (const d of due) {
    await queue.createJob({ deliveryId: d.id }).setId(`${d.id}:${d.attempts}`).save();
  }
}

/** Deletes events older than the retention (their deliveries and attempts go with them). */
async function prune(orm: MikroORM, clock: () => Date, days: number): Promise<void> {
  const before = new Date(clock().getTime() - days * 86_400_000);
  await orm.em.fork().nativeDelete(WebhookEvent, { createdAt: { $lt: before } });
}
