/**
 * Hostile GraphQL on HTTP and on WebSocket alike (issue 4): every abusive document is refused
 * before execution with a stable `extensions.code` (HTTP 400, or 405 for a GET mutation; a
 * graphql-ws `error` message or close code), the legitimate queries of the web client and
 * GraphiQL keep working under the limits, and the server answers normally afterwards.
 *
 * Each case prints one line: transport, case, HTTP status or WS outcome, code/reason, time.
 */
import { getIntrospectionQuery } from 'graphql';
import WebSocket from 'ws';
import path from 'node:path';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';

/** The web client's job fields (client/src/api.ts JOB_FIELDS). */
const JOB_FIELDS =
  'id filename status progress sizeBytes durationSeconds createdAt expiresAt errorCode errorMessage';

let t: TestApp;
let jobId: string;
/** A COMPLETED job of each running app, for the WebSocket health check. */
const completedJob = new Map<TestApp, string>();

// ---- helpers -------------------------------------------------------------------------------

interface HttpAnswer {
  status: number;
  body: any;
  ms: number;
}

/** One raw HTTP request to /graphql (no harness defaults, so CSRF cases stay honest). */
async function http(
  app: TestApp,
  init: {
    method?: 'GET' | 'POST';
    search?: string;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<HttpAnswer> {
  const started = performance.now();
  const res = await fetch(`${app.url}/graphql${init.search ?? ''}`, {
    method: init.method ?? 'POST',
    headers: init.headers,
    body: init.body,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the assertion message.
  }
  return { status: res.status, body, ms: performance.now() - started };
}

/** A JSON POST of one operation. */
const post = (app: TestApp, query: string, variables?: Record<string, unknown>) =>
  http(app, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });

/** `code` and `reason` of a GraphQL error list: the error carrying a reason wins. */
function codeOf(errors: any[] | undefined): { code?: string; reason?: string } {
  const list = errors ?? [];
  const withReason = list.find((e) => e.extensions?.reason);
  const e = withReason ?? list[0];
  return { code: e?.extensions?.code, reason: e?.extensions?.reason };
}

function log(transport: 'http' | 'ws', name: string, outcome: string, code: string, ms: number) {
  console.log(
    `[graphql-abuse] ${transport.padEnd(4)} ${name.padEnd(34)} ${outcome.padEnd(10)} ${code.padEnd(44)} ${ms.toFixed(1)} ms`,
  );
}

/** Expects an HTTP refusal with `status` and `code` (and `reason`), logs it, checks health. */
async function expectHttpRefused(
  name: string,
  r: HttpAnswer,
  status: number,
  code: string,
  reason?: string,
  app: TestApp = t,
) {
  const got = codeOf(r.body?.errors);
  log('http', name, String(r.status), `${got.code}${got.reason ? `/${got.reason}` : ''}`, r.ms);
  expect({ status: r.status, code: got.code }).toEqual({ status, code });
  if (reason) expect(got.reason).toBe(reason);
  expect(r.body.data ?? null).toBeNull();
  expect(JSON.stringify(r.body)).not.toMatch(/stacktrace|\bat .+\.(?:ts|js):\d+/);
  await expectHttpHealthy(app);
}

async function expectHttpHealthy(app: TestApp = t) {
  const ok = await post(app, '{ serviceInfo { maxUploadBytes } }');
  expect(ok.status).toBe(200);
  expect(ok.body.data.serviceInfo.maxUploadBytes).toBeGreaterThan(0);
}

interface WsAnswer {
  /** `next`/`error` message for our operation, or `closed` when the server closed the socket. */
  kind: 'next' | 'error' | 'closed';
  payload?: any;
  closeCode?: number;
  closeReason?: string;
  ms: number;
}

/**
 * Opens a graphql-transport-ws socket, initialises it (unless `init` is false), sends one
 * subscribe message (`payload`, or the raw text `raw`) and returns the server's first answer
 * for it (or the close).
 */
function ws(
  app: TestApp,
  opts: { payload?: unknown; raw?: string; init?: boolean; timeoutMs?: number },
): Promise<WsAnswer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(app.wsUrl, 'graphql-transport-ws');
    let started = performance.now();
    let settled = false;
    const done = (a: Omit<WsAnswer, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...a, ms: performance.now() - started });
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.terminate();
      reject(new Error('no answer over WebSocket'));
    }, opts.timeoutMs ?? 10_000);
    socket.on('open', () => {
      started = performance.now();
      if (opts.init !== false) socket.send(JSON.stringify({ type: 'connection_init' }));
    });
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as {
        id?: string;
        type: string;
        payload?: unknown;
      };
      if (msg.type === 'connection_ack') {
        started = performance.now();
        socket.send(
          opts.raw ?? JSON.stringify({ id: '1', type: 'subscribe', payload: opts.payload }),
        );
      } else if (msg.id === '1' && (msg.type === 'next' || msg.type === 'error')) {
        done({ kind: msg.type, payload: msg.payload });
      }
    });
    socket.on('close', (code, reason) =>
      done({ kind: 'closed', closeCode: code, closeReason: String(reason) }),
    );
    socket.on('error', () => {
      // A close follows; 1009 arrives as an error then a close on some ws versions.
    });
  });
}

