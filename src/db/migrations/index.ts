/**
 * The committed migrations of each database kind (one folder per dialect: SQLite and
 * PostgreSQL DDL differ), and the schema each baseline creates (to adopt a database created
 * before migrations existed, see `../adopt.ts`).
 */
import type { MigrationObject } from '@mikro-orm/core';
import { MIGRATIONS as POSTGRESQL } from './postgresql/index.js';
import { MIGRATIONS as SQLITE } from './sqlite/index.js';

/** A database kind (`Config.database.kind`). */
export type DatabaseKind = 'sqlite' | 'postgresql';

/** Migrations by database kind, oldest first; the first one is the baseline. */
export const MIGRATIONS: Readonly<Record<DatabaseKind, MigrationObject[]>> = {
  sqlite: SQLITE,
  postgresql: POSTGRESQL,
};
