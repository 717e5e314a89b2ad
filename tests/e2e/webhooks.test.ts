/**
 * Webhooks end to end (issue 14): the real api and worker in-process (AUTH_MODE=api-key, two
 * tenants), a real HTTP receiver in this process verifying every signature with the
 * `standardwebhooks` package, real uploads through the pipeline against the SpeechKit double.
 * The retry schedule is compressed (0.2 s, 0.4 s, 0.4 s, no jitter) and the attempt timeout is
 * 500 ms, so every retry path runs in about a second instead of minutes.
 */
import path from 'node:path';
import {
  FIXTURES_DIR,
  startTestApp,
  type CallerOptions,
  type TestApp,
} from '../helpers/harness.js';
import { runAdmin } from '../../src/admin.js';
import { waitFor } from '../helpers/processes.js';
import { startReceiver, verify, type Receiver } from '../helpers/webhook-receiver.js';

const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const ENDPOINT = `endpoint { id url events enabled disabledReason description }`;
const CREATE = `mutation($url: String!, $events: [WebhookEventType!]) {
  createWebhookEndpoint(url: $url, events: $events, description: "test") { secret ${ENDPOINT} } }`;
const LOG = `query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason deliveries {
  id eventId eventType status attempts nextAttemptAt lastOutcome lastStatusCode lastLatencyMs lastError deliveredAt
  attemptLog { number outcome statusCode latencyMs error startedAt } } } }`;

let t: TestApp;
let rx: Receiver;
let a: CallerOptions;
let b: CallerOptions;
let segmentId: string;
let jobId: string;

beforeAll(async () => {
  rx = await startReceiver();
  t = await startTestApp({
    AUTH_MODE: 'api-key',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.2,0.4,0.4',
    WEBHOOK_RETRY_JITTER: '0',
    WEBHOOK_TIMEOUT_MS: '500',
    WEBHOOK_POLL_INTERVAL_MS: '100',
  });
  a = { apiKey: await t.createTenantKey('hooks-a') };
  b = { apiKey: await t.createTenantKey('hooks-b') };
}, 60_000);

afterAll(async () => {
  await t?.close();
  await rx?.close();
});

async function createEndpoint(url: string, events: string[], as: CallerOptions = a) {
  const r = await t.gql(CREATE, { url, events }, as);
  expect(r.errors).toBeUndefined();
  return r.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
}

async function deliveryLog(id: string, as: CallerOptions = a) {
  const r = await t.gql(LOG, { id }, as);
  expect(r.errors).toBeUndefined();
  return r.data.webhookEndpoint;
}

/** Makes one transcript.edited event of tenant A (a text edit of the completed job). */
async function edit(text: string) {
  const r = await t.gql(
    `mutation($id: ID!, $text: String) { editSegment(id: $id, text: $text) { id } }`,
    { id: segmentId, text },
    a,
  );
  expect(r.errors).toBeUndefined();
}

/** Waits until tenant A's job is final; returns its status. */
async function finalStatus(id: string): Promise<string> {
  return waitFor(
    `job ${id} final`,
    async () => {
      const r = await t.gql(`query($id: ID!) { job(id: $id) { status } }`, { id }, a);
      const s = r.data?.job?.status as string | undefined;
      return s && ['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'].includes(s) ? s : undefined;
    },
    30_000,
  );
}

const drop = async (id: string) =>
  t.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id }, a);

