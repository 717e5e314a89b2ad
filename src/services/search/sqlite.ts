/**
 * Segment search on SQLite: an FTS5 table (`unicode61` tokenizer, which folds the case of
 * Cyrillic including ә ғ қ ң ө ұ ү һ і) over each segment's folded text (`ё`→`е`, Latin
 * look-alikes → Kazakh letters; see `./text.ts`), with prefix indexes for partial words.
 *
 * Design: FTS5 rows are keyed by `segment_search_keys.key`, an INTEGER PRIMARY KEY (an alias of
 * the rowid, which VACUUM never renumbers) mapped one to one to the segment's own id. The key
 * row carries the segment's tenant (of its job; it never changes) and language, and the FTS row
 * has them as tokens of its `scope` column, so the tenant and language filters are part of the
 * FTS5 query; only the page's rows are joined to `segments`. Nothing
 * depends on the implicit rowid of `segments` (VACUUM may renumber it: its primary key is
 * text), and a rebuild of `segments` by a schema change keeps the mapping valid because the
 * segment id is the key. The FTS5 table keeps its own copy of the folded text, so a row is
 * deleted by rowid alone (an external-content table needs the old values to delete, and goes
 * wrong silently when they differ).
 *
 * Triggers on `segments` keep it in step with every writer: after insert, after update of
 * `text` (not of `index`: renumbering after a split rewrites nothing here), after delete —
 * which also fires for rows removed by the foreign-key cascade from `transcripts` (checked by
 * `tests/integration/search-index.test.ts`). `INSERT OR REPLACE` into `segments` would bypass
 * the delete trigger (unless `recursive_triggers` is on); no writer uses it.
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
import { FOLD_FROM, FOLD_TO, type SearchTerm } from './text.js';

/** SQL folding `expr` like {@link foldText} minus the case (the tokenizer folds case). */
function foldSql(expr: string): string {
  return [...FOLD_FROM].reduce((e, c, i) => `replace(${e}, '${c}', '${FOLD_TO[i]}')`, expr);
}

const KEY_OF = (id: string) => `(select key from segment_search_keys where segment_id = ${id})`;

/** The tenant of a transcript's job (a segment never changes tenant). */
const TENANT_OF = (transcriptId: string) =>
  `(select j.tenant_id from transcripts t join jobs j on j.id = t.job_id where t.id = ${transcriptId})`;

/**
 * The `scope` column of a segment's FTS row: tokens for its tenant (`t` + hex of the id, so any
 * id is one token) and language (`l` + hex of the tag), so the tenant and language filters are
 * intersected inside FTS5 with the words (no per-match lookup; FTS5 skips other tenants' rows).
 */
const SCOPE = (tenant: string, language: string) =>
  `'t' || hex(${tenant}) || ' l' || hex(coalesce(${language}, ''))`;

/** The scope token of a tenant or language as the query spells it (hex as SQLite's `hex`). */
const scopeToken = (prefix: 't' | 'l', value: string) =>
  `${prefix}${Buffer.from(value, 'utf8').toString('hex').toUpperCase()}`;

/** Statements creating the index, in order; each is idempotent. */
const DDL = [
  `create table if not exists segment_search_keys (
     key integer primary key,
     segment_id text not null unique,
     tenant_id text not null,
     language text
   )`,
  `create virtual table if not exists segment_search using fts5(
     body, scope, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
   )`,
  `create trigger if not exists segments_search_insert after insert on segments begin
     insert into segment_search_keys (segment_id, tenant_id, language)
       values (new.id, ${TENANT_OF('new.transcript_id')}, new.language);
     insert into segment_search (rowid, body, scope)
       select key, ${foldSql('new.text')}, ${SCOPE('tenant_id', 'language')}
       from segment_search_keys where segment_id = new.id;
   end`,
  `create trigger if not exists segments_search_update after update of text on segments
     when old.text is not new.text begin
     update segment_search set body = ${foldSql('new.text')} where rowid = ${KEY_OF('new.id')};
   end`,
  `create trigger if not exists segments_search_language after update of language on segments
     when old.language is not new.language begin
     update segment_search_keys set language = new.language where segment_id = new.id;
     update segment_search set scope = (select ${SCOPE('tenant_id', 'language')}
       from segment_search_keys where segment_id = new.id) where rowid = ${KEY_OF('new.id')};
   end`,
  `create trigger if not exists segments_search_delete after delete on segments begin
     delete from segment_search where rowid = ${KEY_OF('old.id')};
     delete from segment_search_keys where segment_id = old.id;
   end`,
];

/**
 * Statements replacing an FTS table of the first layout (no `scope` column) and the triggers
 * writing it; the reconcile then refills it from `segments`.
 */
