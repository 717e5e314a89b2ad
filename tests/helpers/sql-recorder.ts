/**
 * Records every SQL statement an ORM instance runs and how much data each returned, by wrapping
 * its connection's `execute` (every MikroORM read and write, the query builder's and raw
 * `em.getConnection().execute` alike, goes through it).
 */
import type { MikroORM } from '@mikro-orm/core';

/** One statement and the size of what it returned (JSON characters of its rows). */
export interface RecordedStatement {
  sql: string;
  rows: number;
  bytes: number;
}

/** A running recording. */
export interface SqlRecorder {
  /** Statements since the last `take()` (or the start), clearing the list. */
  take(): RecordedStatement[];
  /** Restores the connection's own `execute`. */
  stop(): void;
}

/** Starts recording the statements of `orm`. */
export function recordSql(orm: MikroORM): SqlRecorder {
  const connection = orm.em.getConnection() as unknown as {
    execute: (...args: unknown[]) => Promise<unknown>;
  };
  const original = connection.execute;
  let statements: RecordedStatement[] = [];
  connection.execute = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    const rows = Array.isArray(result) ? result.length : result ? 1 : 0;
    statements.push({ sql: String(args[0]), rows, bytes: JSON.stringify(result ?? null).length });
    return result;
  };
  return {
    take: () => {
      const out = statements;
      statements = [];
      return out;
    },
    stop: () => {
      connection.execute = original;
    },
  };
}
