/**
 * Full-text search across every transcript a tenant may see: validates what a person typed,
 * runs the database dialect's ranked query (`./registry.ts`), pages by cursor and builds
 * snippets. Every query is filtered by the job's tenant in SQL.
 */
import type { EntityManager } from '@mikro-orm/core';
import { SUPPORTED_LANGUAGES } from '../../domain.js';
import { BadInputError } from '../../errors.js';
import type { SegmentRow } from '../transcript-reader.js';
import { MAX_PAGE_SIZE } from '../job.service.js';
import type { SearchPosition, SearchRow } from './dialect.js';
import { searchDialectOf } from './registry.js';
import { buildSnippet } from './snippet.js';
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
  /** Hits of the whole search (all pages). */
  totalCount: number;
  hasNextPage: boolean;
}

const cursorKey = (q: ParsedQuery, language: string | null) => `${q.key}\u0000${language ?? ''}`;

function encodeCursor(key: string, row: SearchRow): string {
  return Buffer.from(JSON.stringify([key, row.rank, row.id])).toString('base64url');
}

function decodeCursor(cursor: string, key: string): SearchPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[1] !== 'number' ||
    typeof parsed[2] !== 'string'
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
  return { rank: parsed[1], segmentId: parsed[2] };
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

function toSegment(r: SearchRow): SegmentRow {
  const index = Number(r.index);
  return {
    id: String(r.id),
    transcriptId: String(r.transcript_id),
    index,
    speakerId: String(r.speaker_id),
    start: Number(r.start),
    end: Number(r.end),
    text: String(r.text),
    language: typeof r.language === 'string' ? r.language : null,
    confidence: r.confidence == null ? null : Number(r.confidence),
    version: Number(r.version),
    edited: r.edited === true || Number(r.edited) === 1,
    window: { offset: index, limit: 1 },
  };
}

/**
 * One page of the tenant's segments matching `args.query`, best first.
 * @throws BadInputError: EMPTY_QUERY, QUERY_TOO_LONG, INVALID_LANGUAGE, INVALID_PAGE_SIZE,
 *   INVALID_CURSOR (see `./text.ts` for the query rules).
 */
export async function searchTranscripts(
  em: EntityManager,
  tenantId: string,
  args: SearchArgs,
): Promise<SearchPage> {
  const query = parseQuery(args.query);
  const { first, language } = validate(args);
  const key = cursorKey(query, language);
  const after = args.after ? decodeCursor(args.after, key) : null;
  if (query.terms.length === 0) return { hits: [], totalCount: 0, hasNextPage: false };
  const dialect = searchDialectOf(em);
  const request = { tenantId, query, language, limit: first + 1, after };
  const result = await dialect.search(em, request);
  let totalCount = result.totalCount;
  if (totalCount < 0) {
    // An empty page says nothing about the others: count from the start.
    totalCount = after
      ? (await dialect.search(em, { ...request, after: null, limit: 1 })).totalCount
      : 0;
  }
  const rows = result.rows.slice(0, first);
  return {
    hits: rows.map((row) => {
      const segment = toSegment(row);
      return {
        jobId: String(row.job_id),
        segment,
        snippet: buildSnippet(segment.text, query.terms, result.forms),
        cursor: encodeCursor(key, row),
      };
    }),
    totalCount: Math.max(totalCount, 0),
    hasNextPage: result.rows.length > first,
  };
}
