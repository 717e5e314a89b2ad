/**
 * A throwaway PostgreSQL database for a test file, on the server at `TEST_POSTGRES_URL`
 * (default `postgres://postgres@127.0.0.1:5432/postgres`). Tests on PostgreSQL are skipped, with
 * a note, where no server answers.
 */
import pg from 'pg';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A created database: its URL (for `DATABASE_URL`) and how to drop it. */
export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a new, empty database named after this process, or returns null (and warns) when no
 * PostgreSQL server is reachable.
 */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase | null> {
  const name = `kazru_test_${process.pid}_${Date.now()}`;
  try {
    await admin(`create database ${name}`);
  } catch (err) {
    console.warn(
      `PostgreSQL not reachable at ${ADMIN_URL} (${(err as Error).message}); skipping PostgreSQL tests`,
    );
    return null;
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}
