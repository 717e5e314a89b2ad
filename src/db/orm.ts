/**
 * The database module: MikroORM set up for SQLite (default) or PostgreSQL, from {@link Config}.
 * Only this module knows which driver is in use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { CompiledQuery } from 'kysely';
import type { Config } from '../config/config.js';
import { DEFAULT_TENANT_ID } from '../domain.js';
import { ensureSearchIndex, SEARCH_TABLES } from '../services/search/registry.js';
import { ENTITIES, Tenant } from './entities/index.js';

/** SQLite lock wait before "database is locked" is raised, in milliseconds. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Builds MikroORM options for the configured database.
 * SQLite runs in WAL mode with a busy timeout so the api and workers can share one file.
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
    // The search index (`src/services/search`) is hand-written: its tables are left out of the
    // schema diff (MikroORM cannot introspect FTS5's untyped columns), its triggers and
    // functions are never dropped or altered by a schema update.
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

/** Schema update attempts at start-up before giving up (see {@link initOrm}). */
const SCHEMA_UPDATE_ATTEMPTS = 8;

/**
 * Opens the database, brings the schema up to date (additive, safe to run from every process)
 * and makes sure the default tenant exists.
 * @throws when the database cannot be reached or the schema cannot be applied.
 */
export async function initOrm(config: Pick<Config, 'database'>, debug = false): Promise<MikroORM> {
  const orm = await MikroORM.init(await ormOptions(config, debug));
  // Other processes (api and workers start together) may be applying the same change; reading
  // the schema while they create tables can fail (SQLite introspection sees a half-created
  // table). Once they are done an attempt finds nothing left to do: retry with growing pauses.
  for (let attempt = 1; ; attempt++) {
    try {
      await orm.schema.update({ safe: true });
      break;
    } catch (err) {
      if (attempt >= SCHEMA_UPDATE_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 250 * attempt + Math.random() * 250));
    }
  }
  await ensureSearchIndex(orm.em.fork());
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
