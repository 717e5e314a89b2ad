/**
 * Full-text search across every transcript a tenant may see: validates what a person typed,
 * runs the database dialect's ranked query (`./registry.ts`), pages by cursor and builds
 * snippets. Every query is filtered by the job's tenant in SQL.
 */
import type { EntityManager } from '@mikro-orm/core';
import { SUPPORTED_LANGUAGES } from '../../domain.js';
import { BadInputError } from '../../errors.js';
import { toSegment, type SegmentRow } from '../transcript-reader.js';
import { MAX_PAGE_SIZE } from '../job.service.js';
import type { MatchCount, MatchRequest, SearchDialect, SearchRow } from './dialect.js';
import { isAfter, rankWindow, type Scored } from './rank.js';
import { searchDialectOf } from './registry.js';
import { buildSnippet, type MatchForms } from './snippet.js';
import { parseQuery, type ParsedQuery } from './text.js';

export { ensureSearchIndex } from './registry.js';

/** Hits per page when `first` is not given. */
export const DEFAULT_SEARCH_PAGE = 20;

/** What `searchTranscripts` is asked. */
export interface SearchArgs {
  /** Words typed by a person (any case; no query syntax). */
  query: string;
  /** Only segments tagged with this BCP-47 language (e.g. `kk-KZ`, `ru-RU`). */
  language?: string | null;
  /** Page size, 1..100 (default 20). */
  first?: number | null;
  /** An `endCursor` of a previous page of the same search. */
  after?: string | null;
}

/** One hit: the segment (times in seconds), its job's id, a marked snippet and its cursor. */
export interface SearchHitRow {
  jobId: string;
  segment: SegmentRow;
  /** Plain text around the match, matched words between « and ». */
  snippet: string;
  cursor: string;
}

/** A page of hits, best first. */
export interface SearchPage {
  hits: SearchHitRow[];
  /** Hits of the whole search (all pages), exact up to the count cap (see `totalCountCapped`). */
  totalCount: number;
  /** True when the search has more hits than `totalCount` (which is then the count cap). */
  totalCountCapped: boolean;
  hasNextPage: boolean;
}

/** Most hits counted exactly; beyond it `totalCount` is the cap and `totalCountCapped` true. */
export const COUNT_CAP = 1_000;

/** Matches ranked together: the newest this many, then the next this many, and so on. */
export const RANK_WINDOW = 1_000;

/** Limits of one search (tests use small ones to cross windows and the cap with few rows). */
export interface SearchLimits {
  countCap: number;
  rankWindow: number;
}

/** Where a page starts: the window (index keys) and the last hit's score and key in it. */
interface Position {
  hi: number;
  lo: number;
  score: number;
  key: number;
}

const cursorKey = (q: ParsedQuery, language: string | null) => `${q.key}\u0000${language ?? ''}`;

function encodeCursor(key: string, p: Position): string {
  return Buffer.from(JSON.stringify([key, p.hi, p.lo, p.score, p.key])).toString('base64url');
}

function decodeCursor(cursor: string, key: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 5 ||
    !parsed.slice(1).every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new BadInputError(
      'The "after" cursor is not valid: pass an endCursor from a previous page of this search.',
      'INVALID_CURSOR',
    );
  }
  if (parsed[0] !== key) {
    throw new BadInputError(
      'The "after" cursor belongs to another search: page with the same query and language it came from.',
      'INVALID_CURSOR',
    );
  }
  const [, hi, lo, score, k] = parsed as [string, number, number, number, number];
  return { hi, lo, score, key: k };
}

function validate(args: SearchArgs): { first: number; language: string | null } {
  const first = args.first ?? DEFAULT_SEARCH_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(`"first" must be between 1 and ${MAX_PAGE_SIZE}.`, 'INVALID_PAGE_SIZE');
  }
  const language = args.language ?? null;
  if (language !== null && !(SUPPORTED_LANGUAGES as readonly string[]).includes(language)) {
    throw new BadInputError(
      `Unknown language "${language}": pass a BCP-47 tag such as kk-KZ or ru-RU (one of ${SUPPORTED_LANGUAGES.join(', ')}), or leave it out to search every language.`,
      'INVALID_LANGUAGE',
    );
  }
  return { first, language };
}

