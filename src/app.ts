/**
 * Process assembly: opens the shared resources once (database, storage, Redis, queue producer,
 * job events) and starts the roles named in `ROLES`.
 */
import fs from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type BeeQueue from 'bee-queue';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { initOrm } from './db/orm.js';
import { createJobEvents, type JobEvents } from './jobs/events.js';
import {
  createQueue,
  createRedisCommandClient,
  type TranscriptionQueueData,
} from './jobs/queue.js';
import { JobService } from './services/job.service.js';
import type { Storage } from './storage/storage.js';
import { checkStorage, createStorage } from './storage/registry.js';
import { createSpeechKitLimiter } from './stt/speechkit/index.js';
import { createEngineRegistry, type EngineDeps, type EngineRegistry } from './stt/registry.js';
import { buildAppSchema } from './graphql/schema.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { startMetricsServer } from './observability/metrics-server.js';
import { instrumentStorage } from './observability/storage-errors.js';
import { startApi, type ApiHandle } from './roles/api.js';
import { startWorker, type WorkerHandle } from './roles/worker.js';
import { CompletionEstimator } from './services/estimate.js';
import { liveWorkerSlots } from './jobs/worker-slots.js';

/** Resources shared by the roles of one process. */
export interface AppResources {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  storage: Storage;
  redis: Redis;
  queue: BeeQueue<TranscriptionQueueData>;
  events: JobEvents;
  jobs: JobService;
  /** This process's Prometheus registry and instruments. */
  metrics: Metrics;
  /** The enabled speech engines. */
  engines: EngineRegistry;
  /** Completion estimates (`Job.estimatedCompletionAt`). */
  estimator: CompletionEstimator;
}

/** A running process: the api (if started), the worker (if started) and shutdown. */
export interface App {
  resources: AppResources;
  api?: ApiHandle;
  worker?: WorkerHandle;
  close(): Promise<void>;
}

/**
 * Opens resources and starts `config.roles`.
 * @param engineOptions tuning of the engines' clients (tests pass short poll and retry delays).
 */
export async function startApp(
  config: Config,
  logger: Logger,
  engineOptions: Pick<EngineDeps, 'speechKit' | 'openAi'> = {},
): Promise<App> {
  const orm = await initOrm(config, false, (report) => {
    if (report.adopted || report.applied.length > 0) logger.info(report, 'database migrated');
  });
  // A wrong or missing STORAGE_ENCRYPTION_KEY stops start-up here (EncryptionError). Checked
  // before the Redis clients exist: an await between creating the job events' subscriber and
  // its first subscription can land the subscription between connect and ready, which ioredis
  // answers with "Connection in subscriber mode" and no cancel event ever arrives.
  await checkStorage(config, logger).catch(async (err: unknown) => {
    await orm.close();
    throw err;
  });
  // Fails fast while Redis is away (health checks, job leases); see createRedisCommandClient.
  const redis = createRedisCommandClient(config.redisUrl, `kazru-${config.roles.join('-')}`);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const events = createJobEvents(config.redisUrl, (err) =>
    logger.warn({ err: err.message }, 'redis pub/sub error'),
  );
  const queue = createQueue(config.redisUrl, 'producer');
  queue.on('error', (err) => logger.error({ err }, 'queue error'));
  const metrics = createMetrics(config.roles.join('+'), {
    jobsByStatus: async () => {
      const rows = (await orm.em
        .fork()
        .getConnection()
        .execute('select status, count(*) as n from jobs group by status')) as {
        status: string;
        n: number | string;
      }[];
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    webhookDeliveries: async () => {
      const rows = (await orm.em
        .fork()
        .getConnection()
        .execute('select status, count(*) as n from webhook_deliveries group by status')) as {
        status: string;
        n: number | string;
      }[];
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    queueDepth: async () => {
      const h = await queue.checkHealth();
      // With an ioredis client bee-queue's MULTI results arrive as [error, value] pairs.
      const n = (v: unknown) => Number(Array.isArray(v) ? v[1] : v);
      return {
        waiting: n(h.waiting),
        active: n(h.active),
        delayed: n(h.delayed),
        failed: n(h.failed),
      };
    },
    prices: config.prices,
    dataDirSpace: async () => {
      const s = await fs.statfs(config.dataDir);
      return { freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
    },
  });
  // Failed writes, reads and deletes of the store are counted in kazru_storage_errors_total.
  const storage = createStorage(config.storage, (store) =>
    instrumentStorage(store, metrics.storageErrors),
  );
  const engines = createEngineRegistry(config, {
    logger,
    // SpeechKit's quotas, shared through Redis by every worker of the deployment.
    speechKitLimiter: createSpeechKitLimiter(config.stt, {
      redis,
      onWait: metrics.quotaWaitObserver,
    }),
    ...engineOptions,
    observer: metrics.sttObserver,
  });
  const estimator = new CompletionEstimator(
    () => orm.em.fork(),
    () => liveWorkerSlots(redis),
  );
  const jobs = new JobService({
    estimator,
    config,
    storage,
    queue,
    events,
    logger,
    redis,
    engines,
    metrics,
  });
  const resources: AppResources = {
    config,
    logger,
    orm,
    storage,
    redis,
    queue,
    events,
    jobs,
    metrics,
    engines,
    estimator,
  };

  const worker = config.roles.includes('worker')
    ? await startWorker(resources, engines)
    : undefined;
  const api = config.roles.includes('api')
    ? await startApi(resources, await buildAppSchema())
    : undefined;
  // The api serves /metrics itself; a worker-only process needs its own port for it.
  const metricsServer =
    !api && config.metricsPort > 0
      ? await startMetricsServer(
          metrics,
          config.host,
          config.metricsPort,
          config.httpKeepAliveTimeoutSeconds,
        )
      : undefined;
  if (metricsServer) logger.info({ port: metricsServer.port }, 'metrics on /metrics');

  let closing: Promise<void> | undefined;
  return {
    resources,
    api,
    worker,
    close: () =>
      (closing ??= (async () => {
        await api?.close();
        await metricsServer?.close();
        await worker?.close();
        await queue.close(2000).catch(() => undefined);
        await events.close();
        redis.disconnect();
        await orm.close();
        await storage.store.close?.();
      })()),
  };
}
