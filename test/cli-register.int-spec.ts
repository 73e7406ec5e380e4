import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from './support/database.js';

/** `passerelle …` in process: its exit code and lines, or what it threw. */
const run = (argv: string[], env: Record<string, string>) => runCliInProcess(argv, env);

async function onServer<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const databaseExists = (name: string): Promise<boolean> =>
  onServer(
    async (client) =>
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );

const dropDatabase = (name: string): Promise<void> =>
  onServer(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

/** The URL of database `name` on the test server. */
function urlOf(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const REGISTER_COMMANDS = [
  ['register', 'verify'],
  ['register', 'anchor'],
  ['register', 'ropa'],
];

let database: TestDatabase;
let work: string;
beforeAll(async () => {
  database = await createTestDatabase('passerelle_cli_register');
  work = await mkdtemp(join(tmpdir(), 'passerelle-cli-register-'));
});
afterAll(async () => {
  await database.drop();
  await rm(work, { recursive: true, force: true });
});

const exportsRecorded = async (): Promise<number> =>
  Number(
    (
      (
        await database.admin(
          `SELECT count(*) AS n FROM register_entries WHERE reason = 'register read: Art. 30 export'`,
        )
      ).rows[0] as { n: string }
    ).n,
  );

describe('passerelle register when PostgreSQL cannot be reached', () => {
  it.each(REGISTER_COMMANDS)(
    'should say so without the URL and exit 2, not 1 (a broken chain), when %s %s cannot connect',
    async (...argv) => {
      const { result, out, err } = await run(argv, {
        DATABASE_URL: 'postgres://postgres:s3cret-pw@127.0.0.1:1/passerelle',
      });
      expect(result).toEqual({ code: 2 });
      expect(err).toBe('cannot reach PostgreSQL at DATABASE_URL (ECONNREFUSED)');
      expect(out).toBe('');
    },
  );
});

describe('passerelle register on a database that does not exist', () => {
  it.each(REGISTER_COMMANDS)(
    'should refuse it and not create it (exit 2) when %s %s names a database that does not exist',
    async (...argv) => {
      const name = `passerelle_cli_missing_${randomBytes(4).toString('hex')}`;
      try {
        const { result, out, err } = await run(argv, { DATABASE_URL: urlOf(name) });
        expect(await databaseExists(name)).toBe(false);
        expect(result).toEqual({ code: 2 });
        expect(err).toMatch(
          /^DATABASE_URL: the database does not exist; the register commands never create one/,
        );
        expect(err).not.toContain(name);
        expect(out).toBe('');
      } finally {
        await dropDatabase(name);
      }
    },
  );

  it('should refuse a database the gateway never set up, and leave it empty', async () => {
    const name = `passerelle_cli_empty_${randomBytes(4).toString('hex')}`;
    await onServer((client) => client.query(`CREATE DATABASE "${name}"`));
    try {
      const { result, out, err } = await run(['register', 'verify'], {
        DATABASE_URL: urlOf(name),
      });
      expect(result).toEqual({ code: 2 });
      expect(err).toMatch(/^DATABASE_URL: the database holds no register/);
      expect(out).toBe('');
      const client = new pg.Client({ connectionString: urlOf(name) });
      await client.connect();
      try {
        const tables = await client.query(
          `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`,
        );
        expect(tables.rowCount).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      await dropDatabase(name);
    }
  });

  it('should verify the register of a database the gateway set up (exit 0)', async () => {
    const { result, out } = await run(['register', 'verify'], { DATABASE_URL: database.url });
    expect(result).toEqual({ code: 0 });
    expect(JSON.parse(out)).toMatchObject({ intact: true });
  });
});

describe('passerelle register ropa --from --to', () => {
  it('should exit 2 naming --to, and record no read, when the period is inverted', async () => {
    const before = await exportsRecorded();
    const { result, err, out } = await run(
      ['register', 'ropa', '--from', '2027-03-01', '--to', '2027-02-01'],
      { DATABASE_URL: database.url },
    );
    expect({ result, recorded: (await exportsRecorded()) - before }).toEqual({
      result: { code: 2 },
      recorded: 0,
    });
    expect(err).toBe('--to: must not be before --from');
    expect(out).toBe('');
  });

  it('should export a period of one day (from equal to to is no inversion)', async () => {
    const { result } = await run(
      ['register', 'ropa', '--from', '2027-03-01', '--to', '2027-03-01'],
      {
        DATABASE_URL: database.url,
      },
    );
    expect(result).toEqual({ code: 0 });
  });
});

describe('passerelle register ropa --out', () => {
  it('should exit 2 naming --out, and record no read, when the folder of --out does not exist', async () => {
    const before = await exportsRecorded();
    const { result, err, out } = await run(
      ['register', 'ropa', '--out', join(work, 'missing', 'ropa.json')],
      { DATABASE_URL: database.url },
    );
    expect({ result, recorded: (await exportsRecorded()) - before }).toEqual({
      result: { code: 2 },
      recorded: 0,
    });
    expect(err).toBe('--out: its folder cannot be used (ENOENT)');
    expect(out).toBe('');
  });

  it('should exit 2 and record no read when --out is a folder', async () => {
    const folder = join(work, 'a-folder');
    await mkdir(folder);
    const before = await exportsRecorded();
    const { result, err } = await run(['register', 'ropa', '--out', folder], {
      DATABASE_URL: database.url,
    });
    expect(result).toEqual({ code: 2 });
    expect(err).toBe('--out: exists and is not a file');
    expect((await exportsRecorded()) - before).toBe(0);
  });

  it('should write the export, record the read once, and leave nothing else when --out can be written', async () => {
    const dir = join(work, 'written');
    await mkdir(dir);
    const before = await exportsRecorded();
    const { result } = await run(['register', 'ropa', '--out', join(dir, 'ropa.json')], {
      DATABASE_URL: database.url,
    });
    expect(result).toEqual({ code: 0 });
    expect((await exportsRecorded()) - before).toBe(1);
    expect(await readdir(dir)).toEqual(['ropa.json']);
    expect(JSON.parse(await readFile(join(dir, 'ropa.json'), 'utf8'))).toHaveProperty('activities');
  });
});
