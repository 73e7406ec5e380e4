import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/database/database.js';

/** The PostgreSQL server tests use: `TEST_DATABASE_URL`, or the local one CI starts. */
export const TEST_SERVER_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly db: Db;
  /** Runs SQL as the server's superuser, e.g. to go behind the triggers' back. */
  readonly admin: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;
  readonly drop: () => Promise<void>;
}

/** A fresh database for one test file (immich's model): created, migrated, dropped after. */
export async function createTestDatabase(prefix = 'passerelle_t'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase(url.toString(), 20);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    name,
    db,
    admin: (sql, params) => client.query(sql, params),
    drop: async () => {
      await client.end();
      await db.destroy();
      const server = new pg.Client({ connectionString: TEST_SERVER_URL });
      await server.connect();
      try {
        await server.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await server.end();
      }
    },
  };
}
