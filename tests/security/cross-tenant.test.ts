/**
 * Cross-tenant matrix, generated from the schema the server serves (introspection) and from the
 * routes of the `/api/v1` router: every query, mutation and subscription that takes an `ID`, and
 * every URL with an `:id`, is called by tenant B with each of tenant A's ids (job, transcript,
 * speaker, segment). The answer must be exactly the answer for an id that does not exist, and no
 * answer to B may contain anything of A's. A field or route added later is covered without
 * anyone remembering to add it here.
 */
import path from 'node:path';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { createApiRouter } from '../../src/http/routes.js';
import type { RouteDeps } from '../../src/http/routes.js';
import { FIXTURES_DIR, startTestApp, type TestApp } from '../helpers/harness.js';

const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const UNKNOWN_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';

/** A sample value for a required non-ID argument. */
function sample(type: GraphQLInputType): unknown {
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.value;
  if (isInputObjectType(named)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(named.getFields())) {
      if (isNonNullType(f.type)) out[f.name] = sample(f.type);
    }
    return out;
  }
  switch (named.name) {
    case 'Int':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    default:
      return 'Renamed by tenant B';
  }
}

/** A selection of every field reachable without arguments, `depth` levels down. */
function selection(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return '';
  const parts: string[] = ['__typename'];
  for (const f of Object.values(type.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(f.name);
    else if (depth > 0) {
      const inner = selection(named, depth - 1);
      if (inner) parts.push(`${f.name} ${inner}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

interface Operation {
  kind: 'query' | 'mutation' | 'subscription';
  field: string;
  idArgs: string[];
  document: string;
  fixed: Record<string, unknown>;
}

/** One operation per root field: ID arguments become `$id`, other required ones get samples. */
function operations(schema: GraphQLSchema): Operation[] {
  const roots: [Operation['kind'], GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  const ops: Operation[] = [];
  for (const [kind, root] of roots) {
    for (const field of Object.values(root?.getFields() ?? {}) as GraphQLField<
      unknown,
      unknown
    >[]) {
      if (field.args.some((a) => getNamedType(a.type).name === 'Upload')) continue;
      const idArgs = field.args.filter((a) => getNamedType(a.type).name === 'ID');
      const others = field.args.filter(
        (a: GraphQLArgument) => !idArgs.includes(a) && isNonNullType(a.type),
      );
      const fixed = Object.fromEntries(others.map((a) => [a.name, sample(a.type)]));
      const vars = [
        ...idArgs.map((a) => `$${a.name}: ${String(a.type)}`),
        ...others.map((a) => `$${a.name}: ${String(a.type)}`),
      ];
      const args = [...idArgs, ...others].map((a) => `${a.name}: $${a.name}`);
      const sel = selection(getNamedType(field.type), 4);
      ops.push({
        kind,
        field: field.name,
        idArgs: idArgs.map((a) => a.name),
        fixed,
        document: `${kind}${vars.length ? `(${vars.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${sel} }`,
      });
    }
  }
  return ops;
}

/** Replaces the probed id by a placeholder, so two answers can be compared. */
const normalise = (value: unknown, id: string) =>
  JSON.parse(
    JSON.stringify(value ?? null)
      .split(id)
      .join('<ID>'),
  ) as unknown;

describe('cross-tenant isolation (AUTH_MODE=api-key)', () => {
  let t: TestApp;
  let keyA: string;
  let keyB: string;
  let schema: GraphQLSchema;
  /** Every id of tenant A's, by kind, and A's words that must never reach B. */
  const a: { ids: Record<string, string>; secrets: string[] } = { ids: {}, secrets: [] };
  let jobB: string;

  const waitDone = async (id: string, apiKey: string) => {
    for (let i = 0; i < 300; i++) {
      const r = await t.gql('query($id: ID!) { job(id: $id) { status } }', { id }, { apiKey });
      if (r.data?.job?.status === 'COMPLETED') return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`job ${id} did not complete`);
  };

  const callAs = async (op: Operation, variables: Record<string, unknown>, apiKey: string) => {
    if (op.kind !== 'subscription') {
      const r = await t.gql(op.document, variables, { apiKey });
      return { status: r.status, data: r.data ?? null, errors: r.errors ?? null };
    }
    const sub = t.subscribe(op.document, variables, { apiKey });
    await Promise.race([sub.done, new Promise((res) => setTimeout(res, 3000))]);
    sub.close();
    return { events: sub.events, errors: sub.errors.map((e) => JSON.parse(JSON.stringify(e))) };
  };

  beforeAll(async () => {
    t = await startTestApp({ AUTH_MODE: 'api-key' });
    keyA = await t.createTenantKey('tenant-a');
    keyB = await t.createTenantKey('tenant-b');
    const upA = await t.upload(FIXTURE, null, 'Сот отырысы — A.ogg', { apiKey: keyA });
    const upB = await t.upload(FIXTURE, null, 'B.ogg', { apiKey: keyB });
    a.ids.job = upA.data.uploadAudio.id;
    jobB = upB.data.uploadAudio.id;
    await waitDone(a.ids.job, keyA);
    await waitDone(jobB, keyB);
    const r = await t.gql(
      `query($id: ID!) { job(id: $id) { filename transcript { id speakers { id label }
        segments { id text } } } }`,
      { id: a.ids.job },
      { apiKey: keyA },
    );
    const tr = r.data.job.transcript;
    a.ids.transcript = tr.id;
    a.ids.speaker = tr.speakers[0].id;
    a.ids.segment = tr.segments[0].id;
    // Both tenants uploaded the same recording, so A's own words are A's file name and a
    // speaker name only A gave: either in an answer to B can only be a leak.
    const secretLabel = 'Әйгерім (tenant A only)';
    const renamed = await t.gql(
      'mutation($id: ID!, $label: String!) { renameSpeaker(id: $id, label: $label) { label } }',
      { id: a.ids.speaker, label: secretLabel },
      { apiKey: keyA },
    );
    expect(renamed.data.renameSpeaker.label).toBe(secretLabel);
    a.secrets = [r.data.job.filename, secretLabel];
    const intro = await t.gql(getIntrospectionQuery(), {}, { apiKey: keyA });
    schema = buildClientSchema(intro.data);
  }, 90_000);
  afterAll(async () => t?.close());

  const leaksOfA = (answer: unknown) => {
    const text = JSON.stringify(answer);
    return [...Object.values(a.ids), ...a.secrets].filter((s) => text.includes(s));
  };

  test('every GraphQL operation answers B for A’s ids exactly as for an unknown id', async () => {
    const ops = operations(schema);
    expect(ops.map((o) => o.field)).toEqual(
      expect.arrayContaining([
        'job',
        'jobs',
        'cancelJob',
        'deleteJob',
        'renameSpeaker',
        'jobProgress',
      ]),
    );
    let calls = 0;
    for (const op of ops) {
      if (op.idArgs.length === 0) {
        const asB = await callAs(op, op.fixed, keyB);
        expect({ field: op.field, leaks: leaksOfA(asB) }).toEqual({ field: op.field, leaks: [] });
        calls++;
        continue;
      }
      const unknown = await callAs(
        op,
        { ...op.fixed, ...Object.fromEntries(op.idArgs.map((n) => [n, UNKNOWN_ID])) },
        keyB,
      );
      for (const [kind, id] of Object.entries(a.ids)) {
        const asB = await callAs(
          op,
          { ...op.fixed, ...Object.fromEntries(op.idArgs.map((n) => [n, id])) },
          keyB,
        );
        calls++;
        expect({ op: `${op.kind} ${op.field}(${kind})`, answer: normalise(asB, id) }).toEqual({
          op: `${op.kind} ${op.field}(${kind})`,
          answer: normalise(unknown, UNKNOWN_ID),
        });
        // The probed id itself may be echoed ("Job "…" was not found"): B sent it.
        expect(leaksOfA(normalise(asB, id))).toEqual([]);
      }
      console.log(
        `cross-tenant ${op.kind} ${op.field}: B with A's ${Object.keys(a.ids).join('/')} ids = unknown id -> ${JSON.stringify(normalise(unknown, UNKNOWN_ID)).slice(0, 140)}`,
      );
    }
    console.log(
      `cross-tenant: ${ops.length} root fields, ${calls} calls as tenant B, 0 differences, 0 leaks`,
    );

    // Positive control: the same checks see A's data when A asks, so they can fail.
    const asA = await t.gql('{ jobs { edges { node { id filename } } } }', {}, { apiKey: keyA });
    expect(leaksOfA(asA.data)).toContain(a.ids.job);
  }, 120_000);

  test('B’s mutations on A’s ids changed nothing of A’s', async () => {
    const r = await t.gql(
      `query($id: ID!) { job(id: $id) { status transcript { speakers { id label } } } }`,
      { id: a.ids.job },
      { apiKey: keyA },
    );
    expect(r.data.job.status).toBe('COMPLETED');
    const labels = r.data.job.transcript.speakers.map((s: { label: string }) => s.label);
    expect(labels).toContain('Әйгерім (tenant A only)');
    expect(labels).not.toContain('Renamed by tenant B');
    const exp = await fetch(`${t.url}/api/v1/jobs/${a.ids.job}/export/txt`, {
      headers: { authorization: `Bearer ${keyA}` },
    });
    expect(exp.status).toBe(200);
  });

  test('every /api/v1 URL with an id answers B for A’s job exactly as for an unknown id', async () => {
    const router = createApiRouter({} as RouteDeps) as unknown as {
      stack: { route?: { path: string; methods: Record<string, boolean> } }[];
    };
    const paths = router.stack
      .map((l) => l.route?.path)
      .filter((p): p is string => Boolean(p && p.includes(':id')));
    expect(paths.length).toBeGreaterThanOrEqual(2);
    const fill = (p: string, id: string) =>
      `/api/v1${p.replace(':id', encodeURIComponent(id)).replace(':format', 'txt')}`;
    const get = async (url: string, apiKey: string) => {
      const res = await fetch(t.url + url, { headers: { authorization: `Bearer ${apiKey}` } });
      return { status: res.status, body: await res.text() };
    };
    for (const p of paths) {
      const asA = await get(fill(p, a.ids.job), keyA);
      expect(asA.status).toBe(200); // the route really serves A's job to A
      const unknown = await get(fill(p, UNKNOWN_ID), keyB);
      const asB = await get(fill(p, a.ids.job), keyB);
      expect(asB.status).toBe(404);
      expect(normalise(asB, a.ids.job)).toEqual(normalise(unknown, UNKNOWN_ID));
      expect(leaksOfA(asB.body.replace(a.ids.job, ''))).toEqual([]);
      console.log(
        `cross-tenant GET ${p}: A ${asA.status}, B on A's job ${asB.status} = unknown id ${unknown.status}`,
      );
    }
    // B's own signed audio link moved onto A's job is refused like one moved onto an unknown id.
    const link = (
      await t.gql('query($id: ID!) { job(id: $id) { audioUrl } }', { id: jobB }, { apiKey: keyB })
    ).data.job.audioUrl as string;
    const moved = await fetch(t.url + link.replace(jobB, a.ids.job));
    const movedUnknown = await fetch(t.url + link.replace(jobB, UNKNOWN_ID));
    expect(moved.status).toBe(401);
    expect(movedUnknown.status).toBe(401);
  });

  test('subscriptions never deliver another tenant’s events', async () => {
    const up = await t.upload(FIXTURE, null, 'A-live.ogg', { apiKey: keyA });
    const liveA = up.data.uploadAudio.id as string;
    const query =
      'subscription($id: ID!) { jobProgress(id: $id) { jobId status progress job { id filename } } }';
    const spyB = t.subscribe(query, { id: liveA }, { apiKey: keyB });
    const ownA = t.subscribe(query, { id: liveA }, { apiKey: keyA });
    await ownA.done;
    await Promise.race([spyB.done, new Promise((r) => setTimeout(r, 1000))]);
    spyB.close();
    console.log(
      `cross-tenant live: A received ${ownA.events.length} events of its running job; B subscribed to it received ${spyB.events.filter((e) => e.data).length} events, error ${JSON.stringify(spyB.events[0]?.errors?.[0]?.extensions ?? spyB.errors[0])}`,
    );
    expect(ownA.events.length).toBeGreaterThan(1);
    expect(spyB.events.filter((e) => e.data?.jobProgress)).toEqual([]);
    expect(JSON.stringify([spyB.events, spyB.errors])).toMatch(/NOT_FOUND/);
    expect(leaksOfA(spyB.events)).toEqual([]);
  }, 60_000);
});