/** Sends one operation over WebSocket; an `error` message is what a refusal looks like. */
const wsSend = (app: TestApp, query: string, variables?: Record<string, unknown>) =>
  ws(app, { payload: { query, variables } });

/** Expects a graphql-ws `error` message with `code` (and `reason`), logs it, checks health. */
async function expectWsRefused(
  name: string,
  r: WsAnswer,
  code: string,
  reason?: string,
  app: TestApp = t,
) {
  const errors = r.kind === 'error' ? r.payload : r.payload?.errors;
  const got = codeOf(errors);
  log(
    'ws',
    name,
    r.kind === 'closed' ? `close ${r.closeCode}` : r.kind,
    `${got.code}${got.reason ? `/${got.reason}` : ''}`,
    r.ms,
  );
  expect({ kind: r.kind, code: got.code }).toEqual({ kind: 'error', code });
  if (reason) expect(got.reason).toBe(reason);
  expect(JSON.stringify(r.payload)).not.toMatch(/stacktrace|\bat .+\.(?:ts|js):\d+/);
  await expectWsHealthy(app);
}

/** A normal subscription still works: the completed job's state arrives. */
async function expectWsHealthy(app: TestApp = t) {
  const id = completedJob.get(app);
  if (!id) return; // this app has no completed job to follow
  const r = await wsSend(app, `subscription($id: ID!) { jobProgress(id: $id) { status } }`, { id });
  expect(r.kind).toBe('next');
  expect(r.payload.data.jobProgress.status).toBe('COMPLETED');
}

