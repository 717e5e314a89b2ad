/**
 * What a database dialect provides to segment search: its index (created and kept in step by
 * database triggers on `segments`) and its ranked, tenant-scoped query.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { MatchForms } from './snippet.js';
import type { ParsedQuery } from './text.js';

/** Position after which a page starts: the rank and segment id of the previous page's last hit. */
export interface SearchPosition {
  /** Dialect's rank, lower is better (SQLite bm25; PostgreSQL minus ts_rank). */
  rank: number;
  segmentId: string;
}

/** One page of a search, as the dialect is asked for it. */
export interface SearchRequest {
  tenantId: string;
  query: ParsedQuery;
  /** BCP-47 tag the segment's language must equal, or null for every language. */
  language: string | null;
  /** Hits to return (one more than the page, to tell whether another page follows). */
  limit: number;
  after: SearchPosition | null;
}

/** A segment row as found, with its job and rank (column names as in the database). */
export type SearchRow = Record<string, unknown> & { rank: number; job_id: string; id: string };

/** A page of hits in rank order, how many hits the whole search has, and what marked them. */
export interface SearchResult {
  rows: SearchRow[];
  totalCount: number;
  /** Forms the dialect matched beyond the query's own prefixes (for marking snippets). */
  forms: MatchForms;
}

/** A dialect of segment search (one per database kind, see `./registry.ts`). */
export interface SearchDialect {
  /**
   * Creates the search index, its triggers on `segments` and what they need if missing, and
   * indexes segments the index does not have yet (rows written before the index existed).
   * Idempotent and safe to run from several processes at once; run after the ORM's schema update.
   */
  ensureIndex(em: EntityManager): Promise<void>;
  /** One page of hits for the tenant, best first (rank, then segment id). */
  search(em: EntityManager, request: SearchRequest): Promise<SearchResult>;
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
