/**
 * The parts of the GraphQL contract a client library relies on, against the real api on SQLite
 * and PostgreSQL with two tenants: Relay's `node(id:)` re-fetches a Job, Transcript, Speaker and
 * Segment by the id any query returned (and answers null for another tenant's ids, unknown ids
 * and garbage), and `Job.errorCode` is the `JobErrorCode` enum.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Job } from '../../src/db/entities/index.js';
import { JobStatus } from '../../src/domain.js';
import { startTestApp, type CallerOptions, type TestApp } from '../helpers/harness.js';
import { seedCompletedJob, type SeededJob } from '../helpers/long-transcript.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';

const NODE = `query($id: ID!) { node(id: $id) {
  __typename id
  ... on Job { status filename }
  ... on Transcript { version segmentCount }
  ... on Speaker { label }
  ... on Segment { index text speaker { id } }
} }`;

const IDS = `query($id: ID!) { job(id: $id) { id transcript { id
  speakers { id label } segments(offset: 1, limit: 1) { id index text } } } }`;

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('GraphQL contract on %s', (_name, postgres) => {
  let db: ThrowawayDatabase | null = null;
  let t: TestApp | undefined;
  let em: EntityManager;
  let a: CallerOptions;
  let b: CallerOptions;
  let job: SeededJob;

  beforeAll(async () => {
    if (postgres) {
      db = await createThrowawayDatabase();
      if (!db) return;
    }
    t = await startTestApp({
      ROLES: 'api',
      AUTH_MODE: 'api-key',
      ...(db ? { DATABASE_URL: db.url } : {}),
    });
    em = t.app.resources.orm.em.fork();
    a = { apiKey: await t.createTenantKey('tenant-a') };
    b = { apiKey: await t.createTenantKey('tenant-b') };
    job = await seedCompletedJob(em, 60, { tenantId: 'tenant-a' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  test('node(id:) re-fetches every kind of object by the id a query returned', async () => {
    if (!t) return;
    const ids = (await t.gql(IDS, { id: job.jobId }, a)) as any;
    expect(ids.errors).toBeUndefined();
    const tr = ids.data.job.transcript;
    const speaker = tr.speakers[0];
    const segment = tr.segments[0];
    const node = async (id: string, as = a) => {
      const r = (await t!.gql(NODE, { id }, as)) as any;
      expect(r.errors).toBeUndefined();
      return r.data.node;
    };
    expect(await node(job.jobId)).toMatchObject({
      __typename: 'Job',
      id: job.jobId,
      status: 'COMPLETED',
    });
    expect(await node(tr.id)).toMatchObject({
      __typename: 'Transcript',
      id: tr.id,
      version: 1,
      segmentCount: job.segments,
    });
    expect(await node(speaker.id)).toEqual({
      __typename: 'Speaker',
      id: speaker.id,
      label: speaker.label,
    });
    const seg = await node(segment.id);
    expect(seg).toMatchObject({ __typename: 'Segment', id: segment.id, index: 1 });
    expect(seg.text).toBe(segment.text);
    expect(typeof seg.speaker.id).toBe('string');

    // Another tenant's ids are indistinguishable from unknown ones; garbage is just "nothing".
    for (const id of [job.jobId, tr.id, speaker.id, segment.id]) {
      expect(await node(id, b)).toBeNull();
    }
    for (const id of ['00000000-0000-0000-0000-000000000000', "x' or '1'='1", 'é'.repeat(300)]) {
      expect(await node(id)).toBeNull();
    }
  });

  test('Job.errorCode is a JobErrorCode value', async () => {
    if (!t) return;
    const failed = await seedCompletedJob(em, 10, { tenantId: 'tenant-a' });
    await em.nativeUpdate(
      Job,
      { id: failed.jobId },
      { status: JobStatus.FAILED, errorCode: 'STT_UNAVAILABLE', errorMessage: 'down' },
    );
    const r = (await t.gql(
      'query($id: ID!) { job(id: $id) { status errorCode errorMessage } }',
      { id: failed.jobId },
      a,
    )) as any;
    expect(r.data.job).toEqual({
      status: 'FAILED',
      errorCode: 'STT_UNAVAILABLE',
      errorMessage: 'down',
    });
    const intro = (await t.gql(
      '{ __type(name: "JobErrorCode") { kind enumValues { name description } } }',
      {},
      a,
    )) as any;
    expect(intro.data.__type.kind).toBe('ENUM');
    const names = intro.data.__type.enumValues.map((v: { name: string }) => v.name);
    expect(names).toEqual(expect.arrayContaining(['TRANSCODE_FAILED', 'WORKER_CRASHED']));
    expect(intro.data.__type.enumValues.every((v: any) => v.description.length > 10)).toBe(true);
  });
});