/** `levels` nested inline fragments on `type` around `inner`. */
const nest = (levels: number, type: string, inner: string) =>
  `${`... on ${type} { `.repeat(levels)}${inner}${' }'.repeat(levels)}`;

const sub = (selection: string) =>
  `subscription($id: ID!) { jobProgress(id: $id) { ${selection} } }`;

// One app per configuration, one after the other: they share this test's Redis database.
describe('default configuration (GRAPHQL_WS_INIT_TIMEOUT_MS=1500)', () => {
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_WS_INIT_TIMEOUT_MS: '1500' });
    const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
    jobId = up.data.uploadAudio.id;
    await waitForStatus(t, jobId, ['COMPLETED']);
    completedJob.set(t, jobId);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  // ---- legitimate use keeps working ----------------------------------------------------------

  describe('legitimate queries pass the limits', () => {
    test('the web client queries (client/src/api.ts), with a full transcript and words', async () => {
      const queries: [string, string, Record<string, unknown>][] = [
        [
          'serviceInfo',
          '{ serviceInfo { maxUploadBytes maxDurationSeconds retentionHours acceptedExtensions languages } }',
          {},
        ],
        [
          'jobs page',
          `query($first: Int, $after: String) { jobs(first: $first, after: $after) {
          edges { node { ${JOB_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
          { first: 20, after: null },
        ],
        [
          'job + transcript',
          `query($id: ID!) { job(id: $id) { ${JOB_FIELDS}
          transcript { id speakers { id tag label segmentCount speakingSeconds version }
            segments { id index start end text language speaker { id } } } } }`,
          { id: jobId },
        ],
        [
          'job + transcript + words',
          `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} channels format sampleRate diarizationApplied
          transcript { id text languages speakers { id tag label segmentCount speakingSeconds version }
            segments { id index start end text language
              speaker { id tag label segmentCount speakingSeconds version } words { start end text } } } } }`,
          { id: jobId },
        ],
      ];
      for (const [name, query, variables] of queries) {
        const r = await post(t, query, variables);
        log('http', `legit: ${name}`, String(r.status), 'ok', r.ms);
        expect(r.body.errors).toBeUndefined();
        expect(r.status).toBe(200);
      }
      const words = await post(t, queries[3][1], queries[3][2]);
      const segments = words.body.data.job.transcript.segments;
      expect(segments.length).toBeGreaterThan(0);
      expect(segments.some((s: any) => s.words.length > 0)).toBe(true);
    });

    test('the client mutations (rename with expectedVersion)', async () => {
      const job = await post(
        t,
        `query($id: ID!) { job(id: $id) { transcript { speakers { id version } } } }`,
        {
          id: jobId,
        },
      );
      const speaker = job.body.data.job.transcript.speakers[0];
      const r = await post(
        t,
        `mutation($id: ID!, $label: String!, $v: Int) {
        renameSpeaker(id: $id, label: $label, expectedVersion: $v) { id label version } }`,
        { id: speaker.id, label: 'Оператор', v: speaker.version },
      );
      log('http', 'legit: renameSpeaker', String(r.status), 'ok', r.ms);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.renameSpeaker.label).toBe('Оператор');
    });

    test("GraphiQL's default query and its introspection query (Docs panel)", async () => {
      const defaultQuery = `query RecentJobs {
      serviceInfo { maxUploadBytes maxDurationSeconds languages }
      jobs(first: 5) { totalCount edges { node { id filename status progress durationSeconds } } } }`;
      const d = await post(t, defaultQuery);
      log('http', 'legit: GraphiQL default query', String(d.status), 'ok', d.ms);
      expect(d.body.errors).toBeUndefined();
      expect(d.body.data.jobs.totalCount).toBeGreaterThan(0);

      for (const [name, query] of [
        ['GraphiQL introspection', getIntrospectionQuery()],
        [
          'introspection, every option',
          getIntrospectionQuery({
            descriptions: true,
            specifiedByUrl: true,
            directiveIsRepeatable: true,
            schemaDescription: true,
            inputValueDeprecation: true,
            oneOf: true,
          }),
        ],
      ]) {
        const r = await post(t, query);
        log('http', `legit: ${name}`, String(r.status), 'ok', r.ms);
        expect(r.body.errors).toBeUndefined();
        expect(r.body.data.__schema.types.map((x: any) => x.name)).toContain('Job');
      }
    });

    test('the client subscription over WebSocket, and a deep one with the transcript', async () => {
      const client = await wsSend(t, sub(`status progress job { ${JOB_FIELDS} }`), { id: jobId });
      log('ws', 'legit: client jobProgress', client.kind, 'ok', client.ms);
      expect(client.payload.errors).toBeUndefined();
      expect(client.payload.data.jobProgress.job.id).toBe(jobId);
      const deep = await wsSend(
        t,
        sub(
          `status job { transcript { segments { start end text speaker { label } words { text } } } }`,
        ),
        { id: jobId },
      );
      log('ws', 'legit: jobProgress + transcript', deep.kind, 'ok', deep.ms);
      expect(deep.payload.errors).toBeUndefined();
      expect(deep.payload.data.jobProgress.job.transcript.segments.length).toBeGreaterThan(0);
    });
  });

  // ---- abuse, on both transports -------------------------------------------------------------

  describe('deep nesting', () => {
    test('nested inline fragments past GRAPHQL_MAX_DEPTH (10)', async () => {
      await expectHttpRefused(
        'deep nesting (12 fragments)',
        await post(t, `{ ${nest(12, 'Query', 'serviceInfo { languages }')} }`),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_DEPTH',
      );
      await expectWsRefused(
        'deep nesting (12 fragments)',
        await wsSend(t, sub(nest(12, 'JobProgressEvent', 'status')), { id: jobId }),
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_DEPTH',
      );
    });

    test('depth hidden in a fragment named __schema (GHSA-hmfr-rx46-4jx2)', async () => {
      await expectHttpRefused(
        'depth via fragment __schema',
        await post(
          t,
          `{ ...__schema } fragment __schema on Query { ${nest(12, 'Query', 'serviceInfo { languages }')} }`,
        ),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_DEPTH',
      );
      await expectWsRefused(
        'depth via fragment __schema',
        await wsSend(
          t,
          `subscription($id: ID!) { jobProgress(id: $id) { ...__schema } }
         fragment __schema on JobProgressEvent { ${nest(12, 'JobProgressEvent', 'status')} }`,
          { id: jobId },
        ),
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_DEPTH',
      );
    });

    test('circular introspection (MaxIntrospectionDepthRule of graphql-js)', async () => {
      const query = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
      await expectHttpRefused(
        'circular introspection',
        await post(t, query),
        400,
        'GRAPHQL_VALIDATION_FAILED',
      );
      // Over WebSocket the same document must meet the same graphql-js rule (specifiedRules kept).
      const r = await wsSend(t, query);
      await expectWsRefused('circular introspection', r, 'GRAPHQL_VALIDATION_FAILED');
      expect(r.payload.map((e: any) => e.message).join(' ')).toMatch(/introspection/i);
    });
  });

  describe('alias overload', () => {
    test('16 aliases (GRAPHQL_MAX_ALIASES 15)', async () => {
      const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: serviceInfo { languages }`);
      await expectHttpRefused(
        'alias overload (16)',
        await post(t, `{ ${aliases.join(' ')} }`),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_ALIASES',
      );
      const wsAliases = Array.from({ length: 16 }, (_, i) => `a${i}: status`);
      await expectWsRefused(
        'alias overload (16)',
        await wsSend(t, sub(wsAliases.join(' ')), { id: jobId }),
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_ALIASES',
      );
    });

    test('101 aliases of __typename (graphql-cop "Alias Overloading")', async () => {
      const aliases = Array.from({ length: 101 }, (_, i) => `t${i}: __typename`).join(' ');
      await expectHttpRefused(
        'alias overload (101 __typename)',
        await post(t, `{ ${aliases} }`),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_ALIASES',
      );
      await expectWsRefused(
        'alias overload (101 __typename)',
        await wsSend(t, sub(aliases), { id: jobId }),
        'GRAPHQL_VALIDATION_FAILED',
        'MAX_ALIASES',
      );
    });
  });

  test('directive overload: 51 directives (graphql-cop "Directive Overloading")', async () => {
    const directives = '@aa '.repeat(51);
    await expectHttpRefused(
      'directive overload (51)',
      await post(t, `{ __typename ${directives} }`),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      'MAX_DIRECTIVES',
    );
    await expectWsRefused(
      'directive overload (51)',
      await wsSend(t, sub(`status ${directives}`), { id: jobId }),
      'GRAPHQL_VALIDATION_FAILED',
      'MAX_DIRECTIVES',
    );
    // Real directives, 60 times: the limit answers before execution too.
    const skips = Array.from({ length: 60 }, () => '@skip(if: false)').join(' ');
    await expectHttpRefused(
      'directive overload (60 @skip)',
      await post(t, `{ serviceInfo ${skips} { languages } }`),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      'MAX_DIRECTIVES',
    );
  });

  test('query cost past GRAPHQL_MAX_COST (5000)', async () => {
    await expectHttpRefused(
      'cost (100 jobs with words)',
      await post(
        t,
        `{ jobs(first: 100) { edges { node { transcript { segments { words { text } } } } } } }`,
      ),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      'MAX_COST',
    );
    await expectWsRefused(
      'cost (60 fragment spreads)',
      await wsSend(
        t,
        `subscription($id: ID!) { jobProgress(id: $id) { job { ${'...T '.repeat(60)} } } }
       fragment T on Job { transcript { segments { words { text } speaker { label } } } }`,
        { id: jobId },
      ),
      'GRAPHQL_VALIDATION_FAILED',
      'MAX_COST',
    );
  });

  describe('field duplication', () => {
    // Accepted on purpose (src/graphql/armor.ts): duplicates merge into one resolution; what they
    // cost is validation, bounded by the token limit and graphql-js's own budget. Measured here.
    test('500 duplicates are answered once, quickly; 998 hit graphql-js’s validation budget', async () => {
      const r = await post(t, `{ ${'__typename '.repeat(500)} }`);
      log('http', 'field duplication (500 __typename)', String(r.status), 'accepted, merged', r.ms);
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual({ __typename: 'Query' });
      expect(r.ms).toBeLessThan(2000);

      const heavy = await post(t, `{ ${'jobs { totalCount } '.repeat(249)} }`);
      log(
        'http',
        'field duplication (249 jobs{..})',
        String(heavy.status),
        'accepted, merged',
        heavy.ms,
      );
      expect(heavy.status).toBe(200);
      expect(Object.keys(heavy.body.data)).toEqual(['jobs']);
      expect(heavy.ms).toBeLessThan(2000);

      await expectHttpRefused(
        'field duplication (998 __typename)',
        await post(t, `{ ${'__typename '.repeat(998)} }`),
        400,
        'GRAPHQL_VALIDATION_FAILED',
      );

      const w = await wsSend(t, sub('status '.repeat(500)), { id: jobId });
      log('ws', 'field duplication (500 status)', w.kind, 'accepted, merged', w.ms);
      expect(w.kind).toBe('next');
      expect(w.payload.data.jobProgress).toEqual({ status: 'COMPLETED' });
      expect(w.ms).toBeLessThan(2000);

      await expectWsRefused(
        'field duplication (980 status)',
        await wsSend(t, sub('status '.repeat(980)), { id: jobId }),
        'GRAPHQL_VALIDATION_FAILED',
      );
    });
  });

  describe('huge documents', () => {
    test('over the token limit (GRAPHQL_MAX_TOKENS 1000): 400, not 500', async () => {
      const r = await post(t, `{ ${'__typename '.repeat(1001)} }`);
      await expectHttpRefused('tokens (1003)', r, 400, 'GRAPHQL_PARSE_FAILED', 'MAX_TOKENS');
      expect(r.body.errors[0].message).toMatch(/Token limit of 1000 exceeded/);
      await expectWsRefused(
        'tokens (1003)',
        await wsSend(t, `subscription { ${'__typename '.repeat(1001)} }`),
        'GRAPHQL_PARSE_FAILED',
        'MAX_TOKENS',
      );
    });

    test('a body over 1 MB on HTTP; a message over 64 KiB on WebSocket', async () => {
      const big = await http(t, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ __typename }',
          variables: { pad: 'x'.repeat(1_100_000) },
        }),
      });
      log('http', 'body 1.1 MB', String(big.status), String(big.body?.error?.code), big.ms);
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      await expectHttpHealthy();

      const r = await ws(t, {
        payload: {
          query: `subscription { jobProgress(id: "${'x'.repeat(70 * 1024)}") { status } }`,
        },
      });
      log('ws', 'message 70 KiB', `close ${r.closeCode}`, '(ws maxPayload 64 KiB)', r.ms);
      expect(r).toMatchObject({ kind: 'closed', closeCode: 1009 });
      await expectWsHealthy();
    });
  });

  test('circular fragments (NoFragmentCyclesRule)', async () => {
    await expectHttpRefused(
      'circular fragments',
      await post(t, `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    );
    await expectWsRefused(
      'circular fragments',
      await wsSend(
        t,
        `subscription($id: ID!) { jobProgress(id: $id) { ...A } }
       fragment A on JobProgressEvent { status ...B } fragment B on JobProgressEvent { ...A }`,
        { id: jobId },
      ),
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  test('array batching is off', async () => {
    const op = { query: '{ serviceInfo { languages } }' };
    const r = await http(t, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([op, op, op]),
    });
    await expectHttpRefused('array batching (3 operations)', r, 400, 'BAD_REQUEST');
    // graphql-ws has no batching: an array payload is not a valid message (close 4400).
    const w = await ws(t, {
      raw: JSON.stringify({ id: '1', type: 'subscribe', payload: [op, op] }),
    });
    log(
      'ws',
      'array batching (payload array)',
      `close ${w.closeCode}`,
      String(w.closeReason),
      w.ms,
    );
    expect(w).toMatchObject({ kind: 'closed', closeCode: 4400 });
    await expectWsHealthy();
  });

  test('GET mutation (405); queries and mutations over WebSocket are refused', async () => {
    const search = `?query=${encodeURIComponent(`mutation { deleteJob(id: "${jobId}") }`)}`;
    await expectHttpRefused(
      'GET mutation',
      await http(t, { method: 'GET', search, headers: { 'apollo-require-preflight': 'true' } }),
      405,
      'BAD_REQUEST',
    );
    // Over WebSocket only subscriptions run: a mutation there would skip CSRF prevention and the
    // per-request rate limits of HTTP.
    await expectWsRefused(
      'mutation over WebSocket',
      await wsSend(t, `mutation($id: ID!) { deleteJob(id: $id) }`, { id: jobId }),
      'BAD_REQUEST',
    );
    await expectWsRefused(
      'query over WebSocket',
      await wsSend(t, `{ serviceInfo { languages } }`),
      'BAD_REQUEST',
    );
    const still = await post(t, `query($id: ID!) { job(id: $id) { status } }`, { id: jobId });
    expect(still.body.data.job.status).toBe('COMPLETED');
  });

  test('CSRF: simple requests without the preflight header are refused', async () => {
    const query = '{ serviceInfo { languages } }';
    const cases: [string, Parameters<typeof http>[1]][] = [
      ['CSRF GET, no header', { method: 'GET', search: `?query=${encodeURIComponent(query)}` }],
      [
        'CSRF POST text/plain',
        { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) },
      ],
      [
        'CSRF POST form-urlencoded',
        {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `query=${encodeURIComponent(query)}`,
        },
      ],
    ];
    for (const [name, init] of cases) {
      await expectHttpRefused(name, await http(t, init), 400, 'BAD_REQUEST');
    }
    const form = new FormData();
    form.append('operations', JSON.stringify({ query }));
    form.append('map', '{}');
    const started = performance.now();
    const multipart = await fetch(`${t.url}/graphql`, { method: 'POST', body: form });
    const body: unknown = await multipart.json();
    await expectHttpRefused(
      'CSRF POST multipart',
      { status: multipart.status, body, ms: performance.now() - started },
      400,
      'BAD_REQUEST',
    );
    // The same GET with the header is a normal query.
    const allowed = await http(t, {
      method: 'GET',
      search: `?query=${encodeURIComponent(query)}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(allowed.status).toBe(200);
    log('ws', 'CSRF', 'n/a', 'key travels in connection_init, no cookies', 0);
  });

  test('a client that never sends connection_init is closed 4408 within the timeout', async () => {
    const r = await ws(t, { init: false });
    log(
      'ws',
      'no connection_init (timeout 1.5 s)',
      `close ${r.closeCode}`,
      String(r.closeReason),
      r.ms,
    );
    expect(r).toMatchObject({ kind: 'closed', closeCode: 4408 });
    expect(r.ms).toBeGreaterThanOrEqual(1400);
    expect(r.ms).toBeLessThan(3000);
    await expectWsHealthy();
  });

  test('suggestions are shown in development (introspection on)', async () => {
    const r = await post(t, '{ jobz }');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].message).toMatch(/Did you mean "jobs?"/);
  });
});

