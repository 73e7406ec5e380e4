import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledTemplate, createDatabase, prepared, type Db } from '../src/database/database.js';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let test: TestDatabase;
/** One connection: what it has prepared is what `pg_prepared_statements` shows it. */
let db: Db;

beforeAll(async () => {
  test = await createTestDatabase();
  db = createDatabase(test.url, 1);
});
afterAll(async () => {
  await db.destroy();
  await test.drop();
});

const preparedOnConnection = async () =>
  (
    await sql<{
      name: string;
      statement: string;
      calls: number;
    }>`SELECT name, statement, (generic_plans + custom_plans)::int AS calls FROM pg_prepared_statements`.execute(
      db,
    )
  ).rows;

describe('prepared statements', () => {
  it('should run a marked query as one named statement per connection, and others unnamed', async () => {
    const add = (n: number) => prepared(sql<{ n: number }>`SELECT ${n}::int + 1 AS n`.compile(db));
    const results = [];
    for (let n = 0; n < 8; n += 1) results.push((await db.executeQuery(add(n))).rows[0]?.n);
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await sql`SELECT 2 AS unmarked`.execute(db);
    const statements = await preparedOnConnection();
    expect(statements.map(({ statement, calls }) => ({ statement, calls }))).toEqual([
      { statement: 'SELECT $1::int + 1 AS n', calls: 8 },
    ]);
    expect(statements[0]?.name).toMatch(/^passerelle_[0-9a-f]{24}$/);
  });

  it('should run a statement unnamed from then on when a migration changed the columns of its `*`', async () => {
    await sql`CREATE TABLE prepared_probe (id int)`.execute(db);
    await sql`INSERT INTO prepared_probe VALUES (1)`.execute(db);
    const all = () =>
      prepared(sql<Record<string, number>>`SELECT * FROM prepared_probe`.compile(db));
    expect((await db.executeQuery(all())).rows).toEqual([{ id: 1 }]);
    await sql`ALTER TABLE prepared_probe ADD COLUMN more int DEFAULT 2`.execute(db);
    expect((await db.executeQuery(all())).rows).toEqual([{ id: 1, more: 2 }]);
    expect((await db.executeQuery(all())).rows).toEqual([{ id: 1, more: 2 }]);
  });

  it('should compile a template once and bind each call’s values in their places', async () => {
    let built = 0;
    const template = compiledTemplate((a: number, b: string) => {
      built += 1;
      return sql<{ a: number; b: string; c: number; again: number }>`
        SELECT ${a}::int AS a, ${b}::text AS b, ${7}::int AS c, ${a}::int + 1 AS again`;
    });
    const first = template(db, 1, 'x');
    const second = template(db, 2, 'y');
    expect(built).toBe(1);
    expect(second.sql).toBe(first.sql);
    expect((await db.executeQuery(first)).rows).toEqual([{ a: 1, b: 'x', c: 7, again: 2 }]);
    expect((await db.executeQuery(second)).rows).toEqual([{ a: 2, b: 'y', c: 7, again: 3 }]);
    expect((await preparedOnConnection()).map((s) => s.statement)).toContain(first.sql);
  });

  it('should prepare the emergency policy lookup, planned once for every call', async () => {
    const repository = new BookingsRepository(db);
    for (let n = 0; n < 7; n += 1) {
      const found = await repository.insuredByPolicy(Buffer.alloc(32, n), 'INS-A');
      expect(found.holders).toEqual([]);
    }
    const lookup = (await preparedOnConnection()).filter((s) =>
      s.statement.includes('holder_participant'),
    );
    expect(lookup).toHaveLength(1);
    expect(lookup[0]?.calls).toBe(7);
  });
});
