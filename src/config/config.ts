/**
 * Configuration: read from the environment once, validated with zod, typed and frozen.
 * Only this module reads `process.env`. A wrong value stops start-up with a list of every
 * problem (see {@link loadConfig}). Every variable is documented in README.md.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ENGINE_ENV, resolveEngines, type EnginesConfig } from './engines.js';
import { WEBHOOK_ENV, webhooksConfig, type WebhooksConfig } from './webhooks.js';
import { readPrices, type PriceTable } from './prices.js';
import { readStorageConfig, type StorageConfig } from './storage-config.js';

const MiB = 1024 * 1024;

const int = (def: number, min: number) => z.coerce.number().int().min(min).default(def);
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const url = (def: string) => z.url({ protocol: /^https?$/ }).default(def);
/** A positive whole number, or unset ('' counts as unset). */
const optionalPositiveInt = optionalString.pipe(z.coerce.number<string>().int().min(1).optional());

/** Names express's `trust proxy` accepts for well-known ranges (proxy-addr, used by express 5). */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Parses `TRUST_PROXY` into what express's `trust proxy` setting takes (see {@link Config}). */
function parseTrustProxy(v: string, ctx: z.RefinementCtx): boolean | number | string[] {
  const lower = v.toLowerCase();
  if (lower === '' || lower === 'false') return false;
  if (lower === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v) === 0 ? false : Number(v);
  const entries = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const bad = entries.filter((x) => {
    if (TRUST_PROXY_NAMES.has(x)) return false;
    const [addr = '', prefix, ...rest] = x.split('/');
    const family = net.isIP(addr);
    if (family === 0 || rest.length > 0) return true;
    if (prefix === undefined) return false;
    if (!/^\d+$/.test(prefix)) return true;
    return Number(prefix) > (family === 4 ? 32 : 128);
  });
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `not a proxy address or subnet: ${bad.join(', ')}. Use false, true, a hop count, or a comma list of IPs, CIDRs, loopback, linklocal, uniquelocal`,
    });
    return z.NEVER;
  }
  return entries;
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Which process roles to run: `api`, `worker` or both (comma separated). */
  ROLES: z
    .string()
    .default('api,worker')
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['api', 'worker'])).min(1)),
  PORT: int(4000, 0).refine((p) => p <= 65535, 'must be a TCP port (0-65535)'),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^(postgres(ql)?:\/\/|sqlite:|file:|\/|\.)/, 'use postgres://… or a SQLite file path')
      .optional(),
  ),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'use redis://host:port')
    .default('redis://127.0.0.1:6379'),
  MAX_UPLOAD_BYTES: int(500 * MiB, 1),
  MAX_DURATION_SECONDS: int(4 * 3600, 1),
  RETENTION_HOURS: z.coerce.number().positive().default(24),
  /** Answer an identical re-upload with a copy of its transcript (`src/services/reuse.ts`). */
  DUPLICATE_REUSE: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  WORKER_CONCURRENCY: int(2, 1),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().min(1).default(60),
  /** Worker-only processes serve /metrics and /health/live on this port; 0 = off. */
  METRICS_PORT: int(0, 0).refine((p) => p <= 65535, 'must be a TCP port (0-65535)'),
  STT_PROVIDER: z.enum(['speechkit']).default('speechkit'),
  ...ENGINE_ENV,
  ...WEBHOOK_ENV,
  YANDEX_API_KEY: optionalString,
  YANDEX_IAM_TOKEN: optionalString,
  YANDEX_SA_KEY_FILE: optionalString,
  YANDEX_FOLDER_ID: optionalString,
  SPEECHKIT_STT_URL: url('https://stt.api.cloud.yandex.net'),
  SPEECHKIT_OPERATION_URL: url('https://operation.api.cloud.yandex.net'),
  SPEECHKIT_IAM_URL: url('https://iam.api.cloud.yandex.net/iam/v1/tokens'),
  SPEECHKIT_MODEL: z.string().min(1).default('general'),
  /** Raised SpeechKit quotas (unset: the documented 5 status checks/s, 500 submissions/h). */
  SPEECHKIT_POLLS_PER_SECOND: optionalPositiveInt,
  SPEECHKIT_SUBMISSIONS_PER_HOUR: optionalPositiveInt,
  /** `open`: no key, one default tenant. `api-key`: every request needs a tenant's API key. */
  AUTH_MODE: z.enum(['open', 'api-key']).default('open'),
  /** Serve schema introspection (GraphiQL needs it); defaults to on. */
  GRAPHQL_INTROSPECTION: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  GRAPHQL_MAX_DEPTH: int(10, 1),
  GRAPHQL_MAX_ALIASES: int(15, 1),
  GRAPHQL_MAX_COST: int(5000, 1),
  GRAPHQL_MAX_DIRECTIVES: int(50, 1),
  GRAPHQL_MAX_TOKENS: int(1000, 1),
  /** Largest graphql-ws message in bytes; a bigger one closes the socket with 1009. */
  GRAPHQL_WS_MAX_PAYLOAD_BYTES: int(64 * 1024, 1024),
  /** Milliseconds a WebSocket may stay open before `connection_init` (then closed 4408). */
  GRAPHQL_WS_INIT_TIMEOUT_MS: int(3000, 100),
  /** Requests per minute per API key (or per IP without a key). */
  RATE_LIMIT_REQUESTS_PER_MINUTE: int(600, 1),
  /** Uploads per minute per API key (or per IP without a key). */
  RATE_LIMIT_UPLOADS_PER_MINUTE: int(20, 1),
  /** Length of the rate-limit window in seconds; the *_PER_MINUTE limits count per window. */
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1),
  /** Express `trust proxy`: false, true, a hop count, or a comma list of proxy addresses/subnets. */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((v, ctx) => parseTrustProxy(v, ctx)),
  /** Default hours of audio a tenant may upload per day (tenants may override). */
  TENANT_AUDIO_HOURS_PER_DAY: z.coerce.number().positive().default(48),
  /** Default number of unfinished jobs a tenant may have at once (tenants may override). */
  TENANT_MAX_CONCURRENT_JOBS: int(20, 1),
  /**
   * Seconds an idle HTTP connection is kept open for reuse (Node's default is 5 s; load
   * balancers reuse connections for 60 s and more). `headersTimeout` is set 1 s above it.
   */
  HTTP_KEEPALIVE_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(65),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** SpeechKit credentials; exactly one kind, or none (the service starts, health reports it). */
