/**
 * The database module: MikroORM set up for SQLite (default) or PostgreSQL, from {@link Config}.
 * Only this module knows which driver is in use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { CompiledQuery } from 'kysely';
import type { Config } from '../config/config.js';
import { DEFAULT_TENANT_ID } from '../domain.js';
import { SEARCH_TABLES } from '../services/search/registry.js';
import { ENTITIES, Tenant } from './entities/index.js';
import { migrateDatabase, migrationOptions, type MigrationReport } from './migrate.js';

/** SQLite lock wait before "database is locked" is raised, in milliseconds. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Builds MikroORM options for the configured database.
 * SQLite runs in WAL mode with a busy timeout so the api and workers can share one file.
 * Migrations come from the committed list of the database's kind (`./migrations`).
 */
export async function ormOptions(
  config: Pick<Config, 'database'>,
  debug = false,
): Promise<Options> {
  const common: Partial<Options> = {
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    dataloader: true,
    debug,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    extensions: [Migrator],
    migrations: migrationOptions(config.database.kind),
    // The search index (`src/services/search`) is hand-written and kept by ensureSearchIndex
    // after the migrations: its tables are left out of the schema diff (MikroORM cannot
    // introspect FTS5's untyped columns), its triggers and functions never appear in a
    // generated migration.
    schemaGenerator: {
      skipTables: [SEARCH_TABLES],
      ignoreTriggers: true,
      ignoreRoutines: true,
    },
  };
  if (config.database.kind === 'postgresql') {
    const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
    return { ...common, driver: PostgreSqlDriver, clientUrl: config.database.url } as Options;
  }
  const { SqliteDriver } = await import('@mikro-orm/sqlite');
  const file = config.database.file;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  return {
    ...common,
    driver: SqliteDriver,
    dbName: file,
    onCreateConnection: async (connection: {
      executeQuery: (q: CompiledQuery) => Promise<unknown>;
    }) => {
      await connection.executeQuery(
        CompiledQuery.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`),
      );
      await connection.executeQuery(CompiledQuery.raw('pragma journal_mode = WAL'));
      await connection.executeQuery(CompiledQuery.raw('pragma synchronous = NORMAL'));
      await connection.executeQuery(CompiledQuery.raw('pragma foreign_keys = ON'));
    },
  } as Options;
}

/**
 * Opens the database, applies the committed migrations (one process at a time, see
 * `./migrate.ts`; never `schema.update`) and makes sure the default tenant exists.
 * @param onMigrated receives what the migrations step did (for the start-up log).
 * @throws when the database cannot be reached, a migration fails (it is rolled back) or an old
 *   database cannot be adopted (`AdoptionError`).
 */
export async function initOrm(
  config: Pick<Config, 'database'>,
  debug = false,
  onMigrated?: (report: MigrationReport) => void,
): Promise<MikroORM> {
  const orm = await MikroORM.init(await ormOptions(config, debug));
  try {
    // Not `onMigrated?.(await …)`: an optional call skips evaluating its arguments.
    const report = await migrateDatabase(orm);
    onMigrated?.(report);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  const em = orm.em.fork();
  const existing = await em.findOne(Tenant, DEFAULT_TENANT_ID);
  if (!existing) {
    await em
      .getConnection()
      .execute(
        `insert into tenants (id, name, created_at) values (?, ?, ?) on conflict (id) do nothing`,
        [DEFAULT_TENANT_ID, 'Default', new Date()],
      );
  }
  return orm;
}