function toSearchSegment(r: SearchRow): SegmentRow {
  return toSegment(r, { offset: Number(r.index), limit: 1 });
}

/**
 * Collects `want` hits after `after`, best first: ranks one window of matches at a time (the
 * newest {@link SearchLimits.rankWindow} with keys at most the previous window's lowest, or the
 * cursor's own window), so the work per page is bounded whatever the number of hits.
 */
async function collect(
  em: EntityManager,
  dialect: SearchDialect,
  match: MatchRequest,
  want: number,
  after: Position | null,
  ctx: { forms: MatchForms; count: MatchCount; limits: SearchLimits },
): Promise<{ hit: Scored; hi: number; lo: number }[]> {
  const out: { hit: Scored; hi: number; lo: number }[] = [];
  let bounds: { minKey: number | null; maxKey: number | null } = after
    ? { minKey: after.lo, maxKey: after.hi }
    : { minKey: null, maxKey: null };
  let from: Position | null = after;
  for (;;) {
    const limit = ctx.limits.rankWindow;
    const { newest, n, dense } = ctx.count;
    // The count read the newest matches: they are the first window when it has them all.
    const counted = bounds.maxKey === null && (newest.length >= limit || n <= ctx.limits.countCap);
    const window = counted
      ? newest.slice(0, limit)
      : await dialect.window(em, { ...match, ...bounds, limit, dense });
    if (window.length === 0) return out;
    const hi = window[0].key;
    const lo = window.at(-1)!.key;
    for (const hit of rankWindow(window, match.query.terms, ctx.forms)) {
      if (from && !isAfter(hit, from.score, from.key)) continue;
      out.push({ hit, hi, lo });
      if (out.length >= want) return out;
    }
    if (window.length < limit && !after) return out;
    if (lo <= 1) return out;
    bounds = { minKey: null, maxKey: lo - 1 };
    from = null;
    after = null;
  }
}

/**
 * One page of the tenant's segments matching `args.query`, best first (see {@link RANK_WINDOW}
 * for how far the ranking reaches, {@link COUNT_CAP} for the count).
 * @throws BadInputError: EMPTY_QUERY, QUERY_TOO_LONG, INVALID_LANGUAGE, INVALID_PAGE_SIZE,
 *   INVALID_CURSOR (see `./text.ts` for the query rules).
 */
export async function searchTranscripts(
  em: EntityManager,
  tenantId: string,
  args: SearchArgs,
  limits: SearchLimits = { countCap: COUNT_CAP, rankWindow: RANK_WINDOW },
): Promise<SearchPage> {
  const query = parseQuery(args.query);
  const { first, language } = validate(args);
  const key = cursorKey(query, language);
  const after = args.after ? decodeCursor(args.after, key) : null;
  const none = { hits: [], totalCount: 0, totalCountCapped: false, hasNextPage: false };
  if (query.terms.length === 0) return none;
  const dialect = searchDialectOf(em);
  const match = { tenantId, query, language };
  const count = await dialect.count(em, match, limits.countCap);
  const counted = count.n;
  if (counted === 0) return none;
  const forms = await dialect.forms(em, query);
  const ctx = { forms, count, limits };
  const found = await collect(em, dialect, match, first + 1, after, ctx);
  const page = found.slice(0, first);
  const rows = new Map(
    (
      await dialect.rows(
        em,
        tenantId,
        page.map((f) => f.hit.key),
      )
    ).map((r) => [Number(r.key), r]),
  );
  const hits = page.flatMap(({ hit, hi, lo }) => {
    const row = rows.get(hit.key);
    if (!row) return []; // deleted since the window was read
    const segment = toSearchSegment(row);
    return [
      {
        jobId: String(row.job_id),
        segment,
        snippet: buildSnippet(segment.text, query.terms, forms),
        cursor: encodeCursor(key, { hi, lo, score: hit.score, key: hit.key }),
      },
    ];
  });
  return {
    hits,
    totalCount: Math.min(counted, limits.countCap),
    totalCountCapped: counted > limits.countCap,
    hasNextPage: found.length > first,
  };
}
