/**
 * Test harness: starts the real service in-process (api + worker) against real Redis, a real
 * SQLite file (or PostgreSQL), real ffmpeg and the SpeechKit test double over real HTTP, and
 * talks to it the way clients do: GraphQL over HTTP, multipart uploads per the GraphQL
 * multipart request spec, and graphql-ws subscriptions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startApp, type App } from '../../src/app.js';
import { createApiKey, createTenant } from '../../src/auth/keys.js';
import { Tenant } from '../../src/db/entities/index.js';
import type { OpenAiEngineOptions } from '../../src/stt/openai/engine.js';
import type { SpeechKitProviderOptions } from '../../src/stt/speechkit/index.js';
import {
  startOpenAiDouble,
  type OpenAiDouble,
  type OpenAiDoubleOptions,
} from '../openai-double/index.js';
import { startSpeechKitDouble, type SpeechKitDouble } from '../speechkit-double/index.js';
import { loadManifests, type FixtureManifest } from '../speechkit-double/manifest.js';
import { REPO_ROOT } from './repo-root.js';
import { testRedisUrl } from './redis-db.js';

export const FIXTURES_DIR = path.join(REPO_ROOT, 'tests/fixtures/audio');
export const TEST_API_KEY = 'test-api-key';

/**
 * Abuse limits for tests that are not about them: many tests upload 10+ files within seconds from
 * 127.0.0.1, so the rate limits and tenant quotas are set out of reach. Tests of the limits
 * override these through `startTestApp(env)`.
 */
export const RELAXED_LIMITS_ENV: Readonly<Record<string, string>> = Object.freeze({
  // Tests upload the same fixtures again and again and expect them transcribed each time;
  // duplicate reuse is tested where it is enabled (tests/e2e/partner-usage.test.ts).
  DUPLICATE_REUSE: 'false',
  RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
  RATE_LIMIT_UPLOADS_PER_MINUTE: '100000',
  TENANT_AUDIO_HOURS_PER_DAY: '1000000',
  TENANT_MAX_CONCURRENT_JOBS: '100000',
});

/** Redis database used by the tests (flushed before each app start), away from real data. */
export const TEST_REDIS_URL = testRedisUrl('app', 'TEST_REDIS_URL');

/** A fixture manifest by file name. */
export function manifest(file: string): FixtureManifest {
  const m = loadManifests(FIXTURES_DIR).find((x) => x.file === file);
  if (!m) throw new Error(`no manifest for ${file}`);
  return m;
}

export interface TestApp {
  app: App;
  config: Config;
  double: SpeechKitDouble;
  /** The OpenAI-compatible double, when `opts.openAi` asked for one (engine `openai`). */
  openai?: OpenAiDouble;
  url: string;
  wsUrl: string;
  dataDir: string;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    as?: CallerOptions,
  ): Promise<GqlResult<T>>;
  upload(
    filePath: string,
    options?: Record<string, unknown> | null,
    filename?: string,
    as?: CallerOptions,
  ): Promise<GqlResult>;
  subscribe(query: string, variables: Record<string, unknown>, as?: CallerOptions): Subscription;
  jobDirs(): string[];
  /**
   * Creates a tenant (if new) and an API key for it through the same functions as
   * `npm run admin`; returns the key in clear.
   */
  createTenantKey(
    tenantId: string,
    opts?: { expiresAt?: Date; quotas?: TenantQuotas },
  ): Promise<string>;
  close(): Promise<void>;
}

/** Per-tenant quota overrides (null = service default). */
export interface TenantQuotas {
  audioHoursPerDay?: number | null;
  maxConcurrentJobs?: number | null;
}

/** Who a harness call is made as: an API key (sent as `Authorization: Bearer`) and extra headers. */
export interface CallerOptions {
  apiKey?: string;
  headers?: Record<string, string>;
}

/** HTTP headers for a caller. */
export function callerHeaders(as?: CallerOptions): Record<string, string> {
  return {
    ...(as?.apiKey ? { authorization: `Bearer ${as.apiKey}` } : {}),
    ...as?.headers,
  };
}

/** A GraphQL response plus the HTTP status. `errors` is typed loosely on purpose: tests read it. */
export interface GqlResult<T = any> {
  data?: T;
  errors?: any;
  status: number;
}

/** A collecting graphql-ws subscription. */
export interface Subscription {
  events: any[];
  errors: unknown[];
  /** Resolves when the server completes the subscription. */
  done: Promise<void>;
  close(): void;
}

