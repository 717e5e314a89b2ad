/**
 * What a database dialect provides to segment search: its index (created and kept in step by
 * database triggers on `segments`), and three cheap tenant-scoped reads the service ranks and
 * pages with (`./index.ts`): a capped count, a window of the newest matches, and the rows of a
 * page.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { MatchForms } from './snippet.js';
import type { ParsedQuery } from './text.js';

/** Which segments match: the tenant's, containing every term, optionally of one language. */
export interface MatchRequest {
  tenantId: string;
  query: ParsedQuery;
  /** BCP-47 tag the segment's language must equal, or null for every language. */
  language: string | null;
}

/**
 * A window of matches by index key (an integer that grows with every indexed segment, so
 * higher is newer): the newest `limit` matches with `minKey ≤ key ≤ maxKey` (either bound may
 * be null).
 */
export interface WindowRequest extends MatchRequest {
  minKey: number | null;
  maxKey: number | null;
  limit: number;
  /** The count's {@link MatchCount.dense} hint. */
  dense: boolean;
}

/** What {@link SearchDialect.count} found. */
export interface MatchCount {
  /** Matches, at most `cap + 1`. */
  n: number;
  /** True when the newest segments have so many matches that walking them in key order pays. */
  dense: boolean;
  /** The newest `min(n, cap + 1)` matches, newest first (read anyway to count them). */
  newest: Candidate[];
}

/** A matching segment as the index has it: its key and its folded text. */
export interface Candidate {
  key: number;
  /** The segment's text folded as in `./text.ts` (same length as the original). */
  body: string;
}

/** A segment row as found, with its job and index key (column names as in the database). */
export type SearchRow = Record<string, unknown> & { key: number; job_id: string; id: string };

/** A dialect of segment search (one per database kind, see `./registry.ts`). */
export interface SearchDialect {
  /**
   * Creates the search index, its triggers on `segments` and what they need if missing, and
   * indexes segments the index does not have yet (rows written before the index existed).
   * Idempotent and safe to run from several processes at once; run after the migrations (`src/db/migrate.ts`).
   */
  ensureIndex(em: EntityManager): Promise<void>;
  /**
   * How many segments match, counting no further than `cap + 1` (so `> cap` means "more"), and
   * whether the tenant's newest segments are dense in matches (a hint for {@link window}).
   */
  count(em: EntityManager, request: MatchRequest, cap: number): Promise<MatchCount>;
  /** The window's matches, newest (highest key) first. */
  window(em: EntityManager, request: WindowRequest): Promise<Candidate[]>;
  /** The tenant's segment rows (with `job_id` and `key`) of the given index keys, in no order. */
  rows(em: EntityManager, tenantId: string, keys: number[]): Promise<SearchRow[]>;
  /** Forms the dialect matches beyond the query's own prefixes (for ranking and snippets). */
  forms(em: EntityManager, query: ParsedQuery): Promise<MatchForms>;
}

/** Runs SQL on the EntityManager's connection (and its transaction, if any). */
export function sql<T = Record<string, unknown>[]>(
  em: EntityManager,
  query: string,
  params: unknown[] = [],
  method: 'all' | 'run' = 'all',
): Promise<T> {
  return em
    .getConnection()
    .execute(query, params, method, em.getTransactionContext()) as Promise<T>;
}
