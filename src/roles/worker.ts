/**
 * The worker role: processes queued transcription jobs (bee-queue), runs the stalled-job check
 * bee-queue does not schedule itself, holds a lease on every job it runs (`src/jobs/lease.ts`),
 * reconciles the queue with the database (`src/jobs/reconciler.ts`), expires jobs past their
 * retention and delivers webhooks (`src/webhooks/dispatcher.ts`, unless `WEBHOOK_DISPATCH=false`).
 *
 * Faults: a worker killed mid-job leaves its job in bee-queue's active list; the stall check of
 * any live worker puts it back within about 2 × STALL_INTERVAL_MS and the next run resumes it
 * (the transcoded file is reused, a saved engine operation is polled and saved pieces are not resent). A
 * worker stopped with SIGTERM ({@link WorkerHandle.close}) lets running jobs finish for
 * `WORKER_SHUTDOWN_GRACE_SECONDS`, then stops them and hands them straight back to the queue.
 */
import { warmMediaTools } from '../media/index.js';
import type BeeQueue from 'bee-queue';
import type { AppResources } from '../app.js';
import { JobLeases, LEASE_RENEW_INTERVAL_MS } from '../jobs/lease.js';
import {
  createQueue,
  enqueueTranscription,
  STALL_CHECK_INTERVAL_MS,
  type TranscriptionQueueData,
} from '../jobs/queue.js';
import { reconcileQueue, type ReconcileResult } from '../jobs/reconciler.js';
import { runTranscription } from '../services/transcription.service.js';
import { announceWorkerSlots } from '../jobs/worker-slots.js';
import type { EngineRegistry } from '../stt/registry.js';
import { startWebhookDispatcher, type WebhookDispatcher } from '../webhooks/dispatcher.js';

/** How often expired jobs are swept, in ms. */
export const EXPIRY_SWEEP_INTERVAL_MS = 60_000;

/** Abort reasons that are not a cancel: the run stops but the job stays unfinished. */
const HAND_BACK = 'worker shutting down: job handed back to the queue';
const LEASE_LOST = 'lease lost: another worker runs this job';

/** A running worker and a function that stops it (in-flight jobs are handed back). */
export interface WorkerHandle {
  queue: BeeQueue<TranscriptionQueueData>;
  leases: JobLeases;
  /** The webhook dispatcher of this process, unless `WEBHOOK_DISPATCH=false`. */
  webhooks?: WebhookDispatcher;
  /** Runs the expiry sweep now (also runs every minute). */
  sweep(): Promise<string[]>;
  /** Runs the reconciler now (also runs every `RECONCILE_INTERVAL_SECONDS` and after Redis returns). */
  reconcile(): Promise<ReconcileResult | undefined>;
  /**
   * Stops taking jobs, waits up to `WORKER_SHUTDOWN_GRACE_SECONDS` for running ones, stops and
   * re-enqueues the rest (their attempt is not counted), and closes the queue. Never throws.
   */
  close(): Promise<void>;
}