test('job.completed arrives after a real upload, signed (standardwebhooks verifies it), without transcript text; the delivery log shows it', async () => {
  const { secret, endpoint } = await createEndpoint(rx.url('/completed'), [
    'JOB_COMPLETED',
    'JOB_FAILED',
  ]);
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const latencies: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const up = await t.upload(FIXTURE, null, undefined, a);
    expect(up.errors).toBeUndefined();
    ids.push(up.data.uploadAudio.id);
  }
  for (const id of ids) expect(await finalStatus(id)).toBe('COMPLETED');
  await waitFor('4 job.completed callbacks', () => rx.at('/completed').length >= 4, 20_000);
  const completedAt = new Map<string, number>();
  for (const id of ids) {
    const r = await t.gql(
      `query($id: ID!) { job(id: $id) { status completedAt transcript { text segments { id } } } }`,
      { id },
      a,
    );
    expect(r.data.job.status).toBe('COMPLETED');
    completedAt.set(id, Date.parse(r.data.job.completedAt));
    segmentId ??= r.data.job.transcript.segments[0].id;
    jobId ??= id;
  }
  const seen = new Set<string>();
  for (const req of rx.at('/completed')) {
    const payload = verify(secret, req);
    expect(payload.type).toBe('job.completed');
    expect(payload.data).toMatchObject({ status: 'COMPLETED', engine: 'speechkit' });
    expect(ids).toContain(payload.data.jobId);
    expect(payload.data.errorCode).toBeUndefined();
    expect(Buffer.byteLength(req.body)).toBeLessThan(20_000);
    expect(req.body).not.toMatch(/text|segments|words/);
    expect(req.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    seen.add(payload.data.jobId);
    latencies.push(req.at - completedAt.get(payload.data.jobId)!);
  }
  expect(seen.size).toBe(4);
  // A tampered body or another secret is refused by the receiver's library.
  const one = rx.at('/completed')[0]!;
  expect(() => verify(secret, { ...one, body: one.body.replace('COMPLETED', 'FAILED') })).toThrow();
  const other = await createEndpoint(rx.url('/unused'), ['JOB_EXPIRED']);
  expect(() => verify(other.secret, one)).toThrow();
  await drop(other.endpoint.id);

  const log = await deliveryLog(endpoint.id);
  expect(log.deliveries).toHaveLength(4);
  for (const d of log.deliveries) {
    expect(d).toMatchObject({
      eventType: 'JOB_COMPLETED',
      status: 'DELIVERED',
      attempts: 1,
      lastOutcome: 'SUCCESS',
      lastStatusCode: 200,
      nextAttemptAt: null,
    });
    expect(d.attemptLog).toHaveLength(1);
    expect(d.lastLatencyMs).toBeGreaterThanOrEqual(0);
  }
  latencies.sort((x, y) => x - y);
  const p50 = latencies[Math.floor(latencies.length / 2)]!;
  console.log(
    `webhook callback latency after completion (ms): ${latencies.join(', ')}; p50 ${p50}`,
  );
  expect(p50).toBeLessThan(2_000);
  await drop(endpoint.id);
}, 90_000);

test('500, 500 then 200: three attempts with the same webhook-id, each signed, then DELIVERED', async () => {
  rx.script('/flaky', [{ status: 500 }, { status: 500 }]);
  const { secret, endpoint } = await createEndpoint(rx.url('/flaky'), ['TRANSCRIPT_EDITED']);
  await edit('Сәлеметсіз бе, flaky');
  await waitFor('3 attempts', () => rx.at('/flaky').length >= 3, 10_000);
  const reqs = rx.at('/flaky');
  expect(new Set(reqs.map((r) => r.headers['webhook-id'])).size).toBe(1);
  for (const r of reqs) expect(verify(secret, r).type).toBe('transcript.edited');
  expect(verify(secret, reqs[0]!).data).toMatchObject({ jobId, status: 'COMPLETED', kind: 'edit' });
  // Attempt 2 waited the schedule's first step (0.2 s), attempt 3 the second (0.4 s).
  expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(180);
  expect(reqs[2]!.at - reqs[1]!.at).toBeGreaterThanOrEqual(380);
  const d = await waitFor('DELIVERED', async () => {
    const l = await deliveryLog(endpoint.id);
    return l.deliveries[0]?.status === 'DELIVERED' ? l.deliveries[0] : undefined;
  });
  expect(d.attempts).toBe(3);
  expect(d.attemptLog.map((x: any) => [x.outcome, x.statusCode])).toEqual([
    ['HTTP_ERROR', 500],
    ['HTTP_ERROR', 500],
    ['SUCCESS', 200],
  ]);
  expect(d.eventId).toBe(reqs[0]!.headers['webhook-id']);
  await drop(endpoint.id);
}, 30_000);

