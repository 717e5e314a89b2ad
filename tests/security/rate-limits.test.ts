/**
 * Rate limits per API key and per client IP (src/http/rate-limit.ts): they trip exactly at their
 * configured values, answer 429 with Retry-After and a stable code, reset when the window ends,
 * keep keys and IPs apart, and refuse an upload before anything is stored. Real api + worker,
 * real Redis and HTTP; distinct client IPs are real source addresses on the loopback network
 * (127.0.0.x), not headers. Short windows (RATE_LIMIT_WINDOW_SECONDS) keep the reset cases quick.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { OPEN_PRINCIPAL } from '../../src/auth/principal.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { Job } from '../../src/db/entities/index.js';
import { RateLimitedError, RateLimits } from '../../src/http/rate-limit.js';
import { createRedisCommandClient } from '../../src/jobs/queue.js';
import { FIXTURES_DIR, TEST_REDIS_URL, startTestApp, type TestApp } from '../helpers/harness.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/processes.js';

const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const WINDOW_SECONDS = 10; // long enough for two uploads on a loaded machine
const REQUESTS = 5;
const UPLOADS = 2;
const SERVICE_INFO = JSON.stringify({ query: '{ serviceInfo { retentionHours } }' });

/** An HTTP answer with its headers and parsed JSON body. */
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  ms: number;
}