export type SpeechKitAuth =
  | { kind: 'api-key'; apiKey: string }
  | { kind: 'iam-token'; iamToken: string }
  | { kind: 'sa-key-file'; keyFile: string }
  | { kind: 'none' };

/** Validated, typed configuration. Sizes in bytes, durations in seconds unless named otherwise. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  roles: ('api' | 'worker')[];
  port: number;
  host: string;
  /** Absolute path; uploads live in `<dataDir>/jobs/<jobId>/`. */
  dataDir: string;
  /** Object store, scratch directory and encryption at rest (`./storage-config.ts`). */
  storage: StorageConfig;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgresql'; url: string };
  redisUrl: string;
  maxUploadBytes: number;
  maxDurationSeconds: number;
  retentionHours: number;
  /**
   * True (default): an upload identical to a COMPLETED, unexpired job of the same tenant (same
   * bytes, engine and options) is answered with a copy of its transcript; uploads may still opt
   * out with `options.reuse: false`. False: every upload is transcribed.
   */
  duplicateReuse: boolean;
  workerConcurrency: number;
  /**
   * On SIGTERM a worker lets running jobs finish for this many seconds, then stops them and hands
   * them back to the queue (another worker resumes them at once).
   */
  workerShutdownGraceSeconds: number;
  /** Seconds between two runs of the queue reconciler in each worker (see `src/jobs/reconciler.ts`). */
  reconcileIntervalSeconds: number;
  /** Port of the metrics endpoint of a worker-only process (0: none; the api serves /metrics). */
  metricsPort: number;
  /** Speech engines: which are enabled, the default, and the OpenAI-compatible server. */
  engines: EnginesConfig;
  /** Price per billed minute by engine (`STT_PRICE_PER_MINUTE_<ENGINE>`, see `./prices.ts`). */
  prices: PriceTable;
  stt: {
    provider: 'speechkit';
    auth: SpeechKitAuth;
    folderId?: string;
    sttUrl: string;
    operationUrl: string;
    iamUrl: string;
    model: string;
    /**
     * SpeechKit quotas shared by all workers (see `src/stt/speechkit/quotas.ts`); unset fields
     * mean SpeechKit's documented figures (5 operation polls per second, 500 submissions per hour).
     */
    quotas?: { pollsPerSecond?: number; submissionsPerHour?: number };
  };
  logLevel: string;
  /** `open`: no key, one default tenant; `api-key`: Bearer keys, one tenant per key. */
  authMode: 'open' | 'api-key';
  /** GraphQL limits, enforced on HTTP and WebSocket alike (see `src/graphql/armor.ts`). */
  graphql: {
    introspection: boolean;
    maxDepth: number;
    maxAliases: number;
    maxCost: number;
    maxDirectives: number;
    maxTokens: number;
    /** Largest graphql-ws message, bytes (ws `maxPayload`; over it the socket closes 1009). */
    wsMaxPayloadBytes: number;
    /** Time allowed between the WebSocket upgrade and `connection_init`, ms (then 4408). */
    wsConnectionInitTimeoutMs: number;
  };
  /**
   * Per API key (or per client IP without a key). The limits count per window of `windowSeconds`
   * (60 unless `RATE_LIMIT_WINDOW_SECONDS` says otherwise; see `src/http/rate-limit.ts`).
   */
  rateLimits: { requestsPerMinute: number; uploadsPerMinute: number; windowSeconds: number };
  /**
   * Which proxies may tell the client IP in `X-Forwarded-For` (express `trust proxy`): false =
   * none (the TCP peer is the client), true = every hop (only behind a proxy that overwrites the
   * header), a number = that many hops, or a list of addresses, CIDR subnets and the names
   * `loopback`, `linklocal`, `uniquelocal`. Per-IP rate limits key on the IP this yields.
   */
  trustProxy: boolean | number | string[];
  /** Defaults for tenants whose own quota is not set. */
  tenantQuotas: { audioHoursPerDay: number; maxConcurrentJobs: number };
  /** Outgoing webhooks: URL rules, timeout, retry schedule, dispatch (`./webhooks.ts`). */
  webhooks: WebhooksConfig;
  /**
   * Seconds an idle HTTP connection stays open for the next request (`keepAliveTimeout`; the
   * headers timeout is 1 s more). Longer than the idle timeout of any load balancer in front,
   * so the balancer never reuses a connection the service is closing.
   */
  httpKeepAliveTimeoutSeconds: number;
}

