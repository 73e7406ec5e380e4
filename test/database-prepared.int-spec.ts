import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealEntries } from '../src/core/register/register-entry.js';
import { compiledTemplate, createDatabase, prepared, type Db } from '../src/database/database.js';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { aDisclosure } from './support/register-entries.js';

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

  it('should prepare the trip load and the lease, each planned once for every call', async () => {
    const bookings = new BookingsRepository(db);
    const transmissions = new TransmissionsRepository(db);
    for (let n = 0; n < 3; n += 1) {
      expect(await bookings.tripWithLiveBookings(`T-NONE-${n}`)).toBeUndefined();
      expect(await transmissions.startSending([randomUUID()], new Date(), 60_000)).toEqual([]);
    }
    const statements = await preparedOnConnection();
    const load = statements.filter((s) => s.statement.includes('FROM trips t'));
    const lease = statements.filter((s) => s.statement.includes('last_delivered_digest'));
    expect(load.map((s) => s.calls)).toEqual([3]);
    expect(lease.map((s) => s.calls)).toEqual([3]);
  });

  it('should settle the trip load, the claim and the search for missed ones on their generic plans: planned once, not on every call', async () => {
    // Trips with bookings and transmissions planned for tomorrow, their statistics taken:
    // each call's own plan, counting the ids it was given (fewer than the ten a generic plan
    // assumes) or knowing the moment (nothing due or past), looked cheaper every time.
    const bytes = `decode(repeat('00', 64), 'hex')`;
    await test.admin(`
      INSERT INTO trips (id, revision, document, ends_at, created_at, updated_at)
      SELECT 'T-GEN-' || n, 1, '{}', now(), now(), now() FROM generate_series(0, 199) n;
      INSERT INTO bookings (reference, trip_id, revision, status, participant_ids, ciphertext,
                            iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id,
                            created_at, updated_at)
      SELECT 'B-GEN-' || n || '-' || k, 'T-GEN-' || n, 1, 'confirmed', ARRAY['P-' || n || '-' || k],
             ${bytes}, ${bytes}, ${bytes}, ${bytes}, ${bytes}, ${bytes}, 'k1', now(), now()
      FROM generate_series(0, 199) n, generate_series(1, 4) k;
      INSERT INTO transmissions (id, contract_id, contract_version, trip_id, unit_key,
                                 recipient_id, kind, moment, due_at, deadline, status, digest,
                                 created_at, updated_at)
      SELECT md5('T-GEN-' || n)::uuid, 'airline-group-list', 1, 'T-GEN-' || (n % 200),
             'flight:F' || n, 'AF', 'scheduled', 0, now() + interval '1 day',
             now() + interval '2 days', 'planned', 'digest', now(), now()
      FROM generate_series(1, 3000) n;
      ANALYZE trips; ANALYZE bookings; ANALYZE transmissions`);
    // A connection of its own: PostgreSQL weighs a statement's generic plan against the
    // average of the plans it made for it so far on this connection (the other tests' ran
    // on empty tables).
    const own = createDatabase(test.url, 1);
    try {
      const bookings = new BookingsRepository(own);
      const transmissions = new TransmissionsRepository(own);
      for (let n = 0; n < 9; n += 1) {
        const loaded = await bookings.tripsWithLiveBookings([`T-GEN-${n}`, `T-GEN-${n + 50}`]);
        expect([...loaded.values()].map((trip) => trip.rows.length)).toEqual([4, 4]);
        await own.transaction().execute(async (trx) => {
          expect(await trx.executeQuery(transmissions.claimQuery(new Date(), 500, 100))).toEqual(
            expect.objectContaining({ rows: [] }),
          );
        });
        expect(await transmissions.markMissed(new Date())).toEqual([]);
      }
      const plans = (
        await sql<{
          statement: string;
          generic: number;
          custom: number;
        }>`SELECT statement, generic_plans::int AS generic, custom_plans::int AS custom
             FROM pg_prepared_statements`.execute(own)
      ).rows;
      const plansOf = (fragment: string) =>
        plans
          .filter((s) => s.statement.includes(fragment))
          .map(({ generic, custom }) => ({ generic, custom }));
      // PostgreSQL plans the first five calls for their values, then compares.
      for (const fragment of ['FROM trips t', 'WITH picked AS', "SET status = 'missed'"]) {
        expect(plansOf(fragment)).toEqual([{ generic: 4, custom: 5 }]);
      }
    } finally {
      await own.destroy();
    }
  });

  it('should read the policy holder’s booking by its key, whatever the statistics say', async () => {
    // Statistics taken while the table held two bookings, then two hundred more: a join the
    // planner may flatten sorted every live booking to merge them with the one policy row,
    // and a prepared statement kept that plan.
    const bytes = `decode(repeat('00', 64), 'hex')`;
    const ciphertext = `decode(repeat('00', 2000), 'hex')`;
    const sealed = `${ciphertext}, ${bytes}, ${bytes}, ${bytes}, ${bytes}, ${bytes}, 'k1'`;
    const insertBookings = async (from: number, to: number) => {
      await test.admin(`
        INSERT INTO trips (id, revision, document, ends_at, created_at, updated_at)
        SELECT 'T-' || n, 1, '{}', now(), now(), now() FROM generate_series(${from}, ${to - 1}) n;
        INSERT INTO bookings (reference, trip_id, revision, status, participant_ids, ciphertext,
                              iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id,
                              created_at, updated_at)
        SELECT 'B-' || n, 'T-' || n, 1, 'confirmed', ARRAY['P-' || n], ${sealed}, now(), now()
        FROM generate_series(${from}, ${to - 1}) n;
        INSERT INTO booking_policies (booking_reference, participant_id, trip_id, insurer_id,
                                      policy_digest)
        SELECT 'B-' || n, 'P-' || n, 'T-' || n, 'INS-A', sha256(('P-' || n)::bytea)
        FROM generate_series(${from}, ${to - 1}) n`);
    };
    await insertBookings(0, 160);
    const repository = new BookingsRepository(db);
    const digest = createHash('sha256').update('P-7').digest();
    const found = await repository.insuredByPolicy(digest, 'INS-A');
    expect(found.holders.map((h) => h.bookingReference)).toEqual(['B-7']);
    const name = (await preparedOnConnection()).find((s) =>
      s.statement.includes('holder_participant'),
    )?.name;
    expect(name).toBeDefined();
    // The plan every later call runs once the connection settles on the generic one.
    await sql`SET plan_cache_mode = force_generic_plan`.execute(db);
    try {
      const plan = await sql<{ 'QUERY PLAN': unknown }>`
        EXPLAIN (FORMAT JSON) EXECUTE ${sql.id(name ?? '')}('INS-A', ${sql.raw(`decode('${digest.toString('hex')}', 'hex')`)})`.execute(
        db,
      );
      const nodes: { 'Relation Name'?: string; 'Index Name'?: string; Alias?: string }[] = [];
      const walk = (node: Record<string, unknown>) => {
        nodes.push(node);
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) {
          walk(child);
        }
      };
      walk((plan.rows[0]?.['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]?.Plan ?? {});
      // The holder's booking (`hb`, however the planner renames it): one read by its key.
      const holder = nodes.filter(
        (node) => node['Relation Name'] === 'bookings' && node.Alias?.startsWith('hb') === true,
      );
      expect(holder.map((node) => node['Index Name'])).toEqual(['bookings_pkey']);
    } finally {
      await sql`SET plan_cache_mode = auto`.execute(db);
    }
  });

  it('should prepare the register’s append, one statement for every batch', async () => {
    const register = new RegisterRepository(db);
    const at = new Date('2026-11-26T10:00:00Z');
    await register.ensurePartition(at);
    for (let batch = 1; batch <= 3; batch += 1) {
      const head = await register.readHead();
      const inputs = Array.from({ length: batch }, () => aDisclosure());
      const entries = sealEntries(
        inputs,
        head,
        at.toISOString(),
        inputs.map(() => randomUUID()),
      );
      expect(await register.appendIfHead(entries, head)).toBe(true);
    }
    expect((await register.readHead()).seq).toBe(6);
    const append = (await preparedOnConnection()).filter((s) =>
      s.statement.includes('UPDATE register_head'),
    );
    expect(append.map((s) => s.calls)).toEqual([3]);
  });
});

describe('a connection taken from the pool', () => {
  it('should survive the server dropping it between two statements, and fail the next one', async () => {
    await db.connection().execute(async (connection) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(
        connection,
      );
      // Dropped by the server while this code holds the connection, no statement running.
      await test.admin('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(sql`SELECT 1`.execute(connection)).rejects.toThrow();
    });
    // The pool gave the broken client up: the next statement has a connection of its own.
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });
});
