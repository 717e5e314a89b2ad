/**
 * Search at the size: 1,000 transcripts × 100 segments of mixed Kazakh/Russian text
 * (`../lib/kazru-text.ts`, deterministic) for the searched tenant, plus 250 transcripts of another
 * tenant, on SQLite and on PostgreSQL. Segments go in through the pipeline's write path, so the
 * search triggers run on every insert. For a set of queries (common and rare whole words,
 * prefixes, two words, capitals, a word with no hit, the second page of a common word) the latency of `searchTranscripts` (first
 * page of 20, with snippets; in-process, no HTTP) is measured: p50 and p95 over all runs; a
 * capped count shows as e.g. `10000+`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import type { Config } from '../../src/config/config.js';
import { initOrm } from '../../src/db/orm.js';
import { searchTranscripts } from '../../src/services/search/index.js';
import { createThrowawayDatabase } from '../../tests/helpers/postgres.js';
import { seedTranscript } from '../../tests/helpers/search-seed.js';
import { seededRandom, segmentText } from '../lib/kazru-text.js';
import { percentile, timed, type Row } from '../lib/stats.js';

/** Options of {@link runSearch}. */
export interface SearchBenchOptions {
  /** Transcripts of the searched tenant (each of `segments` segments). */
  transcripts: number;
  segments: number;
  /** Timed runs of each query (after one warm-up). */
  runs: number;
}

/** The queries, by kind. */
const QUERIES: { kind: string; query: string; page2?: boolean }[] = [
  { kind: 'common word', query: 'және' },
  { kind: 'common word', query: 'договор' },
  { kind: 'common word', query: 'интернет' },
  { kind: 'prefix', query: 'келісім' },
  { kind: 'prefix', query: 'алмат' },
  { kind: 'prefix', query: 'абон' },
  { kind: 'prefix (2 letters)', query: 'ке' },
  { kind: 'rare word', query: 'жетісу' },
  { kind: 'rare word', query: 'баянауыл' },
  { kind: 'rare word', query: 'спецпредложение' },
  { kind: 'two words', query: 'төлем шот' },
  { kind: 'two words', query: 'звонок оператора' },
  { kind: 'capitals', query: 'ҚАЗАҚСТАН' },
  { kind: 'no hit', query: 'жоқсөзбен' },
  { kind: 'page 2 (common word)', query: 'және', page2: true },
  { kind: 'page 2 (common word)', query: 'интернет', page2: true },
];

const TENANT = 'bench-search';
const OTHER_TENANT = 'bench-search-other';

async function seed(orm: MikroORM, opts: SearchBenchOptions): Promise<number> {
  const rnd = seededRandom(12);
  const perTranscript: number[] = [];
  const total = opts.transcripts + Math.round(opts.transcripts / 4);
  for (let i = 0; i < total; i++) {
    const segments = Array.from({ length: opts.segments }, () => {
      const language = rnd() < 0.55 ? 'kk-KZ' : 'ru-RU';
      return { text: segmentText(rnd, language), language };
    });
    const { ms } = await timed(() =>
      seedTranscript(orm.em.fork(), segments, {
        tenantId: i < opts.transcripts ? TENANT : OTHER_TENANT,
        words: false,
      }),
    );
    perTranscript.push(ms);
  }
  return percentile(perTranscript, 50);
}

async function measure(
  kind: string,
  orm: MikroORM,
  opts: SearchBenchOptions,
  seedMs: number,
): Promise<Row[]> {
  const all: number[] = [];
  const byKind = new Map<string, { ms: number[]; hits: string[] }>();
  for (const q of QUERIES) {
    const first = await searchTranscripts(orm.em.fork(), TENANT, { query: q.query, first: 20 });
    const after = q.page2 ? (first.hits.at(-1)?.cursor ?? null) : null;
    const run = () =>
      searchTranscripts(orm.em.fork(), TENANT, { query: q.query, first: 20, after });
    await run();
    const entry = byKind.get(q.kind) ?? { ms: [], hits: [] };
    for (let i = 0; i < opts.runs; i++) {
      const { ms, value } = await timed(run);
      entry.ms.push(ms);
      all.push(ms);
      if (i === 0) entry.hits.push(`${value.totalCount}${value.totalCountCapped ? '+' : ''}`);
    }
    byKind.set(q.kind, entry);
  }
  const size = `${opts.transcripts} × ${opts.segments} segments`;
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  // The targets: p95 ≤ 100 ms on SQLite, ≤ 150 ms on PostgreSQL, for every kind.
  const limit = kind === 'sqlite' ? 100 : 150;
  const rows: Row[] = [...byKind].map(([k, e]) => {
    const p95 = percentile(e.ms, 95);
    return {
      suite: 'search',
      measure: `${kind}: ${k} (hits ${e.hits.join(', ')})`,
      value: `p50 ${f(percentile(e.ms, 50))} ms, p95 ${f(p95)} ms`,
      target: `p95 ≤ ${limit} ms`,
      pass: p95 <= limit,
    };
  });
  const p95 = percentile(all, 95);
  rows.push({
    suite: 'search',
    measure: `${kind}: all queries, ${size}`,
    value: `p50 ${f(percentile(all, 50))} ms, p95 ${f(p95)} ms`,
    target: `p95 ≤ ${limit} ms`,
    pass: p95 <= limit,
  });
  rows.push({
    suite: 'search',
    measure: `${kind}: write ${opts.segments} segments with the index triggers`,
    value: `p50 ${f(seedMs)} ms per transcript`,
  });
  return rows;
}

async function onDatabase(
  kind: string,
  database: Config['database'],
  opts: SearchBenchOptions,
): Promise<Row[]> {
  const orm = await initOrm({ database });
  try {
    process.stderr.write(`bench: search on ${kind}: seeding…\n`);
    const seedMs = await seed(orm, opts);
    if (kind === 'postgresql') await orm.em.fork().getConnection().execute('analyze');
    return await measure(kind, orm, opts, seedMs);
  } finally {
    await orm.close(true);
  }
}

/** Runs the suite on SQLite, then on PostgreSQL when a server answers; returns report rows. */
export async function runSearch(opts: SearchBenchOptions): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-bench-search-'));
  const rows: Row[] = [];
  try {
    const file = path.join(dir, 'search.sqlite');
    rows.push(...(await onDatabase('sqlite', { kind: 'sqlite', file }, opts)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const pg = await createThrowawayDatabase();
  if (!pg) return rows;
  try {
    rows.push(...(await onDatabase('postgresql', { kind: 'postgresql', url: pg.url }, opts)));
  } finally {
    await pg.drop();
  }
  return rows;
}
