/**
 * The same pipeline on PostgreSQL (DATABASE_URL=postgres://…), when a server answers on
 * 127.0.0.1:5432 (set TEST_POSTGRES_URL to point elsewhere). A throwaway database is created
 * for the run and dropped afterwards. Skipped, with a note, where no PostgreSQL is reachable.
 */
import path from 'node:path';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';
import { waitFor } from '../helpers/processes.js';
import { startReceiver, verify, type Receiver } from '../helpers/webhook-receiver.js';

let db: ThrowawayDatabase | null = null;
let t: TestApp | undefined;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  db = await createThrowawayDatabase();
  if (db) {
    t = await startTestApp({
      DATABASE_URL: db.url,
      // Webhooks to the receiver in this process, on a compressed retry schedule.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.2,0.4',
      WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_POLL_INTERVAL_MS: '100',
    });
  }
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
  await rx?.close();
});

test('upload → COMPLETED transcript with both speakers → rename → export, on PostgreSQL', async () => {
  if (!t) return;
  expect(t.config.database.kind).toBe('postgresql');
  const m = manifest('dialogue-mono.ogg');
  const up = await t.upload(path.join(FIXTURES_DIR, m.file));
  expect(up.errors).toBeUndefined();
  const id = up.data.uploadAudio.id;
  expect((await waitForStatus(t, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED');
  const r = await t.gql(
    `query($id: ID!) { job(id: $id) { transcript { speakers { id label } segments { text start speaker { label } } } } }`,
    { id },
  );
  const tr = r.data.job.transcript;
  expect(tr.segments.map((s: any) => s.text)).toEqual(m.utterances.map((u) => u.text));
  expect(tr.speakers).toHaveLength(2);
  const renamed = await t.gql(
    `mutation($id: ID!) { renameSpeaker(id: $id, label: "Ерлан") { label } }`,
    {
      id: tr.speakers[0].id,
    },
  );
  expect(renamed.data.renameSpeaker.label).toBe('Ерлан');
  const srt = await (await fetch(`${t.url}/api/v1/jobs/${id}/export/srt`)).text();
  expect(srt).toContain('Ерлан: ');
  // Usage on PostgreSQL: the 20.6 s recording billed as 21 s by SpeechKit's rule.
  const usage = await t.gql(
    `query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t, groupBy: MONTH) { engine jobs { completed } audioSecondsBilled engineRequests } }`,
    {
      f: new Date(Date.now() - 3600_000).toISOString(),
      t: new Date(Date.now() + 3600_000).toISOString(),
    },
  );
  expect(usage.data.usage).toEqual([
    { engine: 'speechkit', jobs: { completed: 1 }, audioSecondsBilled: 21, engineRequests: 1 },
  ]);
  const page = await t.gql(`{ jobs(first: 10) { totalCount edges { node { id } } } }`);
  expect(page.data.jobs.edges.map((e: any) => e.node.id)).toEqual([id]);
  expect((await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id })).data.deleteJob).toBe(
    true,
  );
});

test('webhooks on PostgreSQL: the outbox event of a completed job is delivered, signed, retried after a 500 with the same webhook-id', async () => {
  if (!t) return;
  const created = await t.gql(
    `mutation($url: String!) { createWebhookEndpoint(url: $url, events: [JOB_COMPLETED]) { secret endpoint { id } } }`,
    { url: rx.url('/pg') },
  );
  expect(created.errors).toBeUndefined();
  const { secret, endpoint } = created.data.createWebhookEndpoint;
  rx.script('/pg', [{ status: 500 }]);
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  expect(up.errors).toBeUndefined();
  const id = up.data.uploadAudio.id;
  expect((await waitForStatus(t, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED');
  await waitFor('the retried job.completed', () => rx.at('/pg').length >= 2, 20_000);
  const [first, second] = rx.at('/pg');
  for (const req of [first!, second!]) {
    expect(verify(secret, req)).toMatchObject({ type: 'job.completed', data: { jobId: id } });
  }
  expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  const log = await t.gql(
    `query($id: ID!) { webhookEndpoint(id: $id) { deliveries { status attempts lastStatusCode } } }`,
    { id: endpoint.id },
  );
  expect(log.data.webhookEndpoint.deliveries).toEqual([
    { status: 'DELIVERED', attempts: 2, lastStatusCode: 200 },
  ]);
});
