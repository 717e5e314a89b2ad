/**
 * Migrations on real SQLite and PostgreSQL (`src/db/migrate.ts`):
 * - a fresh database migrated with the committed migrations has exactly the entities' schema —
 *   this is the test that fails when an entity changes without a migration;
 * - a database created and filled by the release before migrations (the committed snapshots in
 *   `tests/fixtures/migrations`, made by `make-snapshots.sh`) is adopted: every row is still
 *   there and the transcript reads back through GraphQL and search as before;
 * - such a database with a schema that is not the baseline's is refused and left unchanged;
 * - on SQLite, a later migration that rebuilds a parent table (what MikroORM writes for most
 *   column changes) keeps the child rows (foreign keys are off around the migration);
 * - processes starting at once (api and workers on one file or database) all start, and each
 *   migration is applied once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';
import { MikroORM } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { AdoptionError } from '../../src/db/adopt.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { migrateDatabase, migrationOptions, migrationStatus } from '../../src/db/migrate.js';
import { initOrm, ormOptions } from '../../src/db/orm.js';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';
import { createCluster, flushRedisDb, REPO_ROOT, type Cluster } from '../helpers/processes.js';
import { testRedisUrl } from '../helpers/redis-db.js';

type Kind = 'sqlite' | 'postgresql';
const SNAPSHOTS = path.join(REPO_ROOT, 'tests/fixtures/migrations');

/** A database of one kind for one test, and plain SQL on it outside the service. */
interface Db {
  database: Config['database'];
  /** Env for the service: DATA_DIR (SQLite file inside) or DATABASE_URL. */
  env: Record<string, string>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Runs a whole SQL script (a snapshot). */
  load(script: string): Promise<void>;
  drop(): Promise<void>;
}