test('a receiver slower than the timeout counts as TIMEOUT and is retried; 429 with Retry-After waits as long as asked', async () => {
  rx.script('/slow', [{ status: 200, delayMs: 1_500 }]);
  rx.script('/busy', [{ status: 429, headers: { 'retry-after': '1' } }]);
  const slow = await createEndpoint(rx.url('/slow'), ['TRANSCRIPT_EDITED']);
  const busy = await createEndpoint(rx.url('/busy'), ['TRANSCRIPT_EDITED']);
  await edit('Здравствуйте, slow and busy');
  await waitFor(
    '2 attempts each',
    () => rx.at('/slow').length >= 2 && rx.at('/busy').length >= 2,
    10_000,
  );
  const s = await waitFor('slow delivered', async () => {
    const l = await deliveryLog(slow.endpoint.id);
    return l.deliveries[0]?.status === 'DELIVERED' ? l.deliveries[0] : undefined;
  });
  expect(s.attemptLog.map((x: any) => x.outcome)).toEqual(['TIMEOUT', 'SUCCESS']);
  expect(s.attemptLog[0].error).toMatch(/no answer within 500 ms/);
  const busyReqs = rx.at('/busy');
  expect(busyReqs[1]!.at - busyReqs[0]!.at).toBeGreaterThanOrEqual(950); // not the 0.2 s step
  expect(busyReqs[0]!.headers['webhook-id']).toBe(busyReqs[1]!.headers['webhook-id']);
  const bl = await deliveryLog(busy.endpoint.id);
  expect(bl.deliveries[0].attemptLog.map((x: any) => [x.outcome, x.statusCode])).toEqual([
    ['HTTP_ERROR', 429],
    ['SUCCESS', 200],
  ]);
  await drop(slow.endpoint.id);
  await drop(busy.endpoint.id);
}, 30_000);

test('410 Gone disables the endpoint: no retry, nothing more is sent until it is enabled again', async () => {
  rx.script('/gone', [{ status: 410 }]);
  const { endpoint } = await createEndpoint(rx.url('/gone'), ['TRANSCRIPT_EDITED']);
  await edit('gone 1');
  const log = await waitFor('FAILED', async () => {
    const l = await deliveryLog(endpoint.id);
    return l.deliveries[0]?.status === 'FAILED' ? l : undefined;
  });
  expect(log.enabled).toBe(false);
  expect(log.disabledReason).toMatch(/410 Gone/);
  expect(log.deliveries[0]).toMatchObject({
    attempts: 1,
    lastOutcome: 'GONE',
    lastStatusCode: 410,
    nextAttemptAt: null,
  });
  await edit('gone 2');
  await new Promise((r) => setTimeout(r, 800));
  expect(rx.at('/gone')).toHaveLength(1);
  const again = await t.gql(
    `mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: true) { enabled disabledReason } }`,
    { id: endpoint.id },
    a,
  );
  expect(again.data.updateWebhookEndpoint).toEqual({ enabled: true, disabledReason: null });
  await edit('gone 3');
  await waitFor('delivered after re-enabling', () => rx.at('/gone').length === 2, 5_000);
  await drop(endpoint.id);
}, 30_000);

