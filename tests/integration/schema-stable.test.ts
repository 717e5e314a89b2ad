/**
 * The schema the service creates at start-up must be the schema its entities describe: once a
 * process has started, a second start has nothing to change. A mapping the comparator cannot
 * read back (it once was a JSON column declared as an enum array) makes every process start
 * rebuild that table — copy, drop, rename — holding SQLite's write lock while other processes
 * wait, which surfaced as "database is locked" in a loaded CI run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initOrm } from '../../src/db/orm.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';

let dir: string;
let pgDb: ThrowawayDatabase | null = null;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-schema-'));
  pgDb = await createThrowawayDatabase();
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await pgDb?.drop();
});

test('SQLite: after start-up the schema has nothing left to update', async () => {
  const orm = await initOrm({ database: { kind: 'sqlite', file: path.join(dir, 'a.db') } });
  try {
    expect(await orm.schema.getUpdateSchemaSQL({ safe: true })).toBe('');
  } finally {
    await orm.close();
  }
});

test('PostgreSQL: after start-up the schema has nothing left to update', async () => {
  if (!pgDb) return; // warned by createThrowawayDatabase
  const orm = await initOrm({ database: { kind: 'postgresql', url: pgDb.url } });
  try {
    expect(await orm.schema.getUpdateSchemaSQL({ safe: true })).toBe('');
  } finally {
    await orm.close();
  }
});