/** One HTTP request from a chosen local address (a distinct client IP on 127.0.0.0/8). */
function request(
  url: string,
  opts: {
    method?: string;
    from?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
  } = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        localAddress: opts.from ?? '127.0.0.1',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ms: performance.now() - started,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const gqlFrom = (t: TestApp, from: string, headers: Record<string, string> = {}) =>
  request(`${t.url}/graphql`, {
    method: 'POST',
    from,
    headers: { 'content-type': 'application/json', ...headers },
    body: SERVICE_INFO,
  });

/** A GraphQL multipart upload of `file`, as bytes and headers (built by the platform's FormData). */
async function multipart(file: string): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($file: Upload!) { uploadAudio(file: $file) { id } }',
      variables: { file: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', await fs.openAsBlob(file), path.basename(file));
  const r = new Request('http://x/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await r.arrayBuffer()),
    headers: {
      'content-type': r.headers.get('content-type')!,
      'apollo-require-preflight': 'true',
    },
  };
}

const retryAfter = (a: Answer) => Number(a.headers['retry-after']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rate limits per IP (AUTH_MODE=open, TRUST_PROXY=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS),
      RATE_LIMIT_UPLOADS_PER_MINUTE: String(UPLOADS),
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });
  afterAll(async () => t?.close());

  test('requests: N allowed, N+1 refused with 429, Retry-After and RATE_LIMITED; then reset', async () => {
    const ip = '127.0.0.11';
    for (let i = 1; i <= REQUESTS; i++) {
      const a = await gqlFrom(t, ip);
      console.log(
        `rate requests ${ip}: #${i} -> ${a.status} RateLimit: ${String(a.headers['ratelimit'])} (${a.ms.toFixed(1)} ms)`,
      );
      expect(a.status).toBe(200);
      expect(a.body.data.serviceInfo.retentionHours).toBe(24);
      expect(a.headers['ratelimit-policy']).toBe(`"requests";q=${REQUESTS};w=${WINDOW_SECONDS}`);
      expect(a.headers['ratelimit']).toMatch(new RegExp(`^"requests";r=${REQUESTS - i};t=\\d+$`));
    }
    const refused = await gqlFrom(t, ip);
    const error = refused.body.errors?.[0];
    console.log(
      `rate requests ${ip}: #${REQUESTS + 1} -> ${refused.status} ${error?.extensions?.code} ${error?.extensions?.reason} Retry-After ${String(refused.headers['retry-after'])} retryAfterSeconds ${error?.extensions?.retryAfterSeconds} (${refused.ms.toFixed(1)} ms): ${error?.message}`,
    );
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'REQUESTS_PER_MINUTE' });
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);
    expect(retryAfter(refused)).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(error.extensions.retryAfterSeconds).toBe(retryAfter(refused));
    expect(error.message).toMatch(new RegExp(`${REQUESTS} requests per ${WINDOW_SECONDS} s`));
    expect(error.message).toMatch(/Try again in \d+ s/);
    expect(refused.body.data).toBeUndefined();

    // A forged X-Forwarded-For does not buy a fresh budget: no proxy is trusted.
    const spoofed = await gqlFrom(t, ip, { 'x-forwarded-for': '198.51.100.99' });
    console.log(`rate requests ${ip}: with X-Forwarded-For 198.51.100.99 -> ${spoofed.status}`);
    expect(spoofed.status).toBe(429);

    // The REST routes share the budget and answer in their own error shape.
    const rest = await request(`${t.url}/api/v1/jobs/nope/export/txt`, { from: ip });
    console.log(
      `rate requests ${ip}: GET /api/v1/jobs/…/export -> ${rest.status} ${rest.body.error?.code} Retry-After ${String(rest.headers['retry-after'])}`,
    );
    expect(rest.status).toBe(429);
    expect(rest.body.error).toMatchObject({ code: 'RATE_LIMITED', reason: 'REQUESTS_PER_MINUTE' });
    expect(retryAfter(rest)).toBeGreaterThanOrEqual(1);

    // Health, metrics and static files are not counted.
    for (const p of ['/api/v1/health/live', '/metrics', '/']) {
      const a = await request(`${t.url}${p}`, { from: ip });
      console.log(`rate requests ${ip}: GET ${p} while limited -> ${a.status}`);
      expect(a.status).not.toBe(429);
      expect(a.headers['ratelimit']).toBeUndefined();
    }

    // Another client IP has its own budget.
    const other = await gqlFrom(t, '127.0.0.12');
    console.log(`rate requests 127.0.0.12 while ${ip} is limited -> ${other.status}`);
    expect(other.status).toBe(200);

    // After Retry-After seconds the window has ended and the full budget is back.
    const waited = performance.now();
    await sleep(retryAfter(refused) * 1000 + 200);
    const after = await gqlFrom(t, ip);
    console.log(
      `rate requests ${ip}: after waiting ${((performance.now() - waited) / 1000).toFixed(1)} s (Retry-After ${retryAfter(refused)}) -> ${after.status} RateLimit: ${String(after.headers['ratelimit'])}`,
    );
    expect(after.status).toBe(200);
    expect(after.headers['ratelimit']).toMatch(new RegExp(`^"requests";r=${REQUESTS - 1};`));
  });

  test('uploads: N allowed, N+1 refused before its body is read; no file and no row', async () => {
    const ip = '127.0.0.21';
    const upload = await multipart(FIXTURE);
    const em = () => t.app.resources.orm.em.fork();
    for (let i = 1; i <= UPLOADS; i++) {
      const a = await request(`${t.url}/graphql`, { method: 'POST', from: ip, ...upload });
      console.log(
        `rate uploads ${ip}: #${i} -> ${a.status} job ${a.body.data?.uploadAudio?.id} RateLimit: ${String(a.headers['ratelimit'])} (${a.ms.toFixed(0)} ms)`,
      );
      expect(a.status).toBe(200);
      expect(a.body.data.uploadAudio.id).toBeTruthy();
      expect(a.headers['ratelimit']).toMatch(new RegExp(`"uploads";r=${UPLOADS - i};t=\\d+`));
    }
    const dirs = t.jobDirs().length;
    const rows = await em().count(Job, {});
    const refused = await request(`${t.url}/graphql`, { method: 'POST', from: ip, ...upload });
    const error = refused.body.errors?.[0];
    console.log(
      `rate uploads ${ip}: #${UPLOADS + 1} -> ${refused.status} ${error?.extensions?.code} ${error?.extensions?.reason} Retry-After ${String(refused.headers['retry-after'])} Connection: ${String(refused.headers.connection)} (${refused.ms.toFixed(1)} ms); job dirs ${dirs} -> ${t.jobDirs().length}, rows ${rows} -> ${await em().count(Job, {})}`,
    );
    expect(refused.status).toBe(429);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'UPLOADS_PER_MINUTE' });
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);
    expect(retryAfter(refused)).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(error.message).toMatch(new RegExp(`${UPLOADS} uploads per ${WINDOW_SECONDS} s`));
    expect(t.jobDirs().length).toBe(dirs);
    expect(await em().count(Job, {})).toBe(rows);

    // A large refused upload is answered at once, without the server reading the file.
    const big = Buffer.alloc(64 * 1024 * 1024, 1);
    const bigRefused = await new Promise<{ status: number; ms: number; error?: string }>(
      (resolve) => {
        const started = performance.now();
        const req = http.request(`${t.url}/graphql`, {
          method: 'POST',
          localAddress: ip,
          agent: false,
          headers: { ...upload.headers, 'content-length': String(big.length) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started });
        });
        req.on('error', (err) =>
          resolve({ status: 0, ms: performance.now() - started, error: err.message }),
        );
        req.end(big);
      },
    );
    console.log(
      `rate uploads ${ip}: refused 64 MiB upload -> ${bigRefused.status} in ${bigRefused.ms.toFixed(1)} ms${bigRefused.error ? ` (client error: ${bigRefused.error})` : ''}; job dirs ${t.jobDirs().length}`,
    );
    expect(bigRefused.status).toBe(429);
    expect(t.jobDirs().length).toBe(dirs);

    // Uploads from another IP are not affected.
    const other = await request(`${t.url}/graphql`, {
      method: 'POST',
      from: '127.0.0.22',
      ...upload,
    });
    console.log(`rate uploads 127.0.0.22 while 127.0.0.21 is limited -> ${other.status}`);
    expect(other.status).toBe(200);
  });
});