/** Thrown by {@link loadConfig}; its message lists every invalid variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/**
 * {@link loadConfig} for a command-line entry point: on invalid configuration prints the list of
 * problems to stderr and exits with `exitCode`.
 */
export function loadConfigOrExit(exitCode: number): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(exitCode);
    }
    throw err;
  }
}

/**
 * Parses and validates configuration.
 * @param env variables to read; defaults to `process.env`. Tests pass their own object.
 * @throws ConfigError naming each invalid variable and why.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  ${String(i.path[0] ?? '(env)')}: ${i.message}`);
  const credentials = ['YANDEX_API_KEY', 'YANDEX_IAM_TOKEN', 'YANDEX_SA_KEY_FILE'].filter((k) =>
    env[k]?.trim(),
  );
  if (credentials.length > 1) {
    problems.push(
      `  ${credentials.join(', ')}: set only one of YANDEX_API_KEY, YANDEX_IAM_TOKEN, YANDEX_SA_KEY_FILE`,
    );
  }
  const engines = parsed.success ? resolveEngines(parsed.data, credentials.length > 0) : undefined;
  problems.push(...(engines?.problems ?? []));
  const prices = readPrices(env);
  problems.push(...prices.problems);
  const storage = readStorageConfig(env, path.resolve(env.DATA_DIR?.trim() || './data'));
  problems.push(...storage.problems);
  if (!parsed.success || !engines || !storage.storage || problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  let database: Config['database'];
  const dbUrl = e.DATABASE_URL;
  if (!dbUrl) database = { kind: 'sqlite', file: path.join(dataDir, 'kazru-stt.sqlite') };
  else if (/^postgres(ql)?:\/\//.test(dbUrl)) database = { kind: 'postgresql', url: dbUrl };
  else {
    database = { kind: 'sqlite', file: path.resolve(dbUrl.replace(/^(sqlite|file):(\/\/)?/, '')) };
  }

  const auth: SpeechKitAuth = e.YANDEX_API_KEY
    ? { kind: 'api-key', apiKey: e.YANDEX_API_KEY }
    : e.YANDEX_IAM_TOKEN
      ? { kind: 'iam-token', iamToken: e.YANDEX_IAM_TOKEN }
      : e.YANDEX_SA_KEY_FILE
        ? { kind: 'sa-key-file', keyFile: path.resolve(e.YANDEX_SA_KEY_FILE) }
        : { kind: 'none' };

  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    roles: e.ROLES,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    storage: storage.storage,
    database,
    redisUrl: e.REDIS_URL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxDurationSeconds: e.MAX_DURATION_SECONDS,
    retentionHours: e.RETENTION_HOURS,
    duplicateReuse: e.DUPLICATE_REUSE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerShutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
    reconcileIntervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
    metricsPort: e.METRICS_PORT,
    engines: engines.engines,
    prices: prices.prices,
    stt: {
      provider: e.STT_PROVIDER,
      auth,
      folderId: e.YANDEX_FOLDER_ID,
      sttUrl: trimSlash(e.SPEECHKIT_STT_URL),
      operationUrl: trimSlash(e.SPEECHKIT_OPERATION_URL),
      iamUrl: e.SPEECHKIT_IAM_URL,
      model: e.SPEECHKIT_MODEL,
      quotas: {
        pollsPerSecond: e.SPEECHKIT_POLLS_PER_SECOND,
        submissionsPerHour: e.SPEECHKIT_SUBMISSIONS_PER_HOUR,
      },
    },
    logLevel: e.LOG_LEVEL,
    authMode: e.AUTH_MODE,
    graphql: {
      introspection: e.GRAPHQL_INTROSPECTION,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxCost: e.GRAPHQL_MAX_COST,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      wsMaxPayloadBytes: e.GRAPHQL_WS_MAX_PAYLOAD_BYTES,
      wsConnectionInitTimeoutMs: e.GRAPHQL_WS_INIT_TIMEOUT_MS,
    },
    rateLimits: {
      requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE,
      uploadsPerMinute: e.RATE_LIMIT_UPLOADS_PER_MINUTE,
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
    },
    trustProxy: e.TRUST_PROXY,
    tenantQuotas: {
      audioHoursPerDay: e.TENANT_AUDIO_HOURS_PER_DAY,
      maxConcurrentJobs: e.TENANT_MAX_CONCURRENT_JOBS,
    },
    webhooks: webhooksConfig(e),
    httpKeepAliveTimeoutSeconds: e.HTTP_KEEPALIVE_TIMEOUT_SECONDS,
  });
}
