/**
 * Prometheus metrics (prom-client). Every process has its own {@link Registry}; the api serves
 * it at `GET /metrics`. Names follow Prometheus conventions: base units (seconds, bytes), `_total`
 * for counters, a `kazru_` prefix. Labels have bounded values only (no ids, no file names).
 *
 * Gauges that describe shared state (jobs by status from the database, queue depth from Redis)
 * are read at scrape time through the `collect` callbacks given to {@link createMetrics}, so
 * they are exact whichever process did the work.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PriceTable } from '../config/prices.js';
import type { QuotaWaitEvent } from '../stt/request-limiter.js';
import type { HttpObserver } from '../stt/http/index.js';

/** Latency buckets in seconds, from 5 ms (a cached query) to 2 min (a long upload). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Quota wait buckets in seconds: none, a poll slot (≤ 1 s), up to an hourly quota's hour. */
const QUOTA_WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 900, 3600];
/** Stage buckets in seconds, from 1 s to 2 h (a 4-hour recording's recognition). */
const STAGE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

/** Shared-state readers evaluated at scrape time; each may throw (the gauge is then left empty). */
export interface MetricsCollectors {
  /** Number of jobs per status, from the database. */
  jobsByStatus?: () => Promise<Record<string, number>>;
  /** Queue depth per bee-queue state (waiting, active, delayed, …), from Redis. */
  queueDepth?: () => Promise<Record<string, number>>;
  /** Webhook deliveries per status (PENDING, DELIVERED, FAILED), from the database. */
  webhookDeliveries?: () => Promise<Record<string, number>>;
  /** Free and total bytes of the file system holding `DATA_DIR` (`fs.statfs`). */
  dataDirSpace?: () => Promise<{ freeBytes: number; sizeBytes: number }>;
}

/** The metrics of one process. */
export interface Metrics {
  registry: Registry;
  /** HTTP requests by method, route template and status class; seconds. */
  httpRequestSeconds: Histogram<'method' | 'route' | 'status'>;
  /** GraphQL operations by type (query|mutation|subscription) and root field; seconds. */
  graphqlOperationSeconds: Histogram<'type' | 'field' | 'outcome'>;
  /** Seconds a job waited in the queue before a worker started it. */
  queueWaitSeconds: Histogram<string>;
  /** Seconds per pipeline stage (transcode, recognition, persist). */
  stageSeconds: Histogram<'stage'>;
  /** Jobs that reached a terminal state in this process, by status and error code. */
  jobsFinished: Counter<'status' | 'error_code'>;
  /**
   * STT engine HTTP attempts by engine id (`speechkit`, `openai`), request (`recognizeFileAsync`,
   * `operation poll`, …) and outcome (HTTP status, `timeout`, `network`); seconds.
   */
  sttRequestSeconds: Histogram<'engine' | 'request' | 'outcome'>;
  /** STT engine retries by engine id, request and the outcome that caused them. */
  sttRetries: Counter<'engine' | 'request' | 'outcome'>;
  /**
   * Seconds of audio the engine bills, by its own rule (`BillingRule`), by engine id and channel
   * count of the request. Use {@link Metrics.billed}, which also counts the estimated cost.
   */
  audioSecondsBilled: Counter<'engine' | 'channels'>;
  /** Estimated cost of the billed audio at the configured price, by engine id and currency. */
  estimatedCost: Counter<'engine' | 'currency'>;
  /** Seconds of audio uploaded (accepted uploads), by engine id. */
  audioSecondsUploaded: Counter<'engine'>;
  /** Uploads answered with a copy of an identical recording's transcript, by engine id. */
  jobsReused: Counter<'engine'>;
  /** Records `seconds` billed for one request of `channels` channels, and its estimated cost. */
  billed(engine: string, channels: number, seconds: number): void;
  /** Hooks to pass to every engine's HTTP client ({@link HttpObserver}); events carry the engine id. */
  sttObserver: HttpObserver;
  /** Seconds a request waited for an engine quota permit, by engine and request kind. */
  quotaWaitSeconds: Histogram<'engine' | 'kind'>;
  /** Hook to pass to a request limiter (`onWait`): observes {@link quotaWaitSeconds}. */
  quotaWaitObserver: (event: QuotaWaitEvent) => void;
  /**
   * Subscription `next` messages written to their sockets directly (shared results without
   * errors after a subscription's first message; `src/graphql/direct-send.ts`).
   */
  wsDirectMessages: Counter<string>;
  /** Webhook delivery attempts by event type and outcome (`WebhookAttemptOutcome`). */
  webhookAttempts: Counter<'event' | 'outcome'>;
  /** Seconds one webhook attempt took, by outcome. */
  webhookAttemptSeconds: Histogram<'outcome'>;
  /** Seconds from an event's commit to its successful delivery (retries included), by event type. */
  webhookCallbackSeconds: Histogram<'event'>;
  /**
   * Failed object store operations by operation (`put`, `get`, `stat`, `deletePrefix`, …, see
   * `src/storage/object-store.ts`) and error code (`ENOSPC`, `EACCES`, `EIO`, `STORAGE_UNAVAILABLE`
   * for an unreachable S3 store, `EncryptionError`, …); client faults (too large, interrupted)
   * are not counted.
   * See `src/observability/storage-errors.ts`.
   */
  storageErrors: Counter<'operation' | 'code'>;
  /** Job slots of this process's worker (its concurrency; 0 without a worker or once it stops). */
  workerSlots: Gauge<string>;
  /** Jobs this process's worker started running (after taking the job's lease). */
  workerJobsStarted: Counter<string>;
  /** Expiry sweeps run by this process, by outcome (`ok`, `error`). */
  expirySweeps: Counter<'outcome'>;
  /** Unix time in seconds of this process's last successful expiry sweep (0: none yet). */
  expirySweepLastSuccess: Gauge<string>;
}

