/**
 * What reading a transcript costs the database, on SQLite and PostgreSQL: every read a client
 * makes (GraphQL queries, pages, exports) is recorded statement by statement, and
 * - the number of statements does not grow with the transcript (15 min vs 60 min);
 * - the data returned does not grow when unrelated big columns do (the transcript's text, a
 *   job's options JSON, a revision's change payload): nothing joins or loads a column the
 *   request does not show;
 * - for GraphQL reads, the data returned stays within a small multiple of the response.
 * This is the regression test of the 4-hour read that took 20 s: MikroORM's populate copied the
 * whole transcript text into each segment row. Timings live in `bench/` (`npm run bench`).
 */
import type { EntityManager } from '@mikro-orm/core';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { seedCompletedJob, type SeededJob } from '../helpers/long-transcript.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';
import { recordSql, type RecordedStatement, type SqlRecorder } from '../helpers/sql-recorder.js';

/** A read as a client makes it (GraphQL with `$id` = the job's id, or a REST export format). */
interface Read {
  name: string;
  graphql?: string;
  rest?: string;
  /**
   * The response shows the rows it reads (so their size bounds what was read). Segment rows are
   * read whole — a few hundred bytes each — even when only `index` is selected.
   */
  showsRows?: boolean;
}

const READS: Read[] = [
  {
    name: 'full transcript (all but text)',
    graphql: `query($id: ID!) { job(id: $id) { id status transcript { id languages segmentCount
      speakers { id tag label speakingSeconds segmentCount version }
      segments { id index start end text language speaker { id label } words { text start end } } } } }`,
    showsRows: true,
  },
  {
    name: 'segments { index }',
    graphql: `query($id: ID!) { job(id: $id) { transcript { segments { index } } } }`,
  },
  {
    name: 'page of 20 segments',
    graphql: `query($id: ID!) { job(id: $id) { transcript { segmentCount
      segments(offset: 10, limit: 20) { index text speaker { label } words { text start } } } } }`,
    showsRows: true,
  },
  {
    name: 'GraphQL export SRT',
    graphql: `query($id: ID!) { job(id: $id) { transcript { export(format: SRT) } } }`,
  },
  {
    name: 'jobs list with speakers',
    graphql: `{ jobs(first: 20) { edges { node { id status transcript { id speakers { label } } } } } }`,
    showsRows: true,
  },
  {
    name: 'revisions list',
    graphql: `query($id: ID!) { job(id: $id) { transcript { version
      revisions(first: 20) { totalCount edges { cursor node { id number createdAt author kind summary } } } } } }`,
    showsRows: true,
  },
  { name: 'REST export txt', rest: 'txt' },
  { name: 'REST export srt', rest: 'srt' },
  { name: 'REST export vtt', rest: 'vtt' },
  { name: 'REST export json', rest: 'json' },
];

interface Cost {
  statements: number;
  bytes: number;
  responseBytes: number;
  response: string;
}

async function cost(t: TestApp, rec: SqlRecorder, read: Read, jobId: string): Promise<Cost> {
  rec.take();
  let response: string;
  if (read.graphql) {
    const r = await t.gql(read.graphql, read.graphql.includes('$id') ? { id: jobId } : undefined);
    expect(r.errors).toBeUndefined();
    response = JSON.stringify(r.data);
  } else {
    const res = await fetch(`${t.url}/api/v1/jobs/${jobId}/export/${read.rest}`);
    expect(res.status).toBe(200);
    response = await res.text();
  }
  const statements: RecordedStatement[] = rec.take();
  return {
    statements: statements.length,
    bytes: statements.reduce((n, s) => n + s.bytes, 0),
    responseBytes: response.length,
    response,
  };
}

/**
 * Makes the columns no read shows 6 MB bigger: the transcript's text, the job's options and
 * the change payload of its revisions (issue 12: the revisions list must never read it).
 */
async function inflateUnrelatedColumns(em: EntityManager, job: SeededJob): Promise<void> {
  const pad = 'ж'.repeat(2_000_000);
  const conn = em.getConnection();
  await conn.execute(`update transcripts set text = text || ? where id = ?`, [
    pad,
    job.transcriptId,
  ]);
  const options = JSON.stringify({
    languages: ['kk-KZ', 'ru-RU'],
    diarization: 'AUTO',
    profanityFilter: false,
    textNormalization: true,
    prompt: pad,
  });
  await conn.execute(`update jobs set options = ? where id = ?`, [options, job.jobId]);
  const change = JSON.stringify({ segments: { before: [], after: [] }, note: pad });
  await conn.execute(`update transcript_revisions set change = ? where transcript_id = ?`, [
    change,
    job.transcriptId,
  ]);
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('transcript reads on %s', (_name, postgres) => {
  let db: ThrowawayDatabase | null = null;
  let t: TestApp | undefined;
  let rec: SqlRecorder;
  let short: SeededJob;
  let long: SeededJob;

  beforeAll(async () => {
    if (postgres) {
      db = await createThrowawayDatabase();
      if (!db) return;
    }
    // api only: no worker sweeps running SQL of their own during the recording.
    t = await startTestApp({ ROLES: 'api', ...(db ? { DATABASE_URL: db.url } : {}) });
    const em = t.app.resources.orm.em.fork();
    short = await seedCompletedJob(em, 15 * 60);
    long = await seedCompletedJob(em, 60 * 60);
    rec = recordSql(t.app.resources.orm);
  }, 60_000);

  afterAll(async () => {
    rec?.stop();
    await t?.close();
    await db?.drop();
  });

  test('statements per read do not grow with the transcript', async () => {
    if (!t) return;
    expect(long.segments).toBeGreaterThan(3 * short.segments);
    const lines: string[] = [];
    for (const read of READS) {
      const a = await cost(t, rec, read, short.jobId);
      const b = await cost(t, rec, read, long.jobId);
      lines.push(`${read.name}: ${a.statements} statements (15 min) / ${b.statements} (60 min)`);
      expect({ read: read.name, statements: b.statements }).toEqual({
        read: read.name,
        statements: a.statements,
      });
      expect(a.statements).toBeLessThanOrEqual(6);
    }
    console.log(lines.join('\n'));
  });

  test('data read does not grow with unrelated big columns, and answers stay the same', async () => {
    if (!t) return;
    const before = new Map<string, Cost>();
    for (const read of READS) before.set(read.name, await cost(t, rec, read, long.jobId));
    await inflateUnrelatedColumns(t.app.resources.orm.em.fork(), long);
    const lines: string[] = [];
    for (const read of READS) {
      const was = before.get(read.name)!;
      const now = await cost(t, rec, read, long.jobId);
      lines.push(`${read.name}: ${was.bytes} → ${now.bytes} bytes read, ${now.responseBytes} sent`);
      expect({ read: read.name, bytes: now.bytes }).toEqual({ read: read.name, bytes: was.bytes });
      expect(now.response).toBe(was.response);
      if (read.showsRows) {
        // Rows carry keys and ids the response does not; 3× leaves room for that, not for a
        // column copied into every row.
        const limit = 3 * now.responseBytes + 16_384;
        expect(`${read.name}: ${now.bytes} bytes read`).toBe(
          `${read.name}: ${Math.min(now.bytes, limit)} bytes read`,
        );
      }
    }
    console.log(lines.join('\n'));
    // The text itself is read when asked for, once.
    const text = await t.gql(`query($id: ID!) { job(id: $id) { transcript { text } } }`, {
      id: long.jobId,
    });
    expect(text.data.job.transcript.text.length).toBeGreaterThan(2_000_000);
  });
});
