/**
 * The transcript workbench at real size (issue 12): on a 4-hour call (~2,800 segments) served by
 * the api process as deployed, the round-trip time of `editSegment` (HTTP request to response,
 * the whole revision committed: version check, words retimed, positions, speaker totals and
 * `Transcript.text` recomputed, revision stored), of split, merge, a replace over the whole
 * transcript and a revert; and the co-editing delivery time: from sending an edit to another
 * client holding its `transcriptChanged` event over graphql-ws.
 *
 * Redis: `BENCH_REDIS_URL` (default db 13 on 6379, like the other suites).
 */
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { loadConfig } from '../../src/config/config.js';
import { initOrm } from '../../src/db/orm.js';
import { seedCompletedJob, type SeededJob } from '../../tests/helpers/long-transcript.js';
import { createCluster, flushRedisDb } from '../../tests/helpers/processes.js';
import { percentile, summarize, type Row } from '../lib/stats.js';

const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';

const SEGMENTS = `query($id: ID!) { job(id: $id) { transcript { id version segments { id index start end text version } } } }`;
const EDIT = `mutation($id: ID!, $text: String!, $v: Int) { editSegment(id: $id, text: $text, expectedVersion: $v) { id version text words { text start end } } }`;
const SPLIT = `mutation($id: ID!, $at: Float!) { splitSegment(id: $id, at: $at) { id index } }`;
const MERGE = `mutation($ids: [ID!]!) { mergeSegments(ids: $ids) { id index } }`;
const REPLACE = `mutation($t: ID!, $f: String!, $r: String!) { replaceInTranscript(transcriptId: $t, find: $f, replace: $r) { replacements transcript { version } } }`;
const REVERT = `mutation($t: ID!, $to: Int!) { revertTranscript(transcriptId: $t, toRevision: $to) { version } }`;
const CHANGED = `subscription($id: ID!) { transcriptChanged(id: $id) { version revision { number kind } segments { id text version } } }`;

/** Options of {@link runWorkbench}. */
export interface WorkbenchOptions {
  /** Recording length in seconds (4 h = 14,400). */
  seconds: number;
  /** Timed edits (and co-editing deliveries). */
  edits: number;
}

interface Segment {
  id: string;
  index: number;
  start: number;
  end: number;
  text: string;
  version: number;
}

/** Runs the suite and returns its report rows. */
export async function runWorkbench(opts: WorkbenchOptions): Promise<Row[]> {
  await flushRedisDb(BENCH_REDIS_URL);
  const cluster = await createCluster({
    redisUrl: BENCH_REDIS_URL,
    env: { NODE_ENV: 'production' },
  });
  try {
    const job = await seed(cluster.dataDir, opts.seconds);
    const api = await cluster.startApi();
    const base = `http://127.0.0.1:${api.port}`;
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const started = performance.now();
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 300));
      return { data: body.data, ms: performance.now() - started, at: performance.now() };
    };
    const read = async () => (await gql(SEGMENTS, { id: job.jobId })).data.job.transcript;
    const transcript = await read();
    const segments = transcript.segments as Segment[];
    const size = `${opts.seconds / 3600} h (${segments.length} segments)`;

    // Warm-up, then edits spread over the whole transcript.
    await gql(EDIT, { id: segments[1].id, text: `${segments[1].text} жылы` });
    const edit: number[] = [];
    for (let i = 0; i < opts.edits; i++) {
      const s = segments[Math.floor(((i + 0.5) / opts.edits) * segments.length)];
      edit.push((await gql(EDIT, { id: s.id, text: `${s.text} түзету`, v: s.version })).ms);
    }
    const structural = await structuralChanges(gql, read, transcript.id);
    const delivery = await coEditing(base, gql, await read(), opts.edits);

    const rows: Row[] = [
      timingRow(`editSegment round trip, ${size}`, edit, 300),
      timingRow(`splitSegment round trip, ${size}`, structural.split),
      timingRow(`mergeSegments round trip, ${size}`, structural.merge),
      timingRow(
        `replaceInTranscript over the whole transcript (${structural.replacements} replacements), ${size}`,
        structural.replace,
      ),
      timingRow(`revertTranscript (undo of that replace), ${size}`, structural.revert),
      timingRow(
        `co-editing delivery: edit sent → other client has transcriptChanged, ${size}`,
        delivery.fromSend,
        1000,
      ),
      timingRow(`co-editing delivery after the editor's response`, delivery.fromResponse),
    ];
    return rows;
  } finally {
    await cluster.close();
  }
}

