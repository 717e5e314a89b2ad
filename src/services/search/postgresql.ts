/**
 * Segment search on PostgreSQL: a side table `segment_search` (one row per segment, deleted with
 * it by its foreign key's cascade) holding the segment's tenant (of its job; it never changes)
 * and language, so that matches are filtered without joins, the folded text (`./text.ts`: case, `ё`→`е`, Latin
 * look-alikes, done by `translate` so it does not depend on the server's locale) and a tsvector:
 * `simple` lexemes for every segment, plus `russian` stems for segments tagged `ru-*`. A GIN
 * index serves full-text and prefix queries, a `pg_trgm` GIN index on the folded text serves
 * partial words (any part of a word of 3 or more letters), and a btree on (tenant, key) — `key`
 * grows with every indexed segment — lets a search with many matches read only the tenant's
 * newest ones.
 *
 * Triggers on `segments` keep it in step: after insert, and after update of `text` or
 * `language` when either changed (an update of `index` alone, as after a split, fires nothing).
 * The migrations (`src/db/migrations`) never touch the side table, its functions or the
 * triggers: the schema snapshot skips them (`skipTables`, `ignoreTriggers`/`ignoreRoutines` in
 * `src/db/orm.ts`).
 */
import type { EntityManager } from '@mikro-orm/core';
import {
  sql,
  type Candidate,
  type MatchCount,
  type MatchRequest,
  type SearchDialect,
  type SearchRow,
  type WindowRequest,
} from './dialect.js';
import type { MatchForms } from './snippet.js';
import {
  CYRILLIC_LOWER,
  CYRILLIC_UPPER,
  FOLD_FROM,
  FOLD_TO,
  type ParsedQuery,
  type SearchTerm,
} from './text.js';

/** Shortest term matched as a part of a word through pg_trgm (trigrams need 3 letters). */
const MIN_SUBSTRING_CHARS = 3;

/** Advisory lock key serialising {@link postgresqlSearch.ensureIndex} across processes. */
const DDL_LOCK = 7_212_012;

const TRIGGERS: Record<string, string> = {
  segments_search_insert: `create trigger segments_search_insert after insert on segments
     for each row execute function kazru_segment_search_sync()`,
  segments_search_update: `create trigger segments_search_update after update of text, language
     on segments for each row
     when (old.text is distinct from new.text or old.language is distinct from new.language)
     execute function kazru_segment_search_sync()`,
};

const DDL = [
  `create extension if not exists pg_trgm`,
  `create or replace function kazru_search_fold(t text) returns text
     language sql immutable parallel safe
     as $f$ select lower(translate(t, '${FOLD_FROM}${CYRILLIC_UPPER}', '${FOLD_TO}${CYRILLIC_LOWER}')) $f$`,
  `create or replace function kazru_search_tsv(folded text, language text) returns tsvector
     language sql immutable parallel safe
     as $f$ select to_tsvector('simple'::regconfig, folded) ||
       case when language like 'ru%' then to_tsvector('russian'::regconfig, folded)
            else ''::tsvector end $f$`,
  `create table if not exists segment_search (
     segment_id varchar(36) primary key references segments (id) on delete cascade,
     tenant_id varchar(255) not null,
     language varchar(16),
     folded text not null,
     tsv tsvector not null,
     key bigint generated always as identity
   )`,
  `alter table segment_search add column if not exists key bigint generated always as identity`,
  `create index if not exists segment_search_tenant_key_idx on segment_search (tenant_id, key)`,
  `create index if not exists segment_search_tsv_idx on segment_search using gin (tsv)`,
  `create index if not exists segment_search_trgm_idx on segment_search
     using gin (folded gin_trgm_ops)`,
  `create or replace function kazru_segment_search_sync() returns trigger language plpgsql
     as $f$ begin
       insert into segment_search (segment_id, tenant_id, language, folded, tsv)
       values (new.id,
               (select j.tenant_id from transcripts t join jobs j on j.id = t.job_id
                where t.id = new.transcript_id),
               new.language, kazru_search_fold(new.text),
               kazru_search_tsv(kazru_search_fold(new.text), new.language))
       on conflict (segment_id) do update
         set language = excluded.language, folded = excluded.folded, tsv = excluded.tsv;
       return null;
     end $f$`,
];

