import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../src/config/app-config.js';
import {
  createDatabase,
  MIGRATION_NAMES,
  MIGRATIONS,
  migrateToLatest,
} from '../src/database/database.js';
import { createApp } from '../src/main.js';
import { loadCatalogOrThrow } from '../src/modules/contracts/contracts.module.js';
import { JsonLogger } from '../src/modules/logging/json-logger.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from './support/database.js';
import { dropKeysUnder } from './support/redis.js';
import { aDisclosure } from './support/register-entries.js';
import { runCliInProcess } from './support/run-cli.js';
import { testAppEnv } from './support/test-app.js';
import { writeClientsFile } from './support/test-clients.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a contract edited without a new version, at start', () => {
  let database: TestDatabase;
  let clients: Awaited<ReturnType<typeof writeClientsFile>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    cleanups.push(() => database.drop());
    clients = await writeClientsFile();
    cleanups.push(() => clients.remove());
  }, 60_000);

  it('should warn once per such contract, naming its id and version only, and still start', async () => {
    const config = loadAppConfig({ ...testAppEnv(database, clients.file), PASSERELLE_ROLE: 'api' });
    const catalog = await loadCatalogOrThrow(config);
    const loaded = (id: string) => {
      const found = catalog.contracts.get(id);
      if (found === undefined) throw new Error(`no shipped contract ${id}`);
      return { version: found.contract.version, sha256: found.sha256 };
    };
    const other = 'e'.repeat(64);
    const repository = new RegisterRepository(database.db);
    const register = new RegisterService(repository, new RegisterAppender(repository));
    await register.appendAll([
      // Edited without a bump: the same version under another text.
      aDisclosure({
        contract: { id: 'us-apis', version: loaded('us-apis').version, sha256: other },
      }),
      // Unchanged: the same version and text.
      aDisclosure({ contract: { id: 'secure-flight', ...loaded('secure-flight') } }),
      // Bumped: the register's newest entry is of the version before.
      aDisclosure({
        contract: {
          id: 'caricom-apis',
          version: loaded('caricom-apis').version - 1,
          sha256: other,
        },
      }),
    ]);

    const lines: string[] = [];
    const app = await createApp(
      config,
      new JsonLogger({
        levels: ['error', 'warn', 'log'],
        destination: { write: (line: string) => void lines.push(line) },
      }),
    );
    cleanups.push(async () => {
      await app.close();
      await dropKeysUnder(config.queuePrefix);
    });
    await app.init();
    const warnings = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => String(line.msg).startsWith('contract changed without a new version'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'warn',
      contractId: 'us-apis',
      version: loaded('us-apis').version,
    });
    // Neither digest is logged.
    const line = JSON.stringify(warnings[0]);
    expect(line).not.toContain(other);
    expect(line).not.toContain(loaded('us-apis').sha256);
  });
});

describe('the register commands on a database of another schema', () => {
  /** A database migrated up to `last`, as an older release left it. */
  async function databaseAt(last: string): Promise<{ url: string; admin: pg.Client }> {
    const name = `passerelle_fu_${randomBytes(6).toString('hex')}`;
    const server = new pg.Client({ connectionString: TEST_SERVER_URL });
    await server.connect();
    await server.query(`CREATE DATABASE "${name}"`);
    await server.end();
    const url = new URL(TEST_SERVER_URL);
    url.pathname = `/${name}`;
    const db = createDatabase(url.toString(), 2);
    const { error } = await new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    }).migrateTo(last);
    await db.destroy();
    if (error !== undefined) throw error as Error;
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    cleanups.push(async () => {
      await admin.end();
      const dropper = new pg.Client({ connectionString: TEST_SERVER_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    });
    return { url: url.toString(), admin };
  }
  const migrationsDone = async (admin: pg.Client) =>
    (
      await admin.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')
    ).rows.map((row) => row.name);

  it.each([[['register', 'verify']], [['register', 'ropa']], [['register', 'anchor']]])(
    'should not upgrade an older database, and refuse with exit 2 naming what is missing: %j',
    async (argv) => {
      const before = MIGRATION_NAMES[MIGRATION_NAMES.length - 3] ?? '';
      const { url, admin } = await databaseAt(before);
      const { result, out, err } = await runCliInProcess(argv, { DATABASE_URL: url });
      expect(result).toEqual({ code: 2 });
      expect(out).toBe('');
      expect(err).toMatch(/^the database's schema is older than this release of Passerelle/);
      for (const pending of MIGRATION_NAMES.slice(-2)) expect(err).toContain(pending);
      expect(err).not.toContain(url);
      // Nothing migrated, nothing recorded or anchored.
      expect(await migrationsDone(admin)).toEqual(MIGRATION_NAMES.slice(0, -2));
      expect(
        (await admin.query('SELECT count(*)::int AS n FROM register_entries')).rows[0],
      ).toEqual({
        n: 0,
      });
      expect(
        (await admin.query('SELECT count(*)::int AS n FROM register_anchors')).rows[0],
      ).toEqual({
        n: 0,
      });
    },
  );

  it('should still verify a database at this release’s schema', async () => {
    const { url, admin } = await databaseAt(MIGRATION_NAMES[0] ?? '');
    const db = createDatabase(url, 2);
    await migrateToLatest(db);
    await db.destroy();
    const { result, out } = await runCliInProcess(['register', 'verify'], { DATABASE_URL: url });
    expect(result).toEqual({ code: 0 });
    expect(JSON.parse(out)).toMatchObject({ intact: true, count: 0 });
    expect(await migrationsDone(admin)).toEqual(MIGRATION_NAMES);
  });
});
