import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { aDisclosure } from './support/register-entries.js';
import { runBuiltCli } from './support/run-cli.js';

let database: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: database.url };
  const repository = new RegisterRepository(database.db);
  await new RegisterService(repository, new RegisterAppender(repository)).appendAll([
    aDisclosure({ contract: { id: 'us-apis', version: 1, sha256: 'c'.repeat(64) } }),
    aDisclosure({
      contract: { id: 'us-apis', version: 1, sha256: 'c'.repeat(64) },
      subjects: ['P9'],
    }),
  ]);
});
afterAll(async () => {
  await database.drop();
});

describe('passerelle register', () => {
  it('should verify an intact register (exit 0) and publish its head', async () => {
    const run = await runBuiltCli(['register', 'verify'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ intact: true, count: 2, firstBad: null });
  });

  it('should export the Art. 30 record as CSV with the register’s counts', async () => {
    const run = await runBuiltCli(['register', 'ropa', '--format', 'csv'], env);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\r\n');
    // The seven contracts shipped, and version 1 of `us-apis` (version 2 is shipped), whose
    // disclosures the register holds.
    expect(rows).toHaveLength(9);
    expect(rows.find((row) => row.startsWith('us-apis,2,'))).toMatch(/,0,0,,0,0\s*$/);
    expect(rows.find((row) => row.startsWith('us-apis,1,'))).toMatch(/,2,3,[^,]+,0,2\s*$/);
  });

  it('should refuse a period that is not a date, or a day that does not exist', async () => {
    for (const from of ['last-year', '2027-13-01', '2027-02-30']) {
      const run = await runBuiltCli(['register', 'ropa', '--from', from], env);
      expect(run.code, from).toBe(2);
      expect(run.stderr).toContain('--from: must be a date YYYY-MM-DD');
    }
  });

  it('should refuse an unparsable DATABASE_URL with exit 2, naming the variable, never the password', async () => {
    // An unescaped `#` in the password: `new URL` throws a TypeError holding the whole URL,
    // which Node printed, password included.
    const run = await runBuiltCli(['register', 'verify'], {
      DATABASE_URL: 'postgres://postgres:pa#ss-s3cret@127.0.0.1:5432/passerelle',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(`${run.stdout}${run.stderr}`).not.toContain('ss-s3cret');
  });

  it('should say PostgreSQL cannot be reached and exit 2, not 1 (broken), when the server is down', async () => {
    const run = await runBuiltCli(['register', 'verify'], {
      DATABASE_URL: 'postgres://postgres:s3cret-pw@127.0.0.1:1/passerelle',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cannot reach PostgreSQL at DATABASE_URL (ECONNREFUSED)\n');
    expect(run.stdout).toBe('');
  });

  it('should exit 1 when a row was inserted with a seq the chain does not account for', async () => {
    const forged = await createTestDatabase();
    try {
      const repository = new RegisterRepository(forged.db);
      await new RegisterService(repository, new RegisterAppender(repository)).appendAll([
        aDisclosure(),
        aDisclosure(),
      ]);
      // A plain INSERT (the triggers refuse only UPDATE and DELETE) of a seq 0 naming P9.
      await forged.admin(
        `INSERT INTO register_entries
         SELECT * FROM jsonb_populate_record(NULL::register_entries, (
           SELECT to_jsonb(r) || jsonb_build_object('seq', 0, 'id', gen_random_uuid(), 'subjects', ARRAY['P9'])
             FROM register_entries r WHERE seq = 1))`,
      );
      const run = await runBuiltCli(['register', 'verify'], { DATABASE_URL: forged.url });
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ intact: false });
      expect(run.stderr).toMatch(/\(seq 0\) does not verify: sequence/);
    } finally {
      await forged.drop();
    }
  });

  it('should name the first bad entry and exit 1 when a row was changed behind the trigger’s back', async () => {
    const first = (await database.admin('SELECT id FROM register_entries WHERE seq = 1'))
      .rows[0] as { id: string };
    await database.admin('SET session_replication_role = replica');
    await database.admin("UPDATE register_entries SET subjects = ARRAY['P404'] WHERE seq = 1");
    await database.admin('SET session_replication_role = DEFAULT');
    const run = await runBuiltCli(['register', 'verify'], env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ intact: false, firstBad: first.id });
    expect(run.stderr).toContain(`entry ${first.id} (seq 1) does not verify: hash`);
  });
});
