/**
 * Refusals a client can read (issue 14): an upload refused before its body is read — CSRF
 * preflight missing, 401, 429, a GraphQL validation error, 413 — is answered with
 * `Connection: close` and the rest of the body is read and discarded (src/http/lingering-close.ts),
 * so curl, Node's fetch (undici) and Chromium all get the status, the error code and
 * `Retry-After` instead of EPIPE / a reset. Also: a multipart request whose `map` names a file
 * that was not sent is BAD_USER_INPUT, not INTERNAL_SERVER_ERROR; an oversized WebSocket message
 * is a warning in the JSON log, not a stack on stderr.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { launchBrowser, type BrowserSession } from '../helpers/browser.js';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { REPO_ROOT } from '../helpers/repo-root.js';

const run = promisify(execFile);
const FETCH_CLIENT = path.join(REPO_ROOT, 'tests/helpers/fetch-upload.mjs');
const MiB = 1024 * 1024;
/** The reproduction: a 16 MB multipart upload. */
const BODY_BYTES = 16 * MiB;
const UPLOAD = JSON.stringify({
  query: 'mutation($f: Upload!) { uploadAudio(file: $f) { id status } }',
  variables: { f: null },
});
const INVALID = JSON.stringify({
  query: 'mutation($f: Upload!) { uploadAudio(file: $f) { id noSuchField } }',
  variables: { f: null },
});
const MAP = JSON.stringify({ 0: ['variables.f'] });

let t: TestApp;
const logLines: string[] = [];
let bigFile: string;
/** One key per client and case, so the per-key upload rate limit (3/min) hits only the 429 case. */
const keys: Record<string, string> = {};
const key = async (name: string) => (keys[name] ??= await t.createTenantKey(`t-${name}`));

beforeAll(async () => {
  t = await startTestApp(
    {
      AUTH_MODE: 'api-key',
      MAX_UPLOAD_BYTES: String(20 * MiB),
      RATE_LIMIT_UPLOADS_PER_MINUTE: '3',
      LOG_LEVEL: 'warn',
    },
    { logLines },
  );
  bigFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-refusal-')), 'big.ogg');
  fs.writeFileSync(bigFile, Buffer.alloc(BODY_BYTES, 7));
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  /** Set when fetch failed (no answer read): its message and cause, e.g. EPIPE. */
  error?: string;
  cause?: string;
  status: number;
  code?: string;
  retryAfter?: string | null;
  connection?: string | null;
}

/**
 * Multipart uploads from Node's fetch (undici) in a child process (tests/helpers/fetch-upload.mjs),
 * `times` in a row; one answer per upload.
 */
async function nodeFetch(
  headers: Record<string, string>,
  operations = UPLOAD,
  fileBytes = BODY_BYTES,
  times = 1,
): Promise<Answer[]> {
  const { stdout } = await run(process.execPath, [
    FETCH_CLIENT,
    `${t.url}/graphql`,
    JSON.stringify(headers),
    operations,
    String(fileBytes),
    String(times),
  ]);
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Answer);
}