/** Indexes segments that have no search row (written before the triggers existed). */
const RECONCILE = `insert into segment_search (segment_id, tenant_id, language, folded, tsv)
  select s.id, j.tenant_id, s.language, kazru_search_fold(s.text),
         kazru_search_tsv(kazru_search_fold(s.text), s.language)
  from segments s join transcripts t on t.id = s.transcript_id join jobs j on j.id = t.job_id
  where not exists (select 1 from segment_search x where x.segment_id = s.id)`;

/**
 * A to_tsquery text for the terms: each lexeme single-quoted (terms are letters and digits
 * only, so nothing in them is syntax), prefix-matched unless one character, alternatives OR-ed,
 * terms AND-ed.
 */
export function tsQuery(terms: SearchTerm[]): string {
  return terms
    .map((t) => {
      if (t.whole) return `'${t.word}'`;
      const alts = t.prefixes.map((p) => `'${p.replace(/'/g, '')}':*`);
      return alts.length === 1 ? alts[0] : `(${alts.join(' | ')})`;
    })
    .join(' & ');
}

/** Terms matched inside words through pg_trgm: all of them when each has 3+ letters, else none. */
function substringsOf(terms: SearchTerm[]): string[] {
  return terms.every((t) => t.word.length >= MIN_SUBSTRING_CHARS) ? terms.map((t) => t.word) : [];
}

/**
 * The filter of a match request on `segment_search x`: tenant, language, and the tsquery
 * (`simple` and `russian`) or, for terms of 3+ letters, every term inside the folded text.
 */
function matchOf(req: MatchRequest): {
  where: string;
  params: unknown[];
  scope: string;
  scopeParams: unknown[];
  words: string;
  wordParams: unknown[];
} {
  const query = tsQuery(req.query.terms);
  const tq = `(to_tsquery('simple', ?) || to_tsquery('russian', ?))`;
  const substrings = substringsOf(req.query.terms);
  const partial = substrings.length
    ? `or (${substrings.map(() => 'x.folded like ?').join(' and ')})`
    : '';
  const scopeParams: unknown[] = [req.tenantId];
  let scope = 'x.tenant_id = ?';
  if (req.language) {
    scope += ' and x.language = ?';
    scopeParams.push(req.language);
  }
  const words = `(x.tsv @@ ${tq} ${partial})`;
  const wordParams = [query, query, ...substrings.map((s) => `%${s}%`)];
  return {
    where: `${scope} and ${words}`,
    params: [...scopeParams, ...wordParams],
    scope,
    scopeParams,
    words,
    wordParams,
  };
}

/** Newest tenant rows a dense window walks before it falls back to the GIN indexes. */
const DENSE_SCAN_ROWS = 10_000;

/** Newest tenant rows probed for the density of matches (dense: 10 % of them match). */
const DENSE_PROBE_ROWS = 2_000;

