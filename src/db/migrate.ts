/**
 * Applying the committed migrations (`./migrations`), from every process at start-up and from
 * `npm run migrate`: each caller takes the database's migration lock, adopts a database created
 * before migrations (`./adopt.ts`), applies what is pending and completes the search index,
 * then releases the lock. Whoever comes second finds nothing left to do.
 *
 * The lock: on PostgreSQL a transaction-level advisory lock (`pg_advisory_xact_lock`) taken in
 * the transaction that applies the migrations; on SQLite `BEGIN IMMEDIATE` on the ORM's single
 * connection (the database's one write lock: other processes wait up to the busy timeout), and
 * everything — migration records, DDL, search index — runs inside that transaction, with
 * foreign keys off until it commits (a table rebuild must not cascade) and checked before.
 */
import type { MigrateOptions, MikroORM, Transaction } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/sql';
import { ensureSearchIndex } from '../services/search/registry.js';
import { needsAdoption, verifyAdoptable, type SchemaSnapshot } from './adopt.js';
import { MIGRATIONS, type DatabaseKind } from './migrations/index.js';
import { BASELINE_SCHEMA as POSTGRESQL_BASELINE } from './migrations/postgresql/baseline-schema.js';
import { BASELINE_SCHEMA as SQLITE_BASELINE } from './migrations/sqlite/baseline-schema.js';

/** Advisory lock key of the migrations on PostgreSQL (the search index uses 7_212_012). */
const PG_MIGRATION_LOCK = 7_212_015;

const BASELINES: Readonly<Record<DatabaseKind, SchemaSnapshot>> = {
  sqlite: SQLITE_BASELINE,
  postgresql: POSTGRESQL_BASELINE,
};

/** What {@link migrateDatabase} did. */
export interface MigrationReport {
  /** True when a database created before migrations had its baseline recorded now. */
  adopted: boolean;
  /** Names of the migrations applied now, oldest first (empty: it was up to date). */
  applied: string[];
  /** Time spent, including the wait for the lock, in milliseconds. */
  ms: number;
}

/** One migration and whether (and when) it was applied. */
export interface MigrationStatus {
  name: string;
  executedAt: Date | null;
}

/** MikroORM migration options for `kind`: the committed list, no files read or written. */
export function migrationOptions(kind: DatabaseKind) {
  return {
    migrationsList: MIGRATIONS[kind],
    snapshot: false,
    silent: true,
    // SQLite: everything already runs inside the lock's BEGIN IMMEDIATE transaction.
    transactional: kind === 'postgresql',
    allOrNothing: true,
  };
}

/** The database kind behind `orm` (from its driver). */
export function databaseKindOf(orm: MikroORM): DatabaseKind {
  return orm.config.getDriver().constructor.name === 'PostgreSqlDriver' ? 'postgresql' : 'sqlite';
}

/**
 * Applies pending migrations under the migration lock, adopting a database created before
 * migrations, and completes the search index.
 * @throws AdoptionError for an old database whose schema is not the baseline's (nothing changed);
 *   the database's errors otherwise (the transaction is rolled back: nothing half-applied).
 */
export async function migrateDatabase(orm: MikroORM): Promise<MigrationReport> {
  const started = performance.now();
  const kind = databaseKindOf(orm);
  const em = orm.em.fork() as unknown as EntityManager;
  const migrator = orm.migrator as Migrator;
  const result =
    kind === 'postgresql'
      ? await migratePostgresql(em, migrator)
      : await migrateSqlite(em, migrator);
  return { ...result, ms: Math.round(performance.now() - started) };
}

type Applied = Omit<MigrationReport, 'ms'>;

