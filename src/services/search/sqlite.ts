/**
 * Segment search on SQLite: an FTS5 table (`unicode61` tokenizer, which folds the case of
 * Cyrillic including ә ғ қ ң ө ұ ү һ і) over each segment's folded text (`ё`→`е`, Latin
 * look-alikes → Kazakh letters; see `./text.ts`), with prefix indexes for partial words.
 *
 * Design: FTS5 rows are keyed by `segment_search_keys.key`, an INTEGER PRIMARY KEY (an alias of
 * the rowid, which VACUUM never renumbers) mapped one to one to the segment's own id. The key
 * row also carries the segment's tenant (of its job; it never changes) and language, so a match
 * is filtered by one rowid lookup and only the page's rows are joined to `segments`. Nothing
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
import { sql, type SearchDialect, type SearchRequest, type SearchResult } from './dialect.js';
import { FOLD_FROM, FOLD_TO, type SearchTerm } from './text.js';

/** SQL folding `expr` like {@link foldText} minus the case (the tokenizer folds case). */
function foldSql(expr: string): string {
  return [...FOLD_FROM].reduce((e, c, i) => `replace(${e}, '${c}', '${FOLD_TO[i]}')`, expr);
}

const KEY_OF = (id: string) => `(select key from segment_search_keys where segment_id = ${id})`;

/** The tenant of a transcript's job (a segment never changes tenant). */
const TENANT_OF = (transcriptId: string) =>
  `(select j.tenant_id from transcripts t join jobs j on j.id = t.job_id where t.id = ${transcriptId})`;

/** Statements creating the index, in order; each is idempotent. */
const DDL = [
  `create table if not exists segment_search_keys (
     key integer primary key,
     segment_id text not null unique,
     tenant_id text not null,
     language text
   )`,
  `create virtual table if not exists segment_search using fts5(
     body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
   )`,
  `create trigger if not exists segments_search_insert after insert on segments begin
     insert into segment_search_keys (segment_id, tenant_id, language)
       values (new.id, ${TENANT_OF('new.transcript_id')}, new.language);
     insert into segment_search (rowid, body) values (${KEY_OF('new.id')}, ${foldSql('new.text')});
   end`,
  `create trigger if not exists segments_search_update after update of text on segments
     when old.text is not new.text begin
     update segment_search set body = ${foldSql('new.text')} where rowid = ${KEY_OF('new.id')};
   end`,
  `create trigger if not exists segments_search_language after update of language on segments
     when old.language is not new.language begin
     update segment_search_keys set language = new.language where segment_id = new.id;
   end`,
  `create trigger if not exists segments_search_delete after delete on segments begin
     delete from segment_search where rowid = ${KEY_OF('old.id')};
     delete from segment_search_keys where segment_id = old.id;
   end`,
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
  `insert into segment_search (rowid, body)
     select k.key, ${foldSql('s.text')} from segment_search_keys k join segments s on s.id = k.segment_id
     where k.key not in (select rowid from segment_search)`,
  `delete from segment_search where rowid in (
     select k.key from segment_search_keys k
     where not exists (select 1 from segments s where s.id = k.segment_id))`,
  `delete from segment_search_keys
     where not exists (select 1 from segments s where s.id = segment_search_keys.segment_id)`,
];

/**
 * An FTS5 query for the terms: each term a quoted string (so no character of it is syntax), a
 * prefix query unless it is one character, alternatives OR-ed, terms AND-ed.
 */
export function fts5Query(terms: SearchTerm[]): string {
  return terms
    .map((t) => {
      if (t.whole) return `"${t.word}"`;
      const alts = t.prefixes.map((p) => `"${p.replace(/"/g, '')}"*`);
      return alts.length === 1 ? alts[0] : `(${alts.join(' OR ')})`;
    })
    .join(' AND ');
}

/** The SQLite dialect of segment search. */
export const sqliteSearch: SearchDialect = {
  async ensureIndex(em: EntityManager): Promise<void> {
    for (const statement of [...DDL, ...RECONCILE]) await sql(em, statement, [], 'run');
  },

  async search(em: EntityManager, req: SearchRequest): Promise<SearchResult> {
    const params: unknown[] = [fts5Query(req.query.terms), req.tenantId];
    let language = '';
    if (req.language) {
      language = 'and k.language = ?';
      params.push(req.language);
    }
    let after = '';
    if (req.after) {
      after = 'where rank > ? or (rank = ? and id > ?)';
      params.push(req.after.rank, req.after.rank, req.after.segmentId);
    }
    params.push(req.limit);
    const rows = await sql<SearchResult['rows']>(
      em,
      `with matched as materialized (
         select rowid as key, bm25(segment_search) as rank
         from segment_search where segment_search match ?
       ), hits as (
         select k.segment_id as id, m.rank, count(*) over () as total
         from matched m cross join segment_search_keys k on k.key = m.key
         where k.tenant_id = ? ${language}
       ), page as (select * from hits ${after} order by rank, id limit ?)
       select s.id, s.transcript_id, s."index", s.speaker_id, s.start, s."end", s.text,
              s.language, s.confidence, t.job_id, page.rank, page.total
       from page cross join segments s on s.id = page.id
       cross join transcripts t on t.id = s.transcript_id
       order by page.rank, page.id`,
      params,
    );
    return { rows, totalCount: rows.length ? Number(rows[0].total) : -1, forms: {} };
  },
};