/** The PostgreSQL dialect of segment search. */
export const postgresqlSearch: SearchDialect = {
  async ensureIndex(em: EntityManager): Promise<void> {
    await em.transactional(async (tx) => {
      await sql(tx, `select pg_advisory_xact_lock(${DDL_LOCK})`);
      for (const statement of DDL) await sql(tx, statement, [], 'run');
      const present = await sql<{ tgname: string }[]>(
        tx,
        `select tgname from pg_trigger where tgrelid = 'segments'::regclass and not tgisinternal`,
      );
      const have = new Set(present.map((r) => r.tgname));
      for (const [name, ddl] of Object.entries(TRIGGERS)) {
        if (!have.has(name)) await sql(tx, ddl, [], 'run');
      }
      await sql(tx, RECONCILE, [], 'run');
    });
  },

  async count(em: EntityManager, req: MatchRequest, cap: number): Promise<MatchCount> {
    const m = matchOf(req);
    type Row = { key: string; folded: string };
    const toCandidates = (rows: Row[]) => rows.map((r) => ({ key: Number(r.key), body: r.folded }));
    // Probe the tenant's newest rows: at 10 % or more matches, walking the (tenant, key) index
    // (lazily, stopping at cap + 1) is cheap; sparse matches come from the GIN indexes instead
    // (`key + 0` keeps the planner off the key index and off a sequential scan that would stop
    // only after cap + 1 sparse matches: 113 ms for two words).
    const [probe] = await sql<{ n: number }[]>(
      em,
      `select count(*) as n from (select folded, tsv from segment_search x where ${m.scope}
         order by x.key desc limit ?) x where ${m.words}`,
      [...m.scopeParams, DENSE_PROBE_ROWS, ...m.wordParams],
    );
    if (Number(probe.n) * 10 >= DENSE_PROBE_ROWS) {
      const rows = await sql<Row[]>(
        em,
        `select x.key, x.folded from (
           select key, folded, tsv from segment_search x where ${m.scope}
           order by x.key desc limit ?) x
         where ${m.words} order by x.key desc limit ?`,
        [...m.scopeParams, DENSE_SCAN_ROWS, ...m.wordParams, cap + 1],
      );
      if (rows.length > cap) return { n: rows.length, dense: true, newest: toCandidates(rows) };
    }
    const rows = await sql<Row[]>(
      em,
      `select x.key, x.folded from segment_search x where ${m.where}
       order by x.key + 0 desc limit ?`,
      [...m.params, cap + 1],
    );
    return { n: rows.length, dense: false, newest: toCandidates(rows) };
  },

  async window(em: EntityManager, req: WindowRequest): Promise<Candidate[]> {
    const m = matchOf(req);
    let bounds = '';
    const boundParams: unknown[] = [];
    if (req.minKey !== null) {
      bounds += ' and x.key >= ?';
      boundParams.push(req.minKey);
    }
    if (req.maxKey !== null) {
      bounds += ' and x.key <= ?';
      boundParams.push(req.maxKey);
    }
    type Row = { key: string; folded: string };
    const toCandidates = (rows: Row[]) => rows.map((r) => ({ key: Number(r.key), body: r.folded }));
    if (req.dense) {
      // Many matches: walk the tenant's newest rows on the (tenant_id, key) index, stopping at
      // `limit` matches or after DENSE_SCAN_ROWS rows (the executor pulls rows lazily). When
      // `limit` matches were found they are exactly the newest ones; else fall back below.
      const rows = await sql<Row[]>(
        em,
        `select x.key, x.folded from (
           select key, folded, tsv from segment_search x where ${m.scope} ${bounds}
           order by x.key desc limit ?) x
         where ${m.words} order by x.key desc limit ?`,
        [...m.scopeParams, ...boundParams, DENSE_SCAN_ROWS, ...m.wordParams, req.limit],
      );
      if (rows.length >= req.limit) return toCandidates(rows);
    }
    // `key + 0` keeps the planner off the key index: the matches come from the GIN indexes and
    // are top-N sorted (walking the key index for sparse matches reads most of the tenant's
    // rows: 154 ms for two words at 1,000 × 100 segments).
    const rows = await sql<Row[]>(
      em,
      `select x.key, x.folded from segment_search x where ${m.where} ${bounds}
       order by x.key + 0 desc limit ?`,
      [...m.params, ...boundParams, req.limit],
    );
    return toCandidates(rows);
  },

  async rows(em: EntityManager, tenantId: string, keys: number[]): Promise<SearchRow[]> {
    if (keys.length === 0) return [];
    const rows = await sql<SearchRow[]>(
      em,
      `select x.key, s.id, s.transcript_id, s."index", s.speaker_id, s.start, s."end", s.text,
              s.language, s.confidence, s.version, s.edited, t.job_id
       from segment_search x join segments s on s.id = x.segment_id
       join transcripts t on t.id = s.transcript_id
       where x.tenant_id = ? and x.key in (${keys.map(() => '?').join(', ')})`,
      [tenantId, ...keys],
    );
    return rows.map((r) => ({ ...r, key: Number(r.key) }));
  },

  async forms(em: EntityManager, query: ParsedQuery): Promise<MatchForms> {
    const terms = query.terms;
    const stems = await sql<{ stem: string | null }[]>(
      em,
      `select (ts_lexize('russian_stem', w))[1] as stem from unnest(cast(? as text[])) as w`,
      [`{${terms.map((t) => `"${t.word}"`).join(',')}}`],
    );
    return {
      prefixes: stems.map((s) => s.stem).filter((s): s is string => !!s),
      substrings: substringsOf(terms),
    };
  },
};