describe('rate limits behind a trusted proxy (TRUST_PROXY=loopback)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '2',
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });
  afterAll(async () => t?.close());

  test('the client IP comes from X-Forwarded-For set by the proxy', async () => {
    const as = (ip: string) => gqlFrom(t, '127.0.0.1', { 'x-forwarded-for': ip });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await as('203.0.113.5')).status);
    const other = (await as('203.0.113.6')).status;
    console.log(
      `rate proxy: 3 requests as 203.0.113.5 -> ${statuses.join(',')}; then 203.0.113.6 -> ${other}`,
    );
    expect(statuses).toEqual([200, 200, 429]);
    expect(other).toBe(200);
  });
});

describe('rate limits per API key (AUTH_MODE=api-key)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      AUTH_MODE: 'api-key',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '3',
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });
  afterAll(async () => t?.close());

  test('each key has its own budget, even from the same IP and tenant', async () => {
    const a = await t.createTenantKey('acme');
    const b = await t.createTenantKey('acme');
    const c = await t.createTenantKey('globex');
    const call = (key: string) => gqlFrom(t, '127.0.0.31', { authorization: `Bearer ${key}` });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push((await call(a)).status);
    const refused = await call(a);
    const error = refused.body.errors?.[0];
    const sameTenant = await call(b);
    const otherTenant = await call(c);
    console.log(
      `rate keys: key A x3 -> ${seen.join(',')}; 4th -> ${refused.status} ${error?.extensions?.code} Retry-After ${String(refused.headers['retry-after'])} "${error?.message}"; key B (same tenant, same IP) -> ${sameTenant.status}; key C (other tenant) -> ${otherTenant.status}`,
    );
    expect(seen).toEqual([200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(error.extensions.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/this API key/);
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);
    expect(sameTenant.status).toBe(200);
    expect(otherTenant.status).toBe(200);
  });
});

describe('the limiter itself (what graphql-ws onSubscribe calls)', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(() => redis.disconnect());

  test('a key and the IP it calls from count separately', async () => {
    const limits = new RateLimits(redis, {
      requestsPerMinute: 2,
      uploadsPerMinute: 1,
      windowSeconds: 30,
    });
    const ip = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
    const keyed = { tenantId: 'acme', keyId: `key-${Date.now()}` };
    await limits.consumeRequest(keyed, ip);
    await limits.consumeRequest(keyed, ip);
    const overKey = await limits.consumeRequest(keyed, ip).catch((e: unknown) => e);
    const byIp = await limits.consumeRequest(OPEN_PRINCIPAL, ip);
    console.log(
      `rate limiter: key x3 -> 3rd ${overKey instanceof RateLimitedError ? `refused (${overKey.code}, retry ${overKey.retryAfterSeconds} s)` : 'allowed'}; same IP without key -> allowed, ${byIp.remaining} left`,
    );
    expect(overKey).toBeInstanceOf(RateLimitedError);
    expect(byIp.remaining).toBe(1);
    await limits.reset(`key:${keyed.keyId}`);
    expect((await limits.consumeRequest(keyed, ip)).remaining).toBe(1);
  });

  test('graphql-ws subscriptions count as requests and are refused with GraphQL errors', async () => {
    const limits = new RateLimits(redis, {
      requestsPerMinute: 2,
      uploadsPerMinute: 1,
      windowSeconds: 30,
    });
    const keyed = { tenantId: 'acme', keyId: `ws-key-${Date.now()}` };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await limits.subscriptionErrors(keyed, '192.0.2.1'));
    const refusal = answers[2]?.[0];
    console.log(
      `rate limiter, subscriptions with limit 2: ${answers.map((a) => (a ? 'refused' : 'allowed')).join(', ')}; ${JSON.stringify(refusal?.toJSON())}`,
    );
    expect(answers.slice(0, 2)).toEqual([null, null]);
    expect(refusal?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'REQUESTS_PER_MINUTE',
    });
    expect(refusal?.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  test('TRUST_PROXY accepts false, true, hop counts and address lists, and nothing else', () => {
    const parse = (v: string) => {
      try {
        return JSON.stringify(loadConfig({ TRUST_PROXY: v }).trustProxy);
      } catch (err) {
        return err instanceof ConfigError ? 'ConfigError' : String(err);
      }
    };
    const cases: [string, string][] = [
      ['', 'false'],
      ['false', 'false'],
      ['0', 'false'],
      ['true', 'true'],
      ['1', '1'],
      ['loopback, 10.0.0.0/8', '["loopback","10.0.0.0/8"]'],
      ['::1,fd00::/8', '["::1","fd00::/8"]'],
      ['proxy.example', 'ConfigError'],
      ['10.0.0.0/33', 'ConfigError'],
      ['1.2.3.4/x', 'ConfigError'],
    ];
    for (const [v, expected] of cases) {
      console.log(`config TRUST_PROXY=${JSON.stringify(v)} -> ${parse(v)}`);
      expect(parse(v)).toBe(expected);
    }
  });

  test('Redis down: limits fail open to a per-process limiter that still enforces them', async () => {
    const port = await freePort(); // nothing listens there
    const down = createRedisCommandClient(`redis://127.0.0.1:${port}`, 'rate-limit-test');
    try {
      const limits = new RateLimits(down, {
        requestsPerMinute: 3,
        uploadsPerMinute: 1,
        windowSeconds: 30,
      });
      const outcomes: string[] = [];
      const started = performance.now();
      for (let i = 0; i < 4; i++) {
        outcomes.push(
          await limits.consumeRequest(OPEN_PRINCIPAL, '192.0.2.250').then(
            (s) => `ok(r=${s.remaining})`,
            (e: unknown) => (e instanceof RateLimitedError ? e.code : String(e)),
          ),
        );
      }
      const ms = performance.now() - started;
      console.log(
        `rate limiter, Redis unreachable: 4 requests with limit 3 -> ${outcomes.join(', ')} in ${ms.toFixed(1)} ms`,
      );
      expect(outcomes).toEqual(['ok(r=2)', 'ok(r=1)', 'ok(r=0)', 'RATE_LIMITED']);
      expect(ms).toBeLessThan(1000);
    } finally {
      down.disconnect();
    }
  });
});