/** Starts processing with `config.workerConcurrency` parallel jobs. */
export async function startWorker(
  res: AppResources,
  engines: EngineRegistry,
): Promise<WorkerHandle> {
  const { config, logger, orm, storage, events, jobs } = res;
  const queue = createQueue(config.redisUrl, 'worker');
  // fluent-ffmpeg's capability lists, filled now rather than on the first upload's probe.
  warmMediaTools().catch((err: Error) =>
    logger.warn({ err: err.message }, 'could not list ffmpeg formats; media checks may fail'),
  );
  queue.on('error', (err) => logger.error({ err: err.message }, 'queue error'));
  queue.on('stalled', (jobId: string) => logger.warn({ jobId }, 'stalled job re-queued'));
  const leases = new JobLeases(res.redis);
  const running = new Map<string, AbortController>();
  const handedBack = new Set<string>();
  const stopListening = events.onCancel(({ jobId }) => running.get(jobId)?.abort());

  void queue.process(config.workerConcurrency, async (bq) => {
    const { jobId } = bq.data;
    const log = logger.child({ jobId });
    if (running.has(jobId)) return; // already running here (re-enqueued meanwhile)
    if (!(await leases.acquire(jobId))) {
      log.info('another worker holds the lease of this job; dropping the duplicate');
      return;
    }
    const controller = new AbortController();
    running.set(jobId, controller);
    res.metrics.workerJobsStarted.inc();
    try {
      await runTranscription(
        jobId,
        { orm, storage, engines, events, logger, metrics: res.metrics, estimator: res.estimator },
        controller.signal,
      );
    } finally {
      running.delete(jobId);
      if (controller.signal.reason === HAND_BACK) handedBack.add(jobId);
      await leases.release(jobId);
    }
  });
  await queue.ready();
  // Completion estimates count the deployment's slots (`src/jobs/worker-slots.ts`).
  const withdrawSlots = announceWorkerSlots(res.redis, config.workerConcurrency);
  // bee-queue runs the check once in process(); this schedules it every STALL_CHECK_INTERVAL_MS.
  await queue.checkStalledJobs(STALL_CHECK_INTERVAL_MS);

  const renewTimer = setInterval(() => void renewLeases(), LEASE_RENEW_INTERVAL_MS);
  renewTimer.unref();
  async function renewLeases() {
    for (const jobId of await leases.renewAll()) {
      logger.warn({ jobId }, 'lease taken by another worker; stopping this run');
      running.get(jobId)?.abort(LEASE_LOST);
    }
  }

  let reconciling: Promise<ReconcileResult | undefined> | undefined;
  const reconcile = () =>
    (reconciling ??= reconcileQueue({ orm, queue, leases, logger })
      .catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'reconciler run failed; will retry');
        return undefined;
      })
      .finally(() => (reconciling = undefined)));
  const reconcileTimer = setInterval(
    () => void reconcile(),
    config.reconcileIntervalSeconds * 1000,
  );
  reconcileTimer.unref();

  // After Redis comes back: re-assert our leases at once, then reconcile once every worker had
  // the chance to do the same (their renewal runs every LEASE_RENEW_INTERVAL_MS).
  let redisWasDown = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const onRedisClose = () => (redisWasDown = true);
  const onRedisReady = () => {
    if (!redisWasDown) return;
    redisWasDown = false;
    logger.info('redis is back: renewing leases, reconciling the queue shortly');
    void renewLeases();
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void reconcile(), LEASE_RENEW_INTERVAL_MS + 1000);
    reconnectTimer.unref();
  };
  res.redis.on('close', onRedisClose);
  res.redis.on('ready', onRedisReady);

  const sweep = async () => {
    try {
      const expired = await jobs.expireDue(orm.em.fork());
      res.metrics.expirySweeps.inc({ outcome: 'ok' });
      res.metrics.expirySweepLastSuccess.set(Date.now() / 1000);
      return expired;
    } catch (err) {
      res.metrics.expirySweeps.inc({ outcome: 'error' });
      logger.error({ err }, 'expiry sweep failed');
      return [];
    }
  };
  const sweepTimer = setInterval(() => void sweep(), EXPIRY_SWEEP_INTERVAL_MS);
  sweepTimer.unref();
  void sweep();
  void reconcile();
  const webhooks = config.webhooks.dispatch
    ? await startWebhookDispatcher({ orm, config, logger, metrics: res.metrics })
    : undefined;
  res.metrics.workerSlots.set(config.workerConcurrency);
  logger.info({ concurrency: config.workerConcurrency }, 'worker processing transcription jobs');

  let closing: Promise<void> | undefined;
  const close = async () => {
    res.metrics.workerSlots.set(0);
    clearInterval(sweepTimer);
    clearInterval(reconcileTimer);
    clearTimeout(reconnectTimer);
    res.redis.off('close', onRedisClose);
    res.redis.off('ready', onRedisReady);
    const graceMs = config.workerShutdownGraceSeconds * 1000;
    // Stops fetching jobs at once (bee-queue drops its blocking connection), then waits for the
    // running ones; we stop those still running after the grace period.
    const queueClosed = queue.close(graceMs + 10_000).catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, 'queue did not close cleanly');
    });
    const deadline = Date.now() + graceMs;
    while (running.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (running.size > 0) {
      logger.warn({ jobIds: [...running.keys()] }, 'grace period over: handing jobs back');
      for (const c of running.values()) c.abort(HAND_BACK);
    }
    await queueClosed;
    await webhooks?.close();
    await withdrawSlots();
    clearInterval(renewTimer);
    stopListening();
    for (const jobId of handedBack) {
      try {
        // The stopped run does not count as an attempt (attempts cap poison jobs).
        await orm.em
          .fork()
          .getConnection()
          .execute('update jobs set attempts = attempts - 1 where id = ? and attempts > 0', [
            jobId,
          ]);
        await enqueueTranscription(res.queue, jobId);
        logger.info({ jobId }, 'job handed back to the queue');
      } catch (err) {
        logger.warn(
          { jobId, err: (err as Error).message },
          'could not hand the job back; the reconciler will re-enqueue it',
        );
      }
    }
  };

  return {
    queue,
    leases,
    webhooks,
    sweep,
    reconcile,
    close: () => (closing ??= close()),
  };
}
