/**
 * Segment search on PostgreSQL: a side table `segment_search` (one row per segment, deleted with
 * it by its foreign key's cascade) holding the segment's tenant (of its job; it never changes)
 * and language, so that matches are filtered without joins, the folded text (`./text.ts`: case, `ё`→`е`, Latin
 * look-alikes, done by `translate` so it does not depend on the server's locale) and a tsvector:
 * `simple` lexemes for every segment, plus `russian` stems for segments tagged `ru-*`. A GIN
 * index serves full-text and prefix queries, a `pg_trgm` GIN index on the folded text serves
 * partial words (any part of a word of 3 or more letters).
 *
 * Triggers on `segments` keep it in step: after insert, and after update of `text` or
 * `language` when either changed (an update of `index` alone, as after a split, fires nothing).
 * MikroORM's schema update leaves the side table, its functions and the triggers alone (`safe`
 * mode, and `ignoreTriggers`/`ignoreRoutines` in `src/db/orm.ts`).
 */
import type { EntityManager } from '@mikro-orm/core';
import { sql, type SearchDialect, type SearchRequest, type SearchResult } from './dialect.js';
import { CYRILLIC_LOWER, CYRILLIC_UPPER, FOLD_FROM, FOLD_TO, type SearchTerm } from './text.js';

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
     tsv tsvector not null
   )`,
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

  async search(em: EntityManager, req: SearchRequest): Promise<SearchResult> {
    const terms = req.query.terms;
    const query = tsQuery(terms);
    const tq = `(to_tsquery('simple', ?) || to_tsquery('russian', ?))`;
    const params: unknown[] = [query, query, query, query];
    const substrings = terms.every((t) => t.word.length >= MIN_SUBSTRING_CHARS)
      ? terms.map((t) => t.word)
      : [];
    const partial = substrings.length
      ? `or (${substrings.map(() => 'x.folded like ?').join(' and ')})`
      : '';
    params.push(...substrings.map((s) => `%${s}%`), req.tenantId);
    let language = '';
    if (req.language) {
      language = 'and x.language = ?';
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
      `with hits as (
         select x.segment_id as id, cast(-ts_rank(x.tsv, ${tq}, 1) as double precision) as rank,
                count(*) over () as total
         from segment_search x
         where (x.tsv @@ ${tq} ${partial}) and x.tenant_id = ? ${language}
       ), page as (select * from hits ${after} order by rank, id limit ?)
       select s.id, s.transcript_id, s."index", s.speaker_id, s.start, s."end", s.text,
              s.language, s.confidence, t.job_id, page.rank, page.total
       from page join segments s on s.id = page.id join transcripts t on t.id = s.transcript_id
       order by page.rank, page.id`,
      params,
    );
    const stems = await sql<{ stem: string | null }[]>(
      em,
      `select (ts_lexize('russian_stem', w))[1] as stem from unnest(cast(? as text[])) as w`,
      [`{${terms.map((t) => `"${t.word}"`).join(',')}}`],
    );
    return {
      rows: rows.map((r) => ({ ...r, rank: Number(r.rank) })),
      totalCount: rows.length ? Number(rows[0].total) : -1,
      forms: {
        prefixes: stems.map((s) => s.stem).filter((s): s is string => !!s),
        substrings,
      },
    };
  },
};