test('SSRF: a host resolving to 127.0.0.1 is refused at delivery and logged; 169.254.169.254 and IPv4-mapped loopback are refused when saved; a redirect to the metadata address is not followed', async () => {
  const before = rx.connections;
  const local = await createEndpoint(`http://localhost:${rx.port}/ssrf`, ['TRANSCRIPT_EDITED']);
  rx.script('/redirect', [
    { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } },
    { status: 307, headers: { location: `http://localhost:${rx.port}/ssrf` } },
    { status: 302, headers: { location: 'http://169.254.169.254/' } },
    { status: 302, headers: { location: 'http://169.254.169.254/' } },
  ]);
  const redirect = await createEndpoint(rx.url('/redirect'), ['TRANSCRIPT_EDITED']);
  await edit('ssrf');
  const l = await waitFor(
    'localhost delivery given up',
    async () => {
      const x = await deliveryLog(local.endpoint.id);
      return x.deliveries[0]?.status === 'FAILED' ? x : undefined;
    },
    10_000,
  );
  const d = l.deliveries[0];
  expect(d.attempts).toBe(4); // 1 + the 3 retries of the schedule, each checked again
  for (const at of d.attemptLog) {
    expect(at.outcome).toBe('ADDRESS_REFUSED');
    expect(at.statusCode).toBeNull();
    expect(at.error).toMatch(/address 127\.0\.0\.1 of localhost is refused \(loopback\)/);
  }
  expect(rx.at('/ssrf')).toHaveLength(0);
  const r = await waitFor(
    'redirect delivery given up',
    async () => {
      const x = await deliveryLog(redirect.endpoint.id);
      return x.deliveries[0]?.status === 'FAILED' ? x.deliveries[0] : undefined;
    },
    10_000,
  );
  expect(r.attemptLog.map((x: any) => x.outcome)).toEqual(Array(4).fill('REDIRECT_NOT_FOLLOWED'));
  expect(r.attemptLog[0].error).toMatch(
    /302 to http:\/\/169\.254\.169\.254\/latest\/meta-data\/; redirects are not followed/,
  );
  expect(rx.at('/redirect')).toHaveLength(4);
  expect(rx.at('/ssrf')).toHaveLength(0); // the 307 to localhost was not followed either
  expect(rx.connections - before).toBe(4); // only the redirecting endpoint's own attempts

  for (const url of [
    'http://169.254.169.254/latest/meta-data/',
    `http://[::ffff:127.0.0.1]:${rx.port}/`,
    'http://[::1]/',
    'http://10.1.2.3/',
  ]) {
    const res = await t.gql(CREATE, { url, events: ['JOB_COMPLETED'] }, a);
    expect(res.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'WEBHOOK_ADDRESS_REFUSED',
    });
  }
  const creds = await t.gql(
    CREATE,
    { url: 'https://user:pw@hooks.example.com/', events: ['JOB_COMPLETED'] },
    a,
  );
  expect(creds.errors[0].extensions.reason).toBe('WEBHOOK_URL_INVALID');
  await drop(local.endpoint.id);
  await drop(redirect.endpoint.id);
}, 30_000);

