/**
 * Security headers on every class of HTTP response, over real HTTP against the real api + worker:
 * the client page, GraphiQL, static assets, GraphQL (success, CSRF refusal, bad JSON), `/api/v1`
 * downloads, signed audio and health, `/metrics`, redirects, 404s, and — in `AUTH_MODE=api-key` —
 * 401 and 429 answers. Each response is checked for the Content-Security-Policy of its page class
 * and for nosniff, no-referrer, COOP/CORP same-origin, HSTS, X-Frame-Options and no X-Powered-By.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { clientIsBuilt } from '../helpers/browser.js';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';

/** A parsed CSP: directive name → its sources. */
type Policy = Map<string, string[]>;

function parsePolicy(header: string | null): Policy {
  const policy: Policy = new Map();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) policy.set(name, sources);
  }
  return policy;
}

/** One HTTP request and what a test checks about its answer. */
interface Case {
  name: string;
  path: string;
  init?: RequestInit;
  status: number;
  /** Which policy the response must carry. */
  policy: 'client' | 'graphiql';
}

/** Every header except the CSP, as the security-headers module promises them. */
function expectCommonHeaders(h: Headers): void {
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('referrer-policy')).toBe('no-referrer');
  expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(h.get('x-frame-options')).toBe('DENY');
  const hsts = h.get('strict-transport-security') ?? '';
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(180 * 24 * 3600);
  expect(h.get('x-powered-by')).toBeNull();
}

/** What both policies share: script only from this origin, no plugins, no framing. */
function expectStrictCore(p: Policy, host: string): void {
  expect(p.get('default-src')).toEqual(["'self'"]);
  expect(p.get('script-src')).toEqual(["'self'"]);
  expect(p.get('script-src-attr')).toEqual(["'none'"]);
  expect(p.get('object-src')).toEqual(["'none'"]);
  expect(p.get('frame-ancestors')).toEqual(["'none'"]);
  expect(p.get('base-uri')).toEqual(["'self'"]);
  expect(p.get('form-action')).toEqual(["'self'"]);
  expect(p.get('media-src')).toEqual(["'self'"]);
  expect(p.get('img-src')).toEqual(["'self'", 'data:']);
  expect(p.get('worker-src')).toEqual(["'self'"]);
  expect(p.get('connect-src')).toEqual(["'self'", `ws://${host}`, `wss://${host}`]);
  expect(p.has('upgrade-insecure-requests')).toBe(false); // would break plain-http LAN installs
  for (const [name, sources] of p) {
    if (name === 'style-src') continue;
    expect(sources.filter((s) => /unsafe|\*/.test(s))).toEqual([]);
  }
}

