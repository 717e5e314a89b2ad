/**
 * The same pipeline on PostgreSQL (DATABASE_URL=postgres://…), when a server answers on
 * 127.0.0.1:5432 (set TEST_POSTGRES_URL to point elsewhere). A throwaway database is created
 * for the run and dropped afterwards. Skipped, with a note, where no PostgreSQL is reachable.
 */
import path from 'node:path';
import pg from 'pg';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `kazru_test_${process.pid}_${Date.now()}`;
let available = false;
let t: TestApp | undefined;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  try {
    await admin(`create database ${dbName}`);
    available = true;
  } catch (err) {
    console.warn(
      `PostgreSQL not reachable at ${ADMIN_URL} (${(err as Error).message}); skipping PostgreSQL tests`,
    );
    return;
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  t = await startTestApp({ DATABASE_URL: url.toString() });
});

afterAll(async () => {
  await t?.close();
  if (available) await admin(`drop database if exists ${dbName} with (force)`);
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
  const page = await t.gql(`{ jobs(first: 10) { totalCount edges { node { id } } } }`);
  expect(page.data.jobs.edges.map((e: any) => e.node.id)).toEqual([id]);
  expect((await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id })).data.deleteJob).toBe(
    true,
  );
});