/** The same upload from curl (which reads the response while it sends). */
async function curl(headers: Record<string, string>, operations = UPLOAD): Promise<Answer> {
  const args = ['-sS', '-D', '-', '-F', `operations=${operations}`, '-F', `map=${MAP}`];
  args.push('-F', `0=@${bigFile}`, `${t.url}/graphql`);
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const { stdout } = await run('curl', args, { maxBuffer: 1024 * 1024 });
  // Headers of the final response (after any "100 Continue"), then the JSON body.
  const [head = '', body = ''] = stdout.split(/\r\n\r\n(?=\{)/);
  const status = Number([...head.matchAll(/^HTTP\/[\d.]+ (\d+)/gm)].at(-1)?.[1]);
  const header = (name: string) =>
    head.match(new RegExp(`^${name}: (.*?)\\r?$`, 'im'))?.[1] ?? null;
  return {
    status,
    code: (JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]
      ?.extensions?.code,
    retryAfter: header('retry-after'),
    connection: header('connection'),
  };
}

const CSRF = { status: 400, code: 'BAD_REQUEST', connection: 'close' };
const CSRF_ANSWER = { ...CSRF, retryAfter: null };

test('CSRF refusal of a 16 MB upload, twice in a row from Node fetch, is read both times', async () => {
  const auth = { authorization: `Bearer ${await key('fetch-csrf')}` };
  expect(await nodeFetch(auth, UPLOAD, BODY_BYTES, 2)).toEqual([CSRF_ANSWER, CSRF_ANSWER]);
});

test('401 without a key, 429 with Retry-After, and a validation error are read by Node fetch', async () => {
  expect(await nodeFetch({ 'apollo-require-preflight': 'true' })).toEqual([
    { status: 401, code: 'UNAUTHENTICATED', connection: 'close', retryAfter: null },
  ]);

  const limited = { authorization: `Bearer ${await key('fetch-429')}` };
  // Three uploads per minute (counted before the body is read); these are refused as CSRF.
  const csrf = await nodeFetch(limited, UPLOAD, 10, 3);
  expect(csrf.map((a) => a.status)).toEqual([400, 400, 400]);
  const [answer] = await nodeFetch({ ...limited, 'apollo-require-preflight': 'true' });
  expect(answer).toMatchObject({ status: 429, code: 'RATE_LIMITED', connection: 'close' });
  expect(Number(answer?.retryAfter)).toBeGreaterThan(0);

  const ok = {
    authorization: `Bearer ${await key('fetch-invalid')}`,
    'apollo-require-preflight': 'true',
  };
  expect(await nodeFetch(ok, INVALID)).toMatchObject([
    { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  ]);
});

test('an upload over MAX_UPLOAD_BYTES is answered PAYLOAD_TOO_LARGE to Node fetch', async () => {
  const headers = {
    authorization: `Bearer ${await key('fetch-413')}`,
    'apollo-require-preflight': 'true',
  };
  const [answer] = await nodeFetch(headers, UPLOAD, 24 * MiB);
  expect(answer).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  expect(t.jobDirs()).toEqual([]);
});

test('curl reads the same refusals', async () => {
  const auth = { authorization: `Bearer ${await key('curl')}` };
  expect(await curl(auth)).toMatchObject(CSRF);
  expect(await curl({ 'apollo-require-preflight': 'true' })).toMatchObject({
    status: 401,
    code: 'UNAUTHENTICATED',
  });
  expect(await curl({ ...auth, 'apollo-require-preflight': 'true' }, INVALID)).toMatchObject({
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  });
});

describe('Chromium', () => {
  let browser: BrowserSession;
  beforeAll(async () => {
    browser = await launchBrowser();
    // Same origin as the API, so fetch needs no CORS.
    await browser.page.goto(`${t.url}/api/v1/health/live`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A 16 MB multipart upload from the page's fetch. */
  const pageFetch = (headers: Record<string, string>, operations = UPLOAD) =>
    browser.page.evaluate(
      async ({ headers, operations, map, bytes }) => {
        const form = new FormData();
        form.append('operations', operations);
        form.append('map', map);
        form.append('0', new Blob([new Uint8Array(bytes)]), 'big.ogg');
        const res = await fetch('/graphql', { method: 'POST', headers, body: form });
        const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
        return {
          status: res.status,
          code: body.errors?.[0]?.extensions?.code,
          retryAfter: res.headers.get('retry-after'),
        };
      },
      { headers, operations, map: MAP, bytes: BODY_BYTES },
    );

  test('reads the CSRF refusal twice, the 401 and the 429 with Retry-After', async () => {
    const auth = { authorization: `Bearer ${await key('chromium')}` };
    expect(await pageFetch(auth)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(await pageFetch(auth)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(await pageFetch({ 'apollo-require-preflight': 'true' })).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
    await pageFetch(auth); // the third upload this minute
    const limited = await pageFetch({ ...auth, 'apollo-require-preflight': 'true' });
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
  });
});

test('a map naming a file that was not sent is BAD_USER_INPUT and logs no error', async () => {
  const headers = {
    authorization: `Bearer ${await key('missing')}`,
    'apollo-require-preflight': 'true',
  };
  const lines = logLines.length;
  expect(await nodeFetch(headers, UPLOAD, 0)).toMatchObject([{ code: 'BAD_USER_INPUT' }]);
  const errors = logLines
    .slice(lines)
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 50);
  expect(errors).toEqual([]);
});

test('an oversized WebSocket message closes 1009 and is a warning in the JSON log, not stderr', async () => {
  // graphql-ws writes its stack with console.error: record what reaches it.
  const printed: unknown[][] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  const lines = logLines.length;
  const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
  await new Promise((resolve) => socket.once('open', resolve));
  // GRAPHQL_WS_MAX_PAYLOAD_BYTES defaults to 64 KiB.
  socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70 * 1024) } }));
  const [code] = await new Promise<[number]>((resolve) =>
    socket.once('close', (c: number) => resolve([c])),
  ).finally(() => (console.error = consoleError));
  expect(code).toBe(1009);
  const warning = logLines
    .slice(lines)
    .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { code?: string } })
    .find((l) => l.err?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  expect(warning).toMatchObject({ level: 40, msg: expect.stringContaining('WebSocket') as string });
  expect(printed).toEqual([]);
});