const UPGRADE = [
  'drop trigger if exists segments_search_insert',
  'drop trigger if exists segments_search_language',
  'drop table if exists segment_search',
];

/**
 * Statements bringing the index in line with `segments` (rows written before the triggers
 * existed; keys left behind): single statements, each atomic, so two processes running them at
 * once insert nothing twice.
 */
const RECONCILE = [
  `insert into segment_search_keys (segment_id, tenant_id, language)
     select s.id, j.tenant_id, s.language
     from segments s join transcripts t on t.id = s.transcript_id join jobs j on j.id = t.job_id
     where not exists (select 1 from segment_search_keys k where k.segment_id = s.id)`,
  `insert into segment_search (rowid, body, scope)
     select k.key, ${foldSql('s.text')}, ${SCOPE('k.tenant_id', 'k.language')}
     from segment_search_keys k join segments s on s.id = k.segment_id
     where k.key not in (select rowid from segment_search)`,
  `delete from segment_search where rowid in (
     select k.key from segment_search_keys k
     where not exists (select 1 from segments s where s.id = k.segment_id))`,
  `delete from segment_search_keys
     where not exists (select 1 from segments s where s.id = segment_search_keys.segment_id)`,
];

/**
 * An FTS5 query for the terms: each term a quoted string (so no character of it is syntax), a
 * prefix query unless it is one character, alternatives OR-ed, terms AND-ed, all in the `body`
 * column.
 */
export function fts5Query(terms: SearchTerm[]): string {
  const body = terms
    .map((t) => {
      if (t.whole) return `"${t.word}"`;
      const alts = t.prefixes.map((p) => `"${p.replace(/"/g, '')}"*`);
      return alts.length === 1 ? alts[0] : `(${alts.join(' OR ')})`;
    })
    .join(' AND ');
  return `body : (${body})`;
}

/** The FTS5 query of a match request: the tenant's (and language's) scope token and the words. */
function matchOf(req: MatchRequest): string {
  const scope = [scopeToken('t', req.tenantId)];
  if (req.language) scope.push(scopeToken('l', req.language));
  return `scope : (${scope.map((s) => `"${s}"`).join(' AND ')}) AND ${fts5Query(req.query.terms)}`;
}

/** The SQLite dialect of segment search. */
export const sqliteSearch: SearchDialect = {
  async ensureIndex(em: EntityManager): Promise<void> {
    const [old] = await sql<{ sql: string }[]>(
      em,
      `select sql from sqlite_master where name = 'segment_search' and sql not like '%scope%'`,
    );
    const upgrade = old ? UPGRADE : [];
    for (const statement of [...upgrade, ...DDL, ...RECONCILE]) await sql(em, statement, [], 'run');
  },

  async count(em: EntityManager, req: MatchRequest, cap: number): Promise<MatchCount> {
    const rows = await sql<{ key: number; body: string }[]>(
      em,
      `select rowid as key, body from segment_search where segment_search match ?
       order by rowid desc limit ?`,
      [matchOf(req), cap + 1],
    );
    const newest = rows.map((r) => ({ key: Number(r.key), body: String(r.body) }));
    // FTS5 walks matches in key order whatever their density: no other plan to choose.
    return { n: newest.length, dense: newest.length > cap, newest };
  },

  async window(em: EntityManager, req: WindowRequest): Promise<Candidate[]> {
    const params: unknown[] = [matchOf(req)];
    let bounds = '';
    if (req.minKey !== null) {
      bounds += ' and rowid >= ?';
      params.push(req.minKey);
    }
    if (req.maxKey !== null) {
      bounds += ' and rowid <= ?';
      params.push(req.maxKey);
    }
    params.push(req.limit);
    const rows = await sql<{ key: number; body: string }[]>(
      em,
      `select rowid as key, body from segment_search where segment_search match ? ${bounds}
       order by rowid desc limit ?`,
      params,
    );
    return rows.map((r) => ({ key: Number(r.key), body: String(r.body) }));
  },

  async rows(em: EntityManager, tenantId: string, keys: number[]): Promise<SearchRow[]> {
    if (keys.length === 0) return [];
    return sql<SearchRow[]>(
      em,
      `select k.key, s.id, s.transcript_id, s."index", s.speaker_id, s.start, s."end", s.text,
              s.language, s.confidence, s.version, s.edited, t.job_id
       from segment_search_keys k cross join segments s on s.id = k.segment_id
       cross join transcripts t on t.id = s.transcript_id
       where k.key in (${keys.map(() => '?').join(', ')}) and k.tenant_id = ?`,
      [...keys, tenantId],
    );
  },

  async forms(): Promise<MatchForms> {
    return {};
  },
};