function checkCase(c: Case, res: Response, host: string): Policy {
  expect(res.status).toBe(c.status);
  expectCommonHeaders(res.headers);
  const p = parsePolicy(res.headers.get('content-security-policy'));
  expectStrictCore(p, host);
  if (c.policy === 'client') {
    expect(p.get('style-src')?.[0]).toBe("'self'");
    expect(
      p
        .get('style-src')!
        .slice(1)
        .every((s) => /^'sha256-[A-Za-z0-9+/]+=*'$/.test(s)),
    ).toBe(true);
    expect(p.get('font-src')).toEqual(["'self'"]);
  } else {
    expect(p.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(p.get('font-src')).toEqual(["'self'", 'data:']);
  }
  console.log(
    `${c.name}: ${res.status}, ${c.policy} CSP (${p.size} directives, style-src ${p
      .get('style-src')!
      .map((s) => (s.startsWith("'sha256-") ? "'sha256-…'" : s))
      .join(' ')}), nosniff/no-referrer/COOP/CORP/HSTS/XFO present, no X-Powered-By`,
  );
  return p;
}

describe('open mode', () => {
  let t: TestApp;
  let host: string;
  let jobId: string;
  let audioUrl: string;

  beforeAll(async () => {
    if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
    t = await startTestApp();
    host = new URL(t.url).host;
    const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
    jobId = (up.data as { uploadAudio: { id: string } }).uploadAudio.id;
    await waitForStatus(t, jobId, ['COMPLETED']);
    const r = await t.gql<{ job: { audioUrl: string } }>(
      'query($id: ID!) { job(id: $id) { audioUrl } }',
      { id: jobId },
    );
    audioUrl = r.data!.job.audioUrl;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  test('every class of route carries the headers and the CSP of its page class', async () => {
    const index = await (await fetch(`${t.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1];
    const post = (body: unknown): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const cases: Case[] = [
      { name: 'client page /', path: '/', status: 200, policy: 'client' },
      { name: 'client page /index.html', path: '/index.html', status: 200, policy: 'client' },
      { name: 'hashed asset', path: asset, status: 200, policy: 'client' },
      { name: 'missing asset', path: '/assets/nope.js', status: 404, policy: 'client' },
      { name: 'favicon', path: '/favicon.ico', status: 204, policy: 'client' },
      { name: 'GraphiQL page', path: '/graphiql/', status: 200, policy: 'graphiql' },
      { name: 'GraphiQL redirect', path: '/graphiql', status: 301, policy: 'graphiql' },
      {
        name: 'GraphQL query',
        path: '/graphql',
        init: post({ query: '{ serviceInfo { maxUploadBytes } }' }),
        status: 200,
        policy: 'client',
      },
      {
        name: 'GraphQL GET without preflight header (CSRF refusal)',
        path: '/graphql?query=%7B__typename%7D',
        init: { headers: { 'content-type': 'text/plain' } },
        status: 400,
        policy: 'client',
      },
      {
        name: 'GraphQL malformed JSON',
        path: '/graphql',
        init: post('{"query": '),
        status: 400,
        policy: 'client',
      },
      {
        name: 'GraphQL unknown field',
        path: '/graphql',
        init: post({ query: '{ noSuchField }' }),
        status: 400,
        policy: 'client',
      },
      {
        name: 'export download',
        path: `/api/v1/jobs/${jobId}/export/srt`,
        status: 200,
        policy: 'client',
      },
      {
        name: 'export of unknown job',
        path: '/api/v1/jobs/00000000-0000-0000-0000-000000000000/export/txt',
        status: 404,
        policy: 'client',
      },
      { name: 'signed audio', path: audioUrl, status: 200, policy: 'client' },
      {
        name: 'audio range request',
        path: audioUrl,
        init: { headers: { range: 'bytes=0-99' } },
        status: 206,
        policy: 'client',
      },
      { name: 'health live', path: '/api/v1/health/live', status: 200, policy: 'client' },
      { name: 'health ready', path: '/api/v1/health/ready', status: 200, policy: 'client' },
      { name: 'metrics', path: '/metrics', status: 200, policy: 'client' },
      { name: 'unknown page', path: '/no/such/page', status: 404, policy: 'client' },
      { name: 'unknown API path', path: '/api/v1/nope', status: 404, policy: 'client' },
      {
        name: 'HEAD of the client page',
        path: '/',
        init: { method: 'HEAD' },
        status: 200,
        policy: 'client',
      },
    ];
    for (const c of cases) {
      const res = await fetch(`${t.url}${c.path}`, { redirect: 'manual', ...c.init });
      checkCase(c, res, host);
    }
    console.log(`${cases.length} route classes checked`);
  }, 60_000);

  test('the client policy allows exactly the inline <style> of the page being served', async () => {
    for (const page of ['/', '/graphiql/']) {
      const res = await fetch(`${t.url}${page}`);
      const html = await res.text();
      const styles = [...html.matchAll(/<style(?:\s[^>]*)?>([\s\S]*?)<\/style>/gi)].map((m) =>
        crypto.createHash('sha256').update(m[1], 'utf8').digest('base64'),
      );
      const styleSrc = parsePolicy(res.headers.get('content-security-policy')).get('style-src')!;
      if (page === '/') {
        expect(styles.length).toBeGreaterThan(0);
        for (const h of styles) expect(styleSrc).toContain(`'sha256-${h}'`);
      }
      console.log(`${page}: ${styles.length} inline <style>, style-src ${styleSrc.join(' ')}`);
    }
  });

  test('a Host header cannot smuggle CSP syntax; the policy stays intact', async () => {
    const port = new URL(t.url).port;
    const get = (hostHeader: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', headers: { host: hostHeader } }, (res) => {
            res.resume();
            resolve(res);
          })
          .on('error', reject);
      });
    for (const hostHeader of [
      "evil.example; script-src * 'unsafe-inline'",
      'evil.example, script-src *',
      'evil.example" onload=x',
    ]) {
      const res = await get(hostHeader);
      const csp = String(res.headers['content-security-policy']);
      const p = parsePolicy(csp);
      expect(res.statusCode).toBe(200);
      expect(p.get('script-src')).toEqual(["'self'"]);
      expect(p.get('connect-src')).toEqual(["'self'"]);
      expect(csp).not.toContain('evil');
      console.log(`Host ${JSON.stringify(hostHeader)}: ${res.statusCode}, connect-src 'self' only`);
    }
    // A normal host name is echoed as the same-origin WebSocket source.
    const ok = await get(`stt.example.kz:${port}`);
    expect(parsePolicy(String(ok.headers['content-security-policy'])).get('connect-src')).toEqual([
      "'self'",
      `ws://stt.example.kz:${port}`,
      `wss://stt.example.kz:${port}`,
    ]);
  });
});

describe('api-key mode: refusals carry the headers too', () => {
  let t: TestApp;
  let host: string;

  beforeAll(async () => {
    t = await startTestApp({ AUTH_MODE: 'api-key', RATE_LIMIT_REQUESTS_PER_MINUTE: '3' });
    host = new URL(t.url).host;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  test('401 without a key and 429 over the rate limit', async () => {
    const query = { query: '{ serviceInfo { maxUploadBytes } }' };
    const noKey = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(query),
    });
    checkCase(
      { name: 'GraphQL without key', path: '', status: 401, policy: 'client' },
      noKey,
      host,
    );
    const noKeyDownload = await fetch(`${t.url}/api/v1/jobs/x/export/txt`);
    checkCase(
      { name: 'download without key', path: '', status: 401, policy: 'client' },
      noKeyDownload,
      host,
    );

    const key = await t.createTenantKey('headers-tenant');
    let limited: Response | undefined;
    let sent = 0;
    while (!limited && sent < 50) {
      sent++;
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(query),
      });
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited).toBeDefined();
    checkCase(
      { name: `rate-limited after ${sent} requests`, path: '', status: 429, policy: 'client' },
      limited!,
      host,
    );
  }, 30_000);
});