/** Adopts (if needed) and applies pending migrations; the caller holds the lock (in `ctx`). */
async function applyPending(
  em: EntityManager,
  migrator: Migrator,
  kind: DatabaseKind,
  ctx?: Transaction,
): Promise<Applied> {
  const storage = migrator.getStorage();
  if (ctx) storage.setMasterMigration(ctx);
  let executed: string[];
  try {
    await storage.ensureTable();
    executed = await storage.executed();
  } finally {
    storage.unsetMasterMigration();
  }
  const adopted = await needsAdoption(em, executed, ctx);
  if (adopted) {
    await verifyAdoptable(em, BASELINES[kind], ctx);
    await storage.logMigration({ name: MIGRATIONS[kind][0].name }, ctx);
  }
  const options: MigrateOptions = {};
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- MikroORM's Transaction is `any`
  if (ctx) options.transaction = ctx;
  const applied = await migrator.up(options);
  return { adopted, applied: applied.map((m) => m.name) };
}

/** PostgreSQL: transactions holding `pg_advisory_xact_lock`; the search index after them. */
async function migratePostgresql(em: EntityManager, migrator: Migrator): Promise<Applied> {
  const connection = em.getConnection();
  const locked = <T>(work: (trx: Transaction) => Promise<T>): Promise<T> =>
    connection.transactional(async (trx) => {
      await connection.execute(
        `select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`,
        [],
        'all',
        trx,
      );
      return work(trx);
    });
  // The migrator initialises itself outside any transaction (and re-creates its storage then):
  // create the migrations table under the lock first, let it initialise, then work.
  await locked(async (trx) => {
    const storage = migrator.getStorage();
    storage.setMasterMigration(trx);
    try {
      await storage.ensureTable();
    } finally {
      storage.unsetMasterMigration();
    }
  });
  await migrator.getExecuted();
  const result = await locked((trx) => applyPending(em, migrator, 'postgresql', trx));
  await ensureSearchIndex(em.fork());
  return result;
}

/**
 * SQLite: one `BEGIN IMMEDIATE` transaction on the ORM's single connection for everything,
 * search index included. Foreign keys are off OUTSIDE it, as SQLite's procedure for schema
 * changes says (sqlite.org/lang_altertable.html: inside a transaction the pragma does nothing,
 * and a table rebuild's `drop table` would cascade-delete every child row), and checked before
 * the commit.
 */
async function migrateSqlite(em: EntityManager, migrator: Migrator): Promise<Applied> {
  const connection = em.getConnection();
  await connection.execute('pragma foreign_keys = off', [], 'run');
  try {
    await connection.execute('begin immediate', [], 'run');
    try {
      const result = await applyPending(em, migrator, 'sqlite');
      await ensureSearchIndex(em.fork());
      // A whole-database scan: only after DDL ran, not at every start.
      const broken =
        result.applied.length > 0
          ? await connection.execute<unknown[]>('pragma foreign_key_check')
          : [];
      if (broken.length > 0) {
        throw new Error(`a migration broke foreign keys: ${JSON.stringify(broken.slice(0, 5))}`);
      }
      await connection.execute('commit', [], 'run');
      return result;
    } catch (err) {
      await connection.execute('rollback', [], 'run').catch(() => undefined);
      throw err;
    }
  } finally {
    await connection.execute('pragma foreign_keys = on', [], 'run');
  }
}

/**
 * Every committed migration of the database's kind and when it was applied, oldest first.
 * Reads only (a database without the migrations table has everything pending).
 */
export async function migrationStatus(orm: MikroORM): Promise<MigrationStatus[]> {
  const migrator = orm.migrator as Migrator;
  const em = orm.em.fork() as unknown as EntityManager;
  const helper = em.getPlatform().getSchemaHelper()!;
  const hasTable = await helper.tableExists(em.getConnection(), 'mikro_orm_migrations', undefined);
  const rows = hasTable ? await migrator.getStorage().getExecutedMigrations() : [];
  const executed = new Map(rows.map((r) => [r.name, new Date(r.executed_at)]));
  return MIGRATIONS[databaseKindOf(orm)].map((m) => ({
    name: m.name,
    executedAt: executed.get(m.name) ?? null,
  }));
}