test("tenants are isolated: B receives none of A's events and cannot see, change, rotate or redeliver A's", async () => {
  const mine = await createEndpoint(rx.url('/tenant-a'), ['TRANSCRIPT_EDITED']);
  const theirs = await createEndpoint(rx.url('/tenant-b'), ['TRANSCRIPT_EDITED'], b);
  await edit('tenant test');
  await waitFor('A delivered', () => rx.at('/tenant-a').length === 1, 5_000);
  await new Promise((r) => setTimeout(r, 400));
  expect(rx.at('/tenant-b')).toHaveLength(0);
  const eventId = rx.at('/tenant-a')[0]!.headers['webhook-id'];
  const listB = await t.gql(`{ webhookEndpoints { id } }`, {}, b);
  expect(listB.data.webhookEndpoints).toEqual([{ id: theirs.endpoint.id }]);
  const id = mine.endpoint.id;
  const calls: [string, Record<string, unknown>][] = [
    [`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id }],
    [`mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: false) { id } }`, { id }],
    [`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id }],
    [`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id }],
    [`mutation($id: ID!) { redeliverWebhook(eventId: $id) { id } }`, { id: eventId }],
  ];
  const r0 = await t.gql(calls[0]![0], calls[0]![1], b);
  expect(r0.data.webhookEndpoint).toBeNull();
  for (const [q, v] of calls.slice(1)) {
    const r = await t.gql(q, v, b);
    expect(r.errors[0].extensions.code).toBe('NOT_FOUND');
  }
  expect((await deliveryLog(id)).enabled).toBe(true);
  await drop(id);
  await t.gql(
    `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`,
    { id: theirs.endpoint.id },
    b,
  );
}, 30_000);

test('redeliverWebhook sends the event again with the same webhook-id; after rotateWebhookSecret both secrets verify for the grace period', async () => {
  const { secret, endpoint } = await createEndpoint(rx.url('/again'), ['TRANSCRIPT_EDITED']);
  await edit('redeliver');
  await waitFor('first delivery', () => rx.at('/again').length === 1, 5_000);
  const first = rx.at('/again')[0]!;
  const rotated = await t.gql(
    `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }`,
    { id: endpoint.id },
    a,
  );
  const next = rotated.data.rotateWebhookSecret.secret as string;
  expect(next).not.toBe(secret);
  expect(
    Date.parse(rotated.data.rotateWebhookSecret.endpoint.previousSecretExpiresAt),
  ).toBeGreaterThan(Date.now() + 23 * 3600_000);
  const re = await t.gql(
    `mutation($e: ID!) { redeliverWebhook(eventId: $e) { status eventId } }`,
    { e: first.headers['webhook-id'] },
    a,
  );
  expect(re.data.redeliverWebhook).toEqual([
    { status: 'PENDING', eventId: first.headers['webhook-id'] },
  ]);
  await waitFor('redelivery', () => rx.at('/again').length === 2, 5_000);
  const second = rx.at('/again')[1]!;
  expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
  expect(second.body).toBe(first.body);
  expect(second.headers['webhook-signature'].split(' ')).toHaveLength(2);
  expect(verify(next, second).type).toBe('transcript.edited');
  expect(verify(secret, second).type).toBe('transcript.edited');
  const unknown = await t.gql(
    `mutation { redeliverWebhook(eventId: "msg_00000000000000000000000000000000") { id } }`,
    {},
    a,
  );
  expect(unknown.errors[0].extensions.code).toBe('NOT_FOUND');
  await drop(endpoint.id);
}, 30_000);

test('job.cancelled is sent for a cancelled job', async () => {
  const { secret, endpoint } = await createEndpoint(rx.url('/cancelled'), ['JOB_CANCELLED']);
  const up = await t.upload(FIXTURE, null, undefined, a);
  const id = up.data.uploadAudio.id;
  const c = await t.gql(`mutation($id: ID!) { cancelJob(id: $id) { status } }`, { id }, a);
  if (c.errors) return; // finished before the cancel reached it: nothing to cancel
  await waitFor('job.cancelled', () => rx.at('/cancelled').length === 1, 5_000);
  expect(verify(secret, rx.at('/cancelled')[0]!).data).toMatchObject({
    jobId: id,
    status: 'CANCELLED',
  });
  await drop(endpoint.id);
}, 30_000);

test("the admin command line manages a tenant's endpoints: create (secret once), list, deliveries, redeliver, disable, delete", async () => {
  const lines: string[] = [];
  const errs: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => errs.push(l) };
  const admin = (...argv: string[]) =>
    runAdmin([...argv, '--json'], t.app.resources.orm.em.fork(), io, {
      webhooks: t.config.webhooks,
    });
  expect(
    await admin(
      'webhook',
      'create',
      '--tenant',
      'hooks-a',
      '--url',
      rx.url('/cli'),
      '--events',
      'transcript.edited',
    ),
  ).toBe(0);
  const created = JSON.parse(lines.pop()!);
  expect(created).toMatchObject({
    url: rx.url('/cli'),
    events: ['transcript.edited'],
    enabled: true,
  });
  expect(created.secret).toMatch(/^whsec_/);
  await edit('from the command line');
  await waitFor('CLI endpoint delivery', () => rx.at('/cli').length === 1, 5_000);
  expect(verify(created.secret, rx.at('/cli')[0]!).type).toBe('transcript.edited');
  expect(await admin('webhook', 'list', '--tenant', 'hooks-a')).toBe(0);
  const listed = JSON.parse(lines.pop()!);
  expect(listed.find((e: any) => e.id === created.id)).not.toHaveProperty('secret');
  const log = await waitFor('DELIVERED in the log', async () => {
    expect(await admin('webhook', 'deliveries', created.id, '--tenant', 'hooks-a')).toBe(0);
    const ds = JSON.parse(lines.pop()!);
    return ds[0]?.status === 'DELIVERED' ? ds : undefined;
  });
  expect(await admin('webhook', 'redeliver', log[0].eventId, '--tenant', 'hooks-a')).toBe(0);
  await waitFor('CLI redelivery', () => rx.at('/cli').length === 2, 5_000);
  expect(await admin('webhook', 'update', created.id, '--tenant', 'hooks-a', '--disable')).toBe(0);
  expect(JSON.parse(lines.pop()!).enabled).toBe(false);
  expect(await admin('webhook', 'delete', created.id, '--tenant', 'hooks-b')).toBe(1); // not B's
  expect(errs.pop()).toMatch(/not found/);
  expect(
    await admin('webhook', 'create', '--tenant', 'hooks-a', '--url', 'http://169.254.169.254/'),
  ).toBe(1);
  expect(errs.pop()).toMatch(/not public \(linkLocal\)/);
  expect(await admin('webhook', 'delete', created.id, '--tenant', 'hooks-a')).toBe(0);
  expect(await admin('webhook', 'bogus', '--tenant', 'hooks-a')).toBe(2);
}, 30_000);