/**
 * Creates a registry with process metrics (CPU, memory, event-loop lag) and the service's own.
 * @param role label added to every metric (`api`, `worker`, `api+worker`).
 * @param collectors scrape-time readers, and `prices` (`config.prices`) for the estimated cost.
 */
export function createMetrics(
  role: string,
  collectors: MetricsCollectors & { prices?: PriceTable } = {},
): Metrics {
  const prices = collectors.prices ?? {};
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'kazru_' });

  const httpRequestSeconds = new Histogram({
    name: 'kazru_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const graphqlOperationSeconds = new Histogram({
    name: 'kazru_graphql_operation_duration_seconds',
    help: 'GraphQL operation latency by operation type, first root field and outcome (ok|error).',
    labelNames: ['type', 'field', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const queueWaitSeconds = new Histogram({
    name: 'kazru_queue_wait_seconds',
    help: 'Time from upload to a worker starting the job.',
    buckets: STAGE_BUCKETS,
    registers: [registry],
  });
  const stageSeconds = new Histogram({
    name: 'kazru_pipeline_stage_duration_seconds',
    help: 'Time per pipeline stage: transcode, recognition, persist.',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers: [registry],
  });
  const jobsFinished = new Counter({
    name: 'kazru_jobs_finished_total',
    help: 'Jobs that reached a terminal status in this process, by status and error code.',
    labelNames: ['status', 'error_code'] as const,
    registers: [registry],
  });
  const sttRequestSeconds = new Histogram({
    name: 'kazru_stt_request_duration_seconds',
    help: 'STT engine HTTP attempts by engine, request and outcome (HTTP status, timeout, network).',
    labelNames: ['engine', 'request', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const sttRetries = new Counter({
    name: 'kazru_stt_retries_total',
    help: 'STT engine request retries by engine, request and the outcome that caused them.',
    labelNames: ['engine', 'request', 'outcome'] as const,
    registers: [registry],
  });
  const audioSecondsBilled = new Counter({
    name: 'kazru_stt_audio_seconds_total',
    help: "Seconds of audio billed by the engine's own rule (SpeechKit: per pair of channels, at least 15 s per request; OpenAI-compatible: the duration sent), by engine and channel count of the request.",
    labelNames: ['engine', 'channels'] as const,
    registers: [registry],
  });
  const estimatedCost = new Counter({
    name: 'kazru_stt_estimated_cost_total',
    help: 'Estimated cost of the billed audio at STT_PRICE_PER_MINUTE_<ENGINE>, by engine and currency (engines without a price are not counted).',
    labelNames: ['engine', 'currency'] as const,
    registers: [registry],
  });
  const audioSecondsUploaded = new Counter({
    name: 'kazru_audio_uploaded_seconds_total',
    help: 'Seconds of audio in accepted uploads, by engine.',
    labelNames: ['engine'] as const,
    registers: [registry],
  });
  const jobsReused = new Counter({
    name: 'kazru_jobs_reused_total',
    help: "Uploads answered at once with a copy of an identical recording's transcript (no engine call), by engine.",
    labelNames: ['engine'] as const,
    registers: [registry],
  });

  const wsDirectMessages = new Counter({
    name: 'kazru_graphql_ws_direct_messages_total',
    help: "Subscription messages written to their sockets directly (shared results without errors, after each subscription's first message, which graphql-ws sends).",
    registers: [registry],
  });

  const quotaWaitSeconds = new Histogram({
    name: 'kazru_quota_wait_seconds',
    help: 'Time a request waited for a permit of the engine quota shared by all workers (0 when none was needed), by engine and request kind.',
    labelNames: ['engine', 'kind'] as const,
    buckets: QUOTA_WAIT_BUCKETS,
    registers: [registry],
  });

  const sttCircuit = new Gauge({
    name: 'kazru_stt_circuit_open',
    help: 'STT engine circuit breaker by engine: 0 closed (calls flow), 0.5 half-open (one trial), 1 open (calls paused).',
    labelNames: ['engine'] as const,
    registers: [registry],
  });

  const webhookAttempts = new Counter({
    name: 'kazru_webhook_attempts_total',
    help: 'Webhook delivery attempts by event type and outcome (SUCCESS, HTTP_ERROR, TIMEOUT, NETWORK_ERROR, ADDRESS_REFUSED, GONE, …).',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  const webhookAttemptSeconds = new Histogram({
    name: 'kazru_webhook_attempt_duration_seconds',
    help: 'Time one webhook delivery attempt took, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const webhookCallbackSeconds = new Histogram({
    name: 'kazru_webhook_callback_latency_seconds',
    help: 'Time from the commit of an event (a job ending, a transcript edit) to its successful delivery, retries included, by event type.',
    labelNames: ['event'] as const,
    buckets: [...LATENCY_BUCKETS, 600, 3600, 21600, 86400, 259200],
    registers: [registry],
  });
  if (collectors.webhookDeliveries) {
    scrapedGauge(
      registry,
      'kazru_webhook_deliveries',
      'Webhook deliveries in the database by status.',
      'status',
      collectors.webhookDeliveries,
    );
  }

  const storageErrors = new Counter({
    name: 'kazru_storage_errors_total',
    help: 'Failed object store operations (disk full, permissions, I/O, S3 store unreachable) by operation and error code; client faults are not counted.',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  const workerSlots = new Gauge({
    name: 'kazru_worker_slots',
    help: "Job slots of this process's worker (its concurrency; 0 without a worker or once it is stopping).",
    registers: [registry],
  });
  const workerJobsStarted = new Counter({
    name: 'kazru_worker_jobs_started_total',
    help: "Jobs this process's worker started running (after taking the job's lease).",
    registers: [registry],
  });
  const expirySweeps = new Counter({
    name: 'kazru_expiry_sweeps_total',
    help: 'Expiry sweeps (jobs past retention: files and transcript deleted) run by this process, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const expirySweepLastSuccess = new Gauge({
    name: 'kazru_expiry_sweep_last_success_timestamp_seconds',
    help: "Unix time of this process's last successful expiry sweep (0: none yet, or no worker here).",
    registers: [registry],
  });

  if (collectors.dataDirSpace) {
    const read = collectors.dataDirSpace;
    const space = async () => read().catch(() => undefined);
    new Gauge({
      name: 'kazru_data_dir_free_bytes',
      help: 'Bytes available to the service on the file system holding DATA_DIR.',
      registers: [registry],
      async collect() {
        const s = await space();
        if (s) this.set(s.freeBytes);
      },
    });
    new Gauge({
      name: 'kazru_data_dir_size_bytes',
      help: 'Total bytes of the file system holding DATA_DIR.',
      registers: [registry],
      async collect() {
        const s = await space();
        if (s) this.set(s.sizeBytes);
      },
    });
  }
  if (collectors.jobsByStatus) {
    scrapedGauge(
      registry,
      'kazru_jobs',
      'Jobs in the database by status.',
      'status',
      collectors.jobsByStatus,
    );
  }
  if (collectors.queueDepth) {
    scrapedGauge(
      registry,
      'kazru_queue_jobs',
      'Jobs in the bee-queue transcription queue by state.',
      'state',
      collectors.queueDepth,
    );
  }

  return {
    registry,
    httpRequestSeconds,
    graphqlOperationSeconds,
    queueWaitSeconds,
    stageSeconds,
    jobsFinished,
    sttRequestSeconds,
    sttRetries,
    audioSecondsBilled,
    estimatedCost,
    audioSecondsUploaded,
    jobsReused,
    billed: (engine, channels, seconds) => {
      audioSecondsBilled.inc({ engine, channels: String(channels) }, seconds);
      const price = (prices as Record<string, { perMinute: number; currency: string }>)[engine];
      if (price) {
        estimatedCost.inc({ engine, currency: price.currency }, (seconds / 60) * price.perMinute);
      }
    },
    quotaWaitSeconds,
    wsDirectMessages,
    webhookAttempts,
    webhookAttemptSeconds,
    webhookCallbackSeconds,
    storageErrors,
    workerSlots,
    workerJobsStarted,
    expirySweeps,
    expirySweepLastSuccess,
    quotaWaitObserver: ({ engine, kind, waitedMs }) =>
      quotaWaitSeconds.observe({ engine, kind }, waitedMs / 1000),
    sttObserver: {
      attempt: ({ engine, what, outcome, durationMs }) =>
        sttRequestSeconds.observe({ engine, request: what, outcome }, durationMs / 1000),
      retry: ({ engine, what, outcome }) => sttRetries.inc({ engine, request: what, outcome }),
      circuit: ({ engine, state }) =>
        sttCircuit.set({ engine }, state === 'open' ? 1 : state === 'half-open' ? 0.5 : 0),
      // Every engine's series exists from its client's creation, at 0 (closed).
      created: ({ engine }) => sttCircuit.set({ engine }, 0),
    },
  };
}

/** A gauge with one label whose values are read by `read` at every scrape (empty on failure). */
function scrapedGauge(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: () => Promise<Record<string, number>>,
): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [key, value] of Object.entries(await read().catch(() => ({})))) {
        this.set({ [label]: key }, value);
      }
    },
  });
}