async function newDb(kind: Kind): Promise<Db | null> {
  if (kind === 'postgresql') {
    const pgDb: ThrowawayDatabase | null = await createThrowawayDatabase();
    if (!pgDb) return null;
    const withClient = async <T>(work: (c: pg.Client) => Promise<T>) => {
      const client = new pg.Client({ connectionString: pgDb.url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };
    return {
      database: { kind, url: pgDb.url },
      env: { DATABASE_URL: pgDb.url },
      query: <T>(sql: string) => withClient(async (c) => (await c.query(sql)).rows as T[]),
      load: (script) => withClient(async (c) => void (await c.query(script))),
      drop: () => pgDb.drop(),
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-migrations-'));
  const file = path.join(dir, 'kazru-stt.sqlite');
  const withDb = <T>(work: (db: DatabaseSync) => T, defensive = true) => {
    const db = new DatabaseSync(file, { defensive });
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    database: { kind, file },
    env: { DATA_DIR: dir },
    query: async <T>(sql: string) => withDb((db) => db.prepare(sql).all() as T[]),
    // `.dump` writes FTS5 tables through writable_schema, which defensive mode refuses.
    load: async (script) => withDb((db) => db.exec(script), false),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const TABLES: Record<Kind, string> = {
  sqlite: `select name from sqlite_master where type = 'table' and name not like 'sqlite_%'
           and name != 'mikro_orm_migrations' order by name`,
  postgresql: `select table_name as name from information_schema.tables where table_schema =
               'public' and table_type = 'BASE TABLE' and table_name != 'mikro_orm_migrations'
               order by table_name`,
};

/** Row count of every table (the search index's included) but the migrations table. */
async function rowCounts(db: Db, kind: Kind): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of await db.query<{ name: string }>(TABLES[kind])) {
    const [row] = await db.query<{ n: number | string }>(`select count(*) as n from "${name}"`);
    counts[name] = Number(row.n);
  }
  return counts;
}

const TRANSCRIPT = `query($id: ID!) { job(id: $id) { status errorCode transcript { version
  speakers { label } segments { index text speaker { label } words { text } }
  revisions(first: 10) { totalCount } } } }`;

/**
 * A later migration of the kind `migrate:create` writes for most column changes on SQLite: the
 * table rebuilt (copy, drop, rename). `webhook_endpoints` has children that cascade on delete.
 */
class RebuildWebhookEndpoints extends Migration {
  override up(): void {
    this.addSql('pragma foreign_keys = off;');
    this.addSql(
      'create table `webhook_endpoints__temp_alter` (`id` text not null primary key, ' +
        '`tenant_id` text not null, `url` text not null, `description` text null, ' +
        '`events` json not null, `enabled` integer not null default true, ' +
        '`disabled_reason` text null, `secret` text not null, `previous_secret` text null, ' +
        '`previous_secret_expires_at` datetime null, `created_at` datetime not null, ' +
        '`updated_at` datetime not null, constraint `webhook_endpoints_tenant_id_foreign` ' +
        'foreign key (`tenant_id`) references `tenants` (`id`) on delete cascade);',
    );
    this.addSql('insert into `webhook_endpoints__temp_alter` select * from `webhook_endpoints`;');
    this.addSql('drop table `webhook_endpoints`;');
    this.addSql('alter table `webhook_endpoints__temp_alter` rename to `webhook_endpoints`;');
    this.addSql(
      'create index `webhook_endpoints_tenant_id_index` on `webhook_endpoints` (`tenant_id`);',
    );
    this.addSql(
      'create index `webhook_endpoints_tenant_id_created_at_index` on `webhook_endpoints` ' +
        '(`tenant_id`, `created_at`);',
    );
    this.addSql('pragma foreign_keys = on;');
  }
}

/** What {@link TRANSCRIPT} returns. */
interface JobRead {
  status: string;
  transcript: {
    speakers: { label: string }[];
    segments: { text: string; words: { text: string }[] }[];
    revisions: { totalCount: number };
  };
}

/** What the search query returns. */
interface SearchRead {
  totalCount: number;
  edges: { node: { job: { id: string } } }[];
}

describe.each<Kind>(['sqlite', 'postgresql'])('migrations on %s', (kind) => {
  let db: Db | null = null;
  let app: TestApp | undefined;
  let cluster: Cluster | undefined;

  beforeEach(async () => {
    db = await newDb(kind);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await cluster?.close();
    cluster = undefined;
    await db?.drop();
  });

  test('a fresh database migrated has exactly the schema of the entities', async () => {
    if (!db) return;
    const orm = await initOrm({ database: db.database });
    try {
      const status = await migrationStatus(orm);
      expect(status.map((m) => m.name)).toEqual(MIGRATIONS[kind].map((m) => m.name));
      expect(status.every((m) => m.executedAt)).toBe(true);
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      if (diff.trim()) {
        throw new Error(
          `The entities and the committed ${kind} migrations disagree: an entity changed ` +
            `without a migration. Run \`npm run migrate:create -- --name <what_changed>\`, ` +
            `review and commit src/db/migrations/. SQL still missing:\n${diff}`,
        );
      }
    } finally {
      await orm.close(true);
    }
  }, 60_000);

  test('a filled database of the release before migrations is adopted, nothing lost', async () => {
    if (!db) return;
    await db.load(fs.readFileSync(path.join(SNAPSHOTS, `release-${kind}.sql`), 'utf8'));
    const before = await rowCounts(db, kind);
    expect(before.jobs).toBe(4);
    expect(before.segments).toBeGreaterThan(0);
    const jobs = await db.query<{ id: string; status: string }>(
      `select id, status from jobs order by created_at`,
    );
    expect(jobs.map((j) => j.status).sort()).toEqual([
      'CANCELLED',
      'COMPLETED',
      'COMPLETED',
      'FAILED',
    ]);
    const [dialogue] = jobs;
    const segments = await db.query<{ text: string }>(
      `select s.text from segments s join transcripts t on t.id = s.transcript_id
       where t.job_id = '${dialogue.id}' order by s."index"`,
    );

    app = await startTestApp(db.env);
    expect(await rowCounts(db, kind)).toEqual(before);
    const recorded = await db.query<{ name: string }>('select name from mikro_orm_migrations');
    expect(recorded.map((r) => r.name)).toEqual(MIGRATIONS[kind].map((m) => m.name));

    const apiKey = await app.createTenantKey('acme');
    const r = await app.gql<{ job: JobRead }>(TRANSCRIPT, { id: dialogue.id }, { apiKey });
    expect(r.errors).toBeUndefined();
    const { status, transcript } = r.data!.job;
    expect(status).toBe('COMPLETED');
    expect(transcript.segments.map((s) => s.text)).toEqual(segments.map((s) => s.text));
    expect(transcript.segments[0].text).toMatch(/\(түзетілді\)$/);
    expect(transcript.speakers.map((s) => s.label)).toContain('Оператор');
    expect(transcript.revisions.totalCount).toBe(3);
    expect(transcript.segments.every((s) => s.words.length > 0)).toBe(true);
    const found = await app.gql<{ searchTranscripts: SearchRead }>(
      `{ searchTranscripts(query: "түзетілді") { totalCount edges { node { job { id } } } } }`,
      {},
      { apiKey },
    );
    expect(found.data!.searchTranscripts.totalCount).toBe(1);
    expect(found.data!.searchTranscripts.edges[0].node.job.id).toBe(dialogue.id);
  }, 120_000);

  const sqliteOnly = kind === 'sqlite' ? test : test.skip;
  sqliteOnly(
    'a migration rebuilding a parent table keeps its children',
    async () => {
      if (!db) return;
      await db.load(fs.readFileSync(path.join(SNAPSHOTS, `release-${kind}.sql`), 'utf8'));
      const before = await rowCounts(db, kind);
      expect(before.webhook_deliveries).toBeGreaterThan(0);
      const options = await ormOptions({ database: db.database });
      const orm = await MikroORM.init({
        ...options,
        migrations: {
          ...migrationOptions(kind),
          migrationsList: [
            ...MIGRATIONS[kind],
            { name: 'Migration99990101000000_rebuild', class: RebuildWebhookEndpoints },
          ],
        },
      });
      try {
        const report = await migrateDatabase(orm);
        expect(report.adopted).toBe(true);
        expect(report.applied).toEqual(['Migration99990101000000_rebuild']);
      } finally {
        await orm.close(true);
      }
      expect(await rowCounts(db, kind)).toEqual(before);
    },
    60_000,
  );

  test('an old database whose schema is not the baseline is refused and left as it was', async () => {
    if (!db) return;
    await db.load(fs.readFileSync(path.join(SNAPSHOTS, `release-${kind}.sql`), 'utf8'));
    await db.query(`alter table jobs add column legacy_note text`);
    const before = await rowCounts(db, kind);
    const failure = await initOrm({ database: db.database }).then(
      (orm) => orm.close(true).then(() => null),
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(AdoptionError);
    expect((failure as Error).message).toMatch(/legacy_note/);
    expect(await rowCounts(db, kind)).toEqual(before);
    // SQLite rolls everything back; PostgreSQL keeps the (empty) table it created first.
    const recorded = await db.query<{ n: number | string }>(
      kind === 'sqlite'
        ? `select count(*) as n from sqlite_master where name = 'mikro_orm_migrations'`
        : `select count(*) as n from mikro_orm_migrations`,
    );
    expect(Number(recorded[0].n)).toBe(0);
  }, 60_000);

  test('an api and three workers starting at once all start; each migration applied once', async () => {
    if (!db) return;
    const redisUrl = testRedisUrl('cluster', 'TEST_CLUSTER_REDIS_URL');
    await flushRedisDb(redisUrl);
    cluster = await createCluster({ redisUrl, env: db.env });
    const started = await Promise.allSettled([
      cluster.startApi(),
      cluster.startWorker(),
      cluster.startWorker(),
      cluster.startWorker(),
    ]);
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
    const rows = await db.query<{ name: string }>('select name from mikro_orm_migrations');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS[kind].map((m) => m.name));
    const health = await cluster.gql(`{ __typename }`);
    expect(health.status).toBe(200);
  }, 120_000);
});