describe('while Redis is away (a private redis-server, killed)', () => {
  let server: RedisServer;
  let t: TestApp;
  beforeAll(async () => {
    server = await startRedisServer(false);
    t = await startTestApp({
      REDIS_URL: server.url,
      RATE_LIMIT_REQUESTS_PER_MINUTE: '4',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      WORKER_SHUTDOWN_GRACE_SECONDS: '0',
    });
  });
  afterAll(async () => {
    if (server?.proc && !server.proc.alive) await server.start();
    await t?.close();
    server?.proc.kill('SIGKILL');
  });

  test('reads keep working under the per-process limit; uploads fail fast and store nothing', async () => {
    const ip = '127.0.0.41';
    expect((await gqlFrom(t, ip)).status).toBe(200); // counted in Redis
    await server.kill();

    const upload = await multipart(FIXTURE);
    const dirs = t.jobDirs().length;
    const rows = await t.app.resources.orm.em.fork().count(Job, {});
    const up = await request(`${t.url}/graphql`, { method: 'POST', from: ip, ...upload });
    const upError = up.body.errors?.[0];
    const reads: Answer[] = [];
    for (let i = 0; i < 4; i++) reads.push(await gqlFrom(t, ip));
    console.log(
      `rate, Redis down: upload -> HTTP ${up.status} ${upError?.extensions?.code} ${upError?.extensions?.reason} in ${up.ms.toFixed(0)} ms (dirs ${dirs}->${t.jobDirs().length}, rows ${rows}->${await t.app.resources.orm.em.fork().count(Job, {})}); then 4 reads with limit 4 (1 used by the upload) -> ${reads.map((r) => `${r.status} ${r.ms.toFixed(0)} ms`).join(', ')}`,
    );
    expect(upError.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(up.ms).toBeLessThan(2_500);
    expect(t.jobDirs().length).toBe(dirs);
    expect(await t.app.resources.orm.em.fork().count(Job, {})).toBe(rows);
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(reads[3]!.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    for (const r of reads) expect(r.ms).toBeLessThan(1_000);

    // Redis back (restarted empty, no persistence): counting moves back to the shared store.
    await server.start();
    let back: Answer | undefined;
    for (let i = 0; i < 50 && back?.status !== 200; i++) {
      await sleep(100);
      back = await gqlFrom(t, ip);
    }
    console.log(
      `rate, Redis back: next read -> ${back?.status} RateLimit: ${String(back?.headers['ratelimit'])}`,
    );
    expect(back?.status).toBe(200);
  });
});
