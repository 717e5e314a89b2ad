/**
 * Adopting a database created before migrations existed (releases up to session 19 created the
 * schema with `schema.update` at start-up and have no `mikro_orm_migrations` rows): such a
 * database is recognised by its tables, its schema is compared with the one the baseline
 * migration creates (`migrations/<kind>/baseline-schema.ts`), and only when they are equal is
 * the baseline recorded as applied, so later migrations run on it as on any other.
 */
import type { Transaction } from '@mikro-orm/core';
import {
  DatabaseSchema,
  DatabaseTable,
  SchemaComparator,
  type AbstractSqlPlatform,
  type EntityManager,
  type SqlSchemaGenerator,
} from '@mikro-orm/sql';
import { t, Type, UnknownType, type Constructor } from '@mikro-orm/core';

/** A schema in MikroORM's snapshot format (what `DatabaseSchema` serialises to as JSON). */
export interface SchemaSnapshot {
  tables: readonly SnapshotTable[];
  namespaces?: readonly string[];
  nativeEnums?: Record<string, unknown>;
  views?: readonly unknown[];
  [key: string]: unknown;
}

/** One table of a {@link SchemaSnapshot}. */
interface SnapshotTable {
  name: string;
  schema?: string;
  columns: Record<string, Record<string, unknown> & { mappedType: string }>;
  indexes?: unknown[];
  checks?: unknown[];
  foreignKeys?: Record<string, unknown>;
  comment?: string | null;
  [key: string]: unknown;
}

/** Raised when a database without migration records does not have the baseline's schema. */
export class AdoptionError extends Error {}

/** A table every release since the first has, used to tell an old database from an empty one. */
const SENTINEL_TABLE = 'jobs';

/**
 * Whether the database has the service's tables but no migration recorded: one created by a
 * release before migrations (or an adoption that was rolled back).
 * @param executed names of the migrations recorded as applied.
 */
export async function needsAdoption(
  em: EntityManager,
  executed: readonly string[],
  ctx?: Transaction,
): Promise<boolean> {
  if (executed.length > 0) return false;
  const helper = em.getPlatform().getSchemaHelper()!;
  return helper.tableExists(em.getConnection(), SENTINEL_TABLE, undefined, ctx);
}

/**
 * The SQL that would turn the baseline's schema into the database's ('' when they are equal).
 * Tables left out of the ORM's schema (`schemaGenerator.skipTables`, e.g. the search index)
 * and the migrations table are not compared.
 */
export async function differenceFromBaseline(
  em: EntityManager,
  baseline: SchemaSnapshot,
  ctx?: Transaction,
): Promise<string> {
  const platform = em.getPlatform();
  const config = em.config;
  const expected = schemaFromSnapshot(platform, baseline, config.get('schema'));
  const { skipTables, skipViews } = config.get('schemaGenerator');
  const actual = await DatabaseSchema.create(
    em.getConnection(),
    platform,
    config,
    undefined,
    expected.getNamespaces(),
    undefined,
    skipTables,
    skipViews,
    ctx,
  );
  // The search index's triggers are not the ORM's (ensureSearchIndex keeps them).
  for (const table of actual.getTables()) table.setTriggers([]);
  const diff = new SchemaComparator(platform).compare(expected, actual);
  const generator = config.getExtension<SqlSchemaGenerator>('@mikro-orm/schema-generator')!;
  return generator.diffToSQL(diff, { wrap: false, safe: false, dropTables: true }).trim();
}

/**
 * Checks that a database without migration records has exactly the baseline's schema.
 * @throws AdoptionError with the differing SQL otherwise (nothing is changed).
 */
export async function verifyAdoptable(
  em: EntityManager,
  baseline: SchemaSnapshot,
  ctx?: Transaction,
): Promise<void> {
  const diff = await differenceFromBaseline(em, baseline, ctx);
  if (diff) {
    throw new AdoptionError(
      'The database has tables but no migration records, and its schema is not the one the ' +
        'baseline migration creates, so it cannot be adopted. Start the release that created ' +
        'it once (it completes its schema), or fix the schema by hand. Difference (SQL from ' +
        `the baseline to this database):\n${diff}`,
    );
  }
}

/** Builds a `DatabaseSchema` from its snapshot (as MikroORM's migrator reads `.snapshot.json`). */
function schemaFromSnapshot(
  platform: AbstractSqlPlatform,
  data: SchemaSnapshot,
  schemaName?: string,
): DatabaseSchema {
  const schema = new DatabaseSchema(platform, schemaName as string);
  const nativeEnums = (data.nativeEnums ?? {}) as DatabaseTable['nativeEnums'];
  const tables = data.tables.map((tbl) => {
    const table = new DatabaseTable(platform, tbl.name, tbl.schema);
    table.nativeEnums = nativeEnums;
    table.comment = tbl.comment ?? undefined;
    if (tbl.indexes) table.setIndexes(tbl.indexes as Parameters<DatabaseTable['setIndexes']>[0]);
    if (tbl.checks) table.setChecks(tbl.checks as Parameters<DatabaseTable['setChecks']>[0]);
    if (tbl.foreignKeys) {
      table.setForeignKeys(tbl.foreignKeys as Parameters<DatabaseTable['setForeignKeys']>[0]);
    }
    for (const column of Object.values(tbl.columns)) {
      const types = t as unknown as Record<string, Constructor<Type>>;
      table.addColumn({
        ...column,
        mappedType: Type.getType(types[column.mappedType] ?? UnknownType),
      } as unknown as Parameters<DatabaseTable['addColumn']>[0]);
    }
    return table;
  });
  schema.setTables(tables);
  schema.setNamespaces(new Set(data.namespaces ?? []));
  return schema;
}