// ---- production and introspection off --------------------------------------------------------

describe('NODE_ENV=production', () => {
  let p: TestApp;
  let pJob: string;
  beforeAll(async () => {
    p = await startTestApp({ NODE_ENV: 'production' });
    const up = await p.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
    pJob = up.data.uploadAudio.id;
    await waitForStatus(p, pJob, ['COMPLETED']);
    completedJob.set(p, pJob);
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  test('field, argument and enum suggestions are masked', async () => {
    const cases: [string, string][] = [
      ['suggestion: field', '{ jobz { totalCount } }'],
      ['suggestion: argument', '{ jobs(frist: 5) { totalCount } }'],
      ['suggestion: enum value', '{ jobs(status: COMPLETE) { totalCount } }'],
    ];
    for (const [name, query] of cases) {
      const r = await post(p, query);
      await expectHttpRefused(name, r, 400, 'GRAPHQL_VALIDATION_FAILED', undefined, p);
      const text = JSON.stringify(r.body.errors);
      expect(text).not.toMatch(/Did you mean|"jobs"|"first"|COMPLETED/);
      expect(text).toContain('[Suggestion hidden]');
    }
    const v = await post(p, 'query($s: JobStatus) { jobs(status: $s) { totalCount } }', {
      s: 'COMPLETE',
    });
    await expectHttpRefused('suggestion: variable enum', v, 400, 'BAD_USER_INPUT', undefined, p);
    expect(JSON.stringify(v.body.errors)).not.toMatch(/Did you mean|COMPLETED/);

    const w = await wsSend(p, `subscription($id: ID!) { jobProgres(id: $id) { status } }`, {
      id: pJob,
    });
    await expectWsRefused('suggestion: field', w, 'GRAPHQL_VALIDATION_FAILED', undefined, p);
    expect(JSON.stringify(w.payload)).not.toMatch(/Did you mean|jobProgress/);
    const wv = await wsSend(p, sub('status'), { id: { not: 'an id' } });
    await expectWsRefused('variable coercion', wv, 'BAD_USER_INPUT', undefined, p);
  });

  test('an internal error shows no message, SQL or stack trace, on HTTP and WebSocket', async () => {
    const conn = p.app.resources.orm.em.fork().getConnection();
    // A real failure: the jobs table disappears under the running server.
    await conn.execute('alter table jobs rename to jobs_hidden');
    try {
      const r = await post(p, `query($id: ID!) { job(id: $id) { status } }`, { id: pJob });
      const got = codeOf(r.body.errors);
      log('http', 'internal error (table gone)', String(r.status), String(got.code), r.ms);
      expect(got.code).toBe('INTERNAL_SERVER_ERROR');
      const w = await wsSend(p, sub('status'), { id: pJob });
      const wErrors = w.kind === 'error' ? w.payload : w.payload?.errors;
      log('ws', 'internal error (table gone)', w.kind, String(codeOf(wErrors).code), w.ms);
      expect(codeOf(wErrors).code).toBe('INTERNAL_SERVER_ERROR');
      for (const text of [JSON.stringify(r.body), JSON.stringify(w.payload)]) {
        expect(text).not.toMatch(/jobs|sqlite|select|no such table|stacktrace|\.ts:\d+|\.js:\d+/i);
      }
    } finally {
      await conn.execute('alter table jobs_hidden rename to jobs');
    }
    await expectHttpHealthy(p);
    await expectWsHealthy(p);
  });

  test('introspection stays on by default (GraphiQL Docs)', async () => {
    const r = await post(p, getIntrospectionQuery());
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.__schema.queryType.name).toBe('Query');
  });
});

describe('GRAPHQL_INTROSPECTION=false', () => {
  let q: TestApp;
  beforeAll(async () => {
    q = await startTestApp({ GRAPHQL_INTROSPECTION: 'false' });
  });
  afterAll(async () => {
    await q?.close();
  });

  test('introspection is refused on both transports, suggestions masked', async () => {
    await expectHttpRefused(
      'introspection off: __schema',
      await post(q, getIntrospectionQuery()),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      undefined,
      q,
    );
    await expectHttpRefused(
      'introspection off: __type',
      await post(q, '{ __type(name: "Job") { fields { name } } }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      undefined,
      q,
    );
    const w = await wsSend(q, getIntrospectionQuery());
    const errors = w.kind === 'error' ? w.payload : [];
    log('ws', 'introspection off: __schema', w.kind, String(codeOf(errors).code), w.ms);
    expect(codeOf(errors).code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errors.map((e: any) => e.message).join(' ')).toMatch(/introspection has been disabled/);
    const s = await post(q, '{ jobz { totalCount } }');
    expect(JSON.stringify(s.body.errors)).not.toMatch(/Did you mean/);
    await expectHttpHealthy(q);
  });
});