/**
 * Starts the SpeechKit double and the app with test settings; `env` overrides configuration
 * variables (e.g. `{ MAX_UPLOAD_BYTES: '50000' }`).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: {
    pollsUntilDone?: number;
    /** Receives every log line (JSON) the app writes, at LOG_LEVEL (default silent). */
    logLines?: string[];
    /** SpeechKit client tuning on top of the fast test defaults (retries, breaker). */
    sttOptions?: SpeechKitProviderOptions;
    /** OpenAI-compatible client tuning on top of the fast test defaults (retries, breaker). */
    openAiOptions?: OpenAiEngineOptions;
    /**
     * Starts the OpenAI-compatible double with these options and enables the `openai` engine on
     * it (`OPENAI_STT_URL`); SpeechKit stays enabled and the default unless `env` says otherwise.
     */
    openAi?: OpenAiDoubleOptions;
  } = {},
): Promise<TestApp> {
  const double = await startSpeechKitDouble({
    apiKey: TEST_API_KEY,
    manifests: loadManifests(FIXTURES_DIR),
    pollsUntilDone: opts.pollsUntilDone ?? 2,
  });
  const openai = opts.openAi
    ? await startOpenAiDouble({ manifests: loadManifests(FIXTURES_DIR), ...opts.openAi })
    : undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-test-'));
  const redis = new Redis(TEST_REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    REDIS_URL: TEST_REDIS_URL,
    YANDEX_API_KEY: TEST_API_KEY,
    SPEECHKIT_STT_URL: double.url,
    SPEECHKIT_OPERATION_URL: double.url,
    SPEECHKIT_IAM_URL: double.iamUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...RELAXED_LIMITS_ENV,
    ...(openai
      ? {
          OPENAI_STT_URL: openai.url,
          ...(opts.openAi?.apiKey ? { OPENAI_STT_API_KEY: opts.openAi.apiKey } : {}),
        }
      : {}),
    ...env,
  });
  const logger = opts.logLines
    ? pino({ level: config.logLevel }, { write: (line: string) => void opts.logLines!.push(line) })
    : pino({ level: config.logLevel });
  const app = await startApp(config, logger, {
    speechKit: {
      poll: { initialDelayMs: 50, maxDelayMs: 200 },
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      ...opts.sttOptions,
    },
    openAi: { retry: { baseDelayMs: 20, maxDelayMs: 200 }, ...opts.openAiOptions },
  });
  const url = `http://127.0.0.1:${app.api!.port}`;
  const wsUrl = `ws://127.0.0.1:${app.api!.port}/graphql`;
  const clients: Client[] = [];

  const gql: TestApp['gql'] = async (query, variables, as) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...callerHeaders(as) },
      body: JSON.stringify({ query, variables }),
    });
    return { ...((await res.json()) as object), status: res.status };
  };

  const upload: TestApp['upload'] = async (filePath, options, filename, as) => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation($file: Upload!, $options: TranscriptionOptionsInput) {
          uploadAudio(file: $file, options: $options) { id filename sizeBytes status progress durationSeconds channels format createdAt expiresAt }
        }`,
        variables: { file: null, options: options ?? null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', await fs.openAsBlob(filePath), filename ?? path.basename(filePath));
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'Apollo-Require-Preflight': 'true', ...callerHeaders(as) },
      body: form,
    });
    return { ...((await res.json()) as object), status: res.status };
  };

  const subscribe: TestApp['subscribe'] = (query, variables, as) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: as?.apiKey ? { authorization: `Bearer ${as.apiKey}` } : undefined,
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    const events: any[] = [];
    const errors: unknown[] = [];
    let dispose = () => {};
    const done = new Promise<void>((resolve) => {
      dispose = client.subscribe(
        { query, variables },
        {
          next: (v) => events.push(v),
          error: (e) => {
            errors.push(e);
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
    return { events, errors, done, close: () => dispose() };
  };

  const jobDirs = () => {
    const dir = path.join(dataDir, 'jobs');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };

  const createTenantKey: TestApp['createTenantKey'] = async (tenantId, o = {}) => {
    const em = app.resources.orm.em.fork();
    if (!(await em.findOne(Tenant, tenantId))) {
      await createTenant(em, { id: tenantId, name: `Tenant ${tenantId}`, ...o.quotas });
    }
    const { key } = await createApiKey(em, {
      tenantId,
      name: `${tenantId}-key`,
      expiresAt: o.expiresAt,
    });
    return key;
  };

  return {
    app,
    config,
    createTenantKey,
    double,
    openai,
    url,
    wsUrl,
    dataDir,
    gql,
    upload,
    subscribe,
    jobDirs,
    close: async () => {
      await Promise.all(clients.map(async (c) => c.dispose()));
      await app.close();
      await double.close();
      await openai?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `job(id)` until it reaches one of `statuses` (or times out). */
export async function waitForStatus(
  t: TestApp,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await t.gql(
      `query($id: ID!) { job(id: $id) { id status progress errorCode errorMessage } }`,
      { id },
    );
    const job = r.data?.job;
    if (job && statuses.includes(job.status)) return job;
    if (Date.now() > deadline) {
      throw new Error(`job ${id} still ${job?.status} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
