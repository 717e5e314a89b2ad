/**
 * Migrations from the command line (`node dist/src/db/migrate-cli.js`):
 *
 *   npm run migrate                  apply pending migrations to the configured database
 *                                    (DATABASE_URL / DATA_DIR, as the service); adopts a
 *                                    database created before migrations
 *   npm run migrate -- --list        every migration and when it was applied
 *   npm run migrate:create [-- --name add_x]
 *                                    developers: write the migrations for the entity changes,
 *                                    one per database kind, into src/db/migrations/<kind>/
 *   npm run migrate:create -- --initial --pg-url postgres://…/empty
 *                                    the baseline (done once; kept for the record)
 *
 * Exit status: 0 done, 1 failed (the message says why), 2 usage error.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit, type Config } from '../config/config.js';
import { createMigration } from './migration-files.js';
import { migrationStatus } from './migrate.js';
import { initOrm } from './orm.js';

/** An unreachable PostgreSQL URL: creating a migration from the snapshot never connects. */
const OFFLINE_PG_URL = 'postgresql://offline@127.0.0.1:1/offline';

async function up(config: Config): Promise<void> {
  const orm = await initOrm(config, false, (r) => {
    if (r.adopted) console.log('adopted a database created before migrations (baseline recorded)');
    if (r.applied.length === 0) console.log(`up to date (${r.ms} ms)`);
    for (const name of r.applied) console.log(`applied ${name}`);
    if (r.applied.length > 0) console.log(`${r.applied.length} applied in ${r.ms} ms`);
  });
  await orm.close(true);
}

async function list(config: Config): Promise<void> {
  const { MikroORM } = await import('@mikro-orm/core');
  const { ormOptions } = await import('./orm.js');
  const orm = await MikroORM.init(await ormOptions(config));
  try {
    for (const m of await migrationStatus(orm)) {
      console.log(
        `${m.executedAt ? m.executedAt.toISOString() : 'pending                 '}  ${m.name}`,
      );
    }
  } finally {
    await orm.close(true);
  }
}

async function create(opts: { name?: string; initial: boolean; pgUrl?: string }): Promise<void> {
  const repoRoot = process.cwd();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-migrate-'));
  try {
    const databases: Config['database'][] = [
      { kind: 'sqlite', file: path.join(scratch, 'empty.sqlite') },
    ];
    if (!opts.initial || opts.pgUrl) {
      databases.push({ kind: 'postgresql', url: opts.pgUrl ?? OFFLINE_PG_URL });
    } else {
      console.warn('postgresql: skipped (--initial needs --pg-url to an empty database)');
    }
    for (const database of databases) {
      const made = await createMigration(repoRoot, database, opts);
      if (!made.name) console.log(`${made.kind}: no changes, no migration`);
      else console.log(`${made.kind}: wrote ${made.name} (${made.up.length} statements)`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        list: { type: 'boolean', default: false },
        name: { type: 'string' },
        initial: { type: 'boolean', default: false },
        'pg-url': { type: 'string' },
      },
    });
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const [command = 'up'] = args.positionals;
  try {
    if (command === 'create') {
      const { name, initial } = args.values;
      await create({ name, initial, pgUrl: args.values['pg-url'] });
    } else if (command === 'up') {
      const config = loadConfigOrExit(2);
      await (args.values.list ? list(config) : up(config));
    } else {
      console.error(`unknown command ${command}: use up (default), up --list or create`);
      return 2;
    }
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
