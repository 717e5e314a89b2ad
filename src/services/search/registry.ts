/**
 * The search dialects by database kind: one entry per MikroORM driver the service runs on.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { SearchDialect } from './dialect.js';
import { postgresqlSearch } from './postgresql.js';
import { sqliteSearch } from './sqlite.js';

/** Tables of the search index (and FTS5's shadow tables), none of them an ORM entity. */
export const SEARCH_TABLES = /^segment_search/;

/** Dialects by database kind (`Config.database.kind`). */
export const SEARCH_DIALECTS: Readonly<Record<'sqlite' | 'postgresql', SearchDialect>> = {
  sqlite: sqliteSearch,
  postgresql: postgresqlSearch,
};

/** MikroORM driver class names by database kind. */
const DRIVERS: Readonly<Record<string, keyof typeof SEARCH_DIALECTS>> = {
  SqliteDriver: 'sqlite',
  PostgreSqlDriver: 'postgresql',
};

/**
 * The dialect for the database behind `em`.
 * @throws Error for a driver without a search dialect.
 */
export function searchDialectOf(em: EntityManager): SearchDialect {
  const driver = em.getDriver().constructor.name;
  const kind = DRIVERS[driver];
  if (!kind) throw new Error(`full-text search has no dialect for the ${driver} driver`);
  return SEARCH_DIALECTS[kind];
}

/**
 * Creates or completes the search index of the database behind `em` (see
 * {@link SearchDialect.ensureIndex}); run at start-up after the migrations (`src/db/migrate.ts`).
 */
export function ensureSearchIndex(em: EntityManager): Promise<void> {
  return searchDialectOf(em).ensureIndex(em);
}