async function seed(dataDir: string, seconds: number): Promise<SeededJob> {
  const orm = await initOrm(loadConfig({ DATA_DIR: dataDir }));
  try {
    return await seedCompletedJob(orm.em.fork(), seconds);
  } finally {
    await orm.close();
  }
}

type Gql = (
  query: string,
  variables: Record<string, unknown>,
) => Promise<{ data: any; ms: number; at: number }>;

/** Split then merge back at 10 places; one replace over everything and its undo, 3 times. */
async function structuralChanges(gql: Gql, read: () => Promise<any>, transcriptId: string) {
  const split: number[] = [];
  const merge: number[] = [];
  const replace: number[] = [];
  const revert: number[] = [];
  let replacements = 0;
  const segments = (await read()).segments as Segment[];
  for (let i = 0; i < 10; i++) {
    const s = segments[Math.floor(((i + 0.5) / 10) * segments.length)];
    const cut = await gql(SPLIT, { id: s.id, at: (s.start + s.end) / 2 });
    split.push(cut.ms);
    const halves = cut.data.splitSegment as { id: string }[];
    merge.push((await gql(MERGE, { ids: halves.map((h) => h.id) })).ms);
  }
  for (let i = 0; i < 3; i++) {
    const r = await gql(REPLACE, { t: transcriptId, f: 'интернет', r: 'Интернет' });
    replace.push(r.ms);
    replacements = r.data.replaceInTranscript.replacements;
    const version = r.data.replaceInTranscript.transcript.version as number;
    revert.push((await gql(REVERT, { t: transcriptId, to: version - 1 })).ms);
  }
  return { split, merge, replace, revert, replacements };
}

/** An editor edits over HTTP while another client follows transcriptChanged over graphql-ws. */
async function coEditing(base: string, gql: Gql, transcript: any, edits: number) {
  const arrivals = new Map<number, number>();
  const client = createClient({
    url: `${base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  const stop = client.subscribe(
    { query: CHANGED, variables: { id: transcript.id } },
    {
      next: (v: any) => arrivals.set(v.data.transcriptChanged.version, performance.now()),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  const segments = transcript.segments as Segment[];
  const fromSend: number[] = [];
  const fromResponse: number[] = [];
  try {
    // Live once an edit arrives.
    for (let i = 0; arrivals.size === 0; i++) {
      if (i > 100) throw new Error('transcriptChanged never delivered');
      await gql(EDIT, { id: segments[0].id, text: `${segments[0].text} ${i}` });
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < edits; i++) {
      const s = segments[Math.floor(((i + 0.25) / edits) * segments.length)];
      const sent = performance.now();
      const r = await gql(EDIT, { id: s.id, text: `${s.text} екінші` });
      const version = r.data.editSegment.version as number;
      const deadline = Date.now() + 5000;
      while (!arrivals.has(version)) {
        if (Date.now() > deadline) throw new Error(`version ${version} never delivered`);
        await new Promise((res) => setTimeout(res, 1));
      }
      fromSend.push(arrivals.get(version)! - sent);
      fromResponse.push(arrivals.get(version)! - r.at);
    }
  } finally {
    stop();
    await client.dispose();
  }
  return { fromSend, fromResponse };
}

/** p50 and p95 (and the range) of `samples` in ms, judged by p95 ≤ `maxP95` when given. */
function timingRow(measure: string, samples: number[], maxP95?: number): Row {
  const s = summarize(samples);
  const p95 = percentile(samples, 95);
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return {
    suite: 'workbench',
    measure,
    value: `p50 ${f(s.p50)} ms, p95 ${f(p95)} ms (${f(s.min)}–${f(s.max)}, n=${s.n})`,
    target: maxP95 === undefined ? undefined : `p95 ≤ ${maxP95} ms`,
    pass: maxP95 === undefined ? undefined : p95 <= maxP95,
  };
}
