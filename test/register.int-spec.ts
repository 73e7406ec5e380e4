import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/database/database.js';
import { ERASED_SEALED_COLUMNS } from '../src/modules/bookings/bookings.repository.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { aDisclosure } from './support/register-entries.js';
import { repoPath } from './support/shipped-catalog.js';

const run = promisify(execFile);

let test: TestDatabase;
let service: RegisterService;

function serviceFor(database: TestDatabase, now?: () => Date): RegisterService {
  const repository = new RegisterRepository(database.db);
  return new RegisterService(
    repository,
    new RegisterAppender(repository, now === undefined ? {} : { now }),
  );
}

/** Two register services on one database, each counting the times it took the head's lock. */
function twoAppendingServices(): { a: RegisterService; b: RegisterService; locks: number[] } {
  const repositories = [new RegisterRepository(test.db), new RegisterRepository(test.db)];
  const locks = [0, 0];
  repositories.forEach((repository, n) => {
    const lockHead = repository.lockHead.bind(repository);
    repository.lockHead = (trx) => {
      locks[n] = (locks[n] ?? 0) + 1;
      return lockHead(trx);
    };
  });
  const [a, b] = repositories.map(
    (repository) => new RegisterService(repository, new RegisterAppender(repository)),
  );
  if (a === undefined || b === undefined) throw new Error('two services');
  return { a, b, locks };
}

beforeAll(async () => {
  test = await createTestDatabase();
  service = serviceFor(test);
});
afterAll(async () => {
  await test.drop();
});

describe('the register in PostgreSQL', () => {
  it('should append entries in one chain that verifies, with no payload and no personal value', async () => {
    const entries = await service.appendAll([aDisclosure(), aDisclosure({ subjects: ['P3'] })]);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    const stored = await service.byId(entries[0]?.id ?? '');
    expect(stored).toEqual(entries[0]);
    const verify = await service.verify();
    expect(verify).toMatchObject({
      intact: true,
      count: 2,
      headSeq: 2,
      headHash: entries[1]?.hash,
      firstBad: null,
      problems: [],
    });
  });

  it('should store text beyond Latin-1 as it was given, in a chain that verifies', async () => {
    // Sent to PostgreSQL as JSON escapes (`jsonDocument`): read back as the characters.
    const [entry] = await service.appendAll([
      aDisclosure({
        purpose: 'Héberger le groupe — chambres, repas 🍽️ et accès',
        recipient: { id: 'HTL-1', name: 'Hôtel Łódź “Centrum”', category: 'hotel' },
        detail: { note: 'ß — 😀', attempt: 1 },
      }),
    ]);
    expect(await service.byId(entry?.id ?? '')).toEqual(entry);
    expect((await service.verify()).intact).toBe(true);
  });

  it('should commit a companion row with its entry, and neither when the row is refused', async () => {
    const companion = (id: string, outcome: string) =>
      ({
        table: 'emergency_requests',
        row: (entry: { id: string }) => ({
          id,
          client_id: 'c',
          insurer_id: 'I',
          outcome: outcome as 'released',
          refusal: null,
          register_entry_id: entry.id,
          trip_id: null,
          booking_reference: null,
          participant_id: null,
          request_sha256: 'x',
          ...ERASED_SEALED_COLUMNS,
          created_at: new Date(),
          erased_at: null,
        }),
      }) as const;
    const good = '11111111-1111-4111-8111-111111111111';
    const entry = await service.appendWith(
      aDisclosure({ subjects: ['PC'] }),
      companion(good, 'released'),
    );
    const { rows } = await test.admin(
      'SELECT register_entry_id FROM emergency_requests WHERE id = $1',
      [good],
    );
    expect(rows).toEqual([{ register_entry_id: entry.id }]);
    // The row breaks a CHECK: the entry is not appended either.
    const headBefore = (await service.verify()).headSeq;
    await expect(
      service.appendWith(
        aDisclosure({ subjects: ['PD'] }),
        companion('22222222-2222-4222-8222-222222222222', 'unknown'),
      ),
    ).rejects.toThrow();
    expect((await service.verify()).headSeq).toBe(headBefore);
    expect(await service.aboutSubject('PD')).toEqual([]);
  });

  it('should append the entries a step returns, in its transaction, and nothing when it fails', async () => {
    const before = (await service.verify()).headSeq;
    const { entries, result } = await service.appendAfter(async (trx) => {
      // The step runs in the append's transaction, before its entries are sealed.
      const head = await trx
        .selectFrom('register_head')
        .select('seq')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return {
        inputs: [
          aDisclosure({ transmissionId: 'step-1' }),
          aDisclosure({ transmissionId: 'step-2' }),
        ],
        result: Number(head.seq),
      };
    }, 2);
    expect(result).toBe(before);
    expect(entries.map((entry) => entry.seq)).toEqual([before + 1, before + 2]);
    await expect(
      service.appendAfter(() => Promise.reject(new Error('the step failed'))),
    ).rejects.toThrow('the step failed');
    expect((await service.verify()).headSeq).toBe(before + 2);
    expect((await service.verify()).intact).toBe(true);
  });

  it('should refuse UPDATE, DELETE and TRUNCATE for every role, the table owner and superuser included', async () => {
    await service.append(aDisclosure());
    await expect(test.admin("UPDATE register_entries SET recipient_id = 'XX'")).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(test.admin('DELETE FROM register_entries')).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(test.admin('TRUNCATE register_entries')).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    const partition = (
      await test.admin(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'register_entries' LIMIT 1",
      )
    ).rows[0] as { relname: string };
    await expect(test.admin(`TRUNCATE ${partition.relname}`)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    await expect(test.admin(`DELETE FROM ${partition.relname}`)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(test.admin('DELETE FROM register_anchors')).resolves.toBeDefined(); // no rows: no row trigger fires
    await service.anchor(new Date());
    await expect(test.admin('UPDATE register_anchors SET hash = hash')).rejects.toThrow(
      /append-only/,
    );
    expect((await service.verify()).intact).toBe(true);
  });

  it('should keep one valid chain under concurrent appends from several connections and processes', async () => {
    const appenders = [serviceFor(test), serviceFor(test), serviceFor(test)];
    const before = (await service.verify()).headSeq;
    const script = repoPath('test/fixtures/append-entries.mjs');
    const processes = [1, 2].map((n) =>
      run(process.execPath, [script, test.url, String(n), '60'], { cwd: repoPath('.') }),
    );
    await Promise.all([
      ...appenders.flatMap((s, n) =>
        Array.from({ length: 40 }, (_, i) =>
          s.append(aDisclosure({ transmissionId: `conn-${n}-${i}` })),
        ),
      ),
      ...processes,
    ]);
    const verify = await service.verify();
    expect(verify.intact).toBe(true);
    expect(verify.headSeq).toBe(before + 3 * 40 + 2 * 60);
    const fromProcesses = await service.list({ transmissionId: 'process-1-0' }, undefined, 10);
    expect(fromProcesses.items).toHaveLength(1);
  }, 60_000);

  it('should append in one statement while the head is its own, and take the lock when another appended since', async () => {
    const { a, b, locks } = twoAppendingServices();
    const seqs: number[] = [];
    const append = async (s: RegisterService, tag: string) =>
      seqs.push((await s.append(aDisclosure({ transmissionId: tag }))).seq);
    await append(a, 'a-1'); // first: the head is unknown, locked
    await append(a, 'a-2'); // its own head: one statement
    const oneStatement = await a.append(
      aDisclosure({ transmissionId: 'a-3', detail: { attempt: 2, files: 1, code: 'x' } }),
    );
    seqs.push(oneStatement.seq);
    expect(await a.byId(oneStatement.id)).toEqual(oneStatement);
    expect(locks).toEqual([1, 0]);
    await append(b, 'b-1'); // unknown head: locked
    await append(a, 'a-4'); // stale head: refused, then locked
    await append(a, 'a-5');
    await append(b, 'b-2'); // stale: locked
    expect(locks).toEqual([2, 2]);
    // After a step too: its own head, no lock; another's since, the lock.
    const afterStep = async (s: RegisterService, tag: string) =>
      seqs.push(
        ...(
          await s.appendAfter(() =>
            Promise.resolve({ inputs: [aDisclosure({ transmissionId: tag })], result: null }),
          )
        ).entries.map((entry) => entry.seq),
      );
    await afterStep(b, 'b-3');
    expect(locks).toEqual([2, 2]);
    await afterStep(a, 'a-6');
    expect(locks).toEqual([3, 2]);
    expect(seqs.slice(1).map((seq, i) => seq - (seqs[i] ?? 0))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect((await service.verify()).intact).toBe(true);
  });

  it('should write companion rows in the one statement, bytes intact, and once after another appended', async () => {
    const { a, b, locks } = twoAppendingServices();
    const sealed = {
      ciphertext: Buffer.from([0, 1, 2, 0x5c, 0x78, 255]),
      iv: Buffer.alloc(12, 7),
      auth_tag: Buffer.alloc(16, 9),
      wrapped_key: Buffer.alloc(32, 0xfe),
      wrap_iv: Buffer.alloc(12, 1),
      wrap_tag: Buffer.alloc(16, 2),
      key_id: 'k1',
    };
    const companion = (id: string) =>
      ({
        table: 'emergency_requests',
        row: (entry: { id: string }) => ({
          id,
          client_id: 'c',
          insurer_id: 'I',
          outcome: 'refused' as const,
          refusal: 'unknown-policy',
          register_entry_id: entry.id,
          trip_id: null,
          booking_reference: null,
          participant_id: null,
          request_sha256: 'y',
          ...sealed,
          created_at: new Date('2026-11-26T10:00:00.123Z'),
          erased_at: null,
        }),
      }) as const;
    const ids = [1, 2, 3].map((n) => `3333333${n}-3333-4333-8333-333333333333`);
    await a.append(aDisclosure({ transmissionId: 'c-0' })); // the head known from here on
    // Several at once: one batch, one statement, no lock.
    const together = await Promise.all([
      a.appendWith(aDisclosure({ subjects: ['PE'] }), companion(ids[0] ?? '')),
      a.appendWith(aDisclosure({ subjects: ['PF'] }), companion(ids[1] ?? '')),
    ]);
    expect(locks).toEqual([1, 0]);
    await b.append(aDisclosure({ transmissionId: 'c-1' })); // a's head is stale now
    const after = await a.appendWith(aDisclosure({ subjects: ['PG'] }), companion(ids[2] ?? ''));
    expect(locks).toEqual([2, 1]);
    const { rows } = await test.admin(
      `SELECT id, register_entry_id, ciphertext, iv, auth_tag, wrapped_key, wrap_iv, wrap_tag,
              key_id, created_at FROM emergency_requests WHERE id = ANY($1) ORDER BY id`,
      [ids],
    );
    expect(rows).toEqual(
      [...together, after].map((entry, i) => ({
        id: ids[i],
        register_entry_id: entry.id,
        ...sealed,
        created_at: new Date('2026-11-26T10:00:00.123Z'),
      })),
    );
    expect((await service.verify()).intact).toBe(true);
  });

  it('should name the first bad entry when a row is edited behind the trigger’s back', async () => {
    const other = await createTestDatabase();
    try {
      const s = serviceFor(other);
      const entries = await s.appendAll([
        aDisclosure(),
        aDisclosure(),
        aDisclosure(),
        aDisclosure(),
      ]);
      const victim = entries[1];
      await other.admin('SET session_replication_role = replica');
      await other.admin(
        "UPDATE register_entries SET recipient_name = 'Somebody else' WHERE id = $1",
        [victim?.id],
      );
      await other.admin('SET session_replication_role = DEFAULT');
      const verify = await s.verify();
      expect(verify.intact).toBe(false);
      expect(verify.firstBad).toBe(victim?.id);
      expect(verify.problems[0]).toMatch(/does not verify: hash/);
    } finally {
      await other.drop();
    }
  });

  it('should catch every edit behind the trigger’s back that the canonical form does not see, naming the column and the rule', async () => {
    const other = await createTestDatabase();
    try {
      const s = serviceFor(other);
      // Entries of every shape an append writes: a null, a boolean and a string in the
      // detail, a payload of 0 bytes, an empty recipient name, no contract, no transport,
      // a transport without an endpoint.
      const entries = await s.appendAll([
        aDisclosure({ detail: { attempt: 1, final: true, code: 'X', previous: null } }),
        aDisclosure({
          payload: { sha256: 'c'.repeat(64), bytes: 0, format: 'csv' },
          recipient: { id: 'AF', name: '', category: 'airline' },
        }),
        {
          event: 'ops-action',
          subjects: ['P1'],
          fields: [],
          categories: [],
          withheld: [],
          actor: { kind: 'ops', id: 'ops-key' },
          reason: 'ticket 42',
        },
        aDisclosure({ transport: { type: 'outbox' } }),
      ]);
      expect((await s.verify()).intact).toBe(true);
      const [detailed, emptyish, bare, outbox] = entries.map((entry) => entry.id);
      const cases: { edit: string; victim: string | undefined; rule: string }[] = [
        {
          edit: `detail = jsonb_set(detail, '{previous}', '{"a": 1}')`,
          victim: detailed,
          rule: 'detail: a value other than a string, a number, a boolean or null',
        },
        {
          edit: `detail = jsonb_set(detail, '{previous}', '[1]')`,
          victim: detailed,
          rule: 'detail: a value other than a string, a number, a boolean or null',
        },
        {
          edit: `withheld = '[{"subject": "P2", "field": "participant.meal", "reason": "no-consent", "note": "x"}]'`,
          victim: detailed,
          rule: 'withheld: an item other than a subject, a field and a reason, each a string',
        },
        {
          edit: 'payload_bytes = NULL',
          victim: emptyish,
          rule: 'payload_bytes: NULL beside payload_sha256',
        },
        {
          edit: 'recipient_name = NULL',
          victim: emptyish,
          rule: 'recipient_name: NULL beside recipient_id',
        },
        {
          edit: 'contract_version = 3',
          victim: bare,
          rule: 'contract_version: set without contract_id',
        },
        { edit: `detail = 'null'`, victim: bare, rule: 'detail: not a JSON object' },
        {
          edit: `endpoint_id = 'elsewhere'`,
          victim: bare,
          rule: 'endpoint_id: set without transport',
        },
        {
          edit: `occurred_at = occurred_at + interval '400 microseconds'`,
          victim: outbox,
          rule: 'occurred_at: a part finer than the millisecond',
        },
        {
          edit: 'subjects = array_append(subjects, NULL)',
          victim: outbox,
          rule: 'subjects: a NULL element',
        },
      ];
      for (const { edit, victim, rule } of cases) {
        await other.admin('SET session_replication_role = replica');
        await other.admin(
          'CREATE TEMP TABLE kept AS SELECT * FROM register_entries WHERE id = $1',
          [victim],
        );
        await other.admin(`UPDATE register_entries SET ${edit} WHERE id = $1`, [victim]);
        const verify = await s.verify();
        // Put back as it was, for the next case.
        await other.admin('DELETE FROM register_entries WHERE id = $1', [victim]);
        await other.admin('INSERT INTO register_entries SELECT * FROM kept');
        await other.admin('DROP TABLE kept');
        await other.admin('SET session_replication_role = DEFAULT');
        expect({ edit, intact: verify.intact, firstBad: verify.firstBad }).toEqual({
          edit,
          intact: false,
          firstBad: victim,
        });
        expect(verify.problems[0]).toBe(
          `entry ${victim ?? ''} (seq ${entries.find((e) => e.id === victim)?.seq ?? 0}) does not verify: irregular (${rule})`,
        );
      }
      expect((await s.verify()).intact).toBe(true);
    } finally {
      await other.drop();
    }
  });

  it('should refuse only the append whose detail cannot be sealed, not the appends batched with it', async () => {
    // The first is being written; the two after it wait for the next batch, together.
    const first = service.appendAll([aDisclosure()]);
    const good = service.appendAll([aDisclosure({ subjects: ['P7'] })]);
    const bad = service.append(aDisclosure({ detail: { attempt: Number.NaN } }));
    const refused = expect(bad).rejects.toThrow(
      'register entry detail.attempt: a string, a finite number, a boolean or null',
    );
    await first;
    // Another caller's mistake: this one's entry (a delivery's outcome, an emergency release)
    // is written all the same.
    expect(await good).toHaveLength(1);
    await refused;
    expect((await service.verify()).intact).toBe(true);
  });

  it('should catch the newest rows deleted behind the trigger’s back, by the head and the anchors', async () => {
    const other = await createTestDatabase();
    try {
      const s = serviceFor(other);
      await s.appendAll(Array.from({ length: 5 }, () => aDisclosure()));
      const anchor = await s.anchor(new Date());
      expect(anchor?.seq).toBe(5);
      await s.appendAll(Array.from({ length: 3 }, () => aDisclosure()));
      await other.admin('SET session_replication_role = replica');
      await other.admin('DELETE FROM register_entries WHERE seq > 4');
      await other.admin('SET session_replication_role = DEFAULT');
      const verify = await s.verify();
      expect(verify.intact).toBe(false);
      expect(verify.firstBad).toBeNull();
      expect(verify.problems).toEqual([
        'the chain ends at seq 4 but the head says seq 8: entries are missing or were altered',
        `the anchor of ${anchor?.anchoredAt ?? ''} does not match entry seq 5`,
      ]);
    } finally {
      await other.drop();
    }
  });

  it('should drop whole expired month segments and still verify what remains', async () => {
    const other = await createTestDatabase();
    try {
      let clock = new Date('2020-01-15T10:00:00Z');
      const s = serviceFor(other, () => clock);
      await s.appendAll([aDisclosure(), aDisclosure()]);
      clock = new Date('2020-02-10T10:00:00Z');
      const lastOld = await s.append(aDisclosure());
      clock = new Date('2026-10-01T10:00:00Z');
      await s.appendAll([aDisclosure(), aDisclosure()]);
      const { dropped } = await s.applyRetention(new Date('2026-11-26T00:00:00Z'), { years: 5 });
      expect(dropped).toEqual(['register_entries_p202001', 'register_entries_p202002']);
      const verify = await s.verify();
      expect(verify).toMatchObject({ intact: true, count: 2, startSeq: lastOld.seq, headSeq: 5 });
      expect(
        (await s.applyRetention(new Date('2026-11-26T00:00:00Z'), { years: 5 })).dropped,
      ).toEqual([]);
    } finally {
      await other.drop();
    }
  });
});

/**
 * Inserts, as anyone who may INSERT could (the triggers refuse only UPDATE and DELETE), a
 * copy of the row at `seq` with `changes`, `laterBy` milliseconds after it.
 */
async function insertForgedCopy(
  database: TestDatabase,
  seq: number,
  changes: Readonly<Record<string, unknown>>,
  laterBy = 0,
): Promise<void> {
  await database.admin(
    `INSERT INTO register_entries
     SELECT * FROM jsonb_populate_record(NULL::register_entries, (
       SELECT to_jsonb(r) || jsonb_build_object('occurred_at', r.occurred_at + $3 * interval '1 millisecond') || $2::jsonb
         FROM register_entries r WHERE seq = $1))`,
    [seq, JSON.stringify(changes), laterBy],
  );
}

describe('verifying the register', () => {
  let other: TestDatabase;
  let s: RegisterService;
  beforeAll(async () => {
    other = await createTestDatabase();
    s = serviceFor(other);
  });
  afterAll(async () => {
    await other.drop();
  });

  it('should fail when a row with seq 0 was inserted, though every other row verifies', async () => {
    await s.appendAll(Array.from({ length: 3 }, () => aDisclosure()));
    const forged = randomUUID();
    await insertForgedCopy(other, 1, { seq: 0, id: forged, subjects: ['P9'] });
    const verify = await s.verify();
    expect(verify).toMatchObject({ intact: false, firstBad: forged, startSeq: 0 });
    expect(verify.problems[0]).toBe(`entry ${forged} (seq 0) does not verify: sequence`);
  });

  it('should fail when a second row takes a seq already used, at the end of a batch of 5000', async () => {
    const database = await createTestDatabase();
    try {
      const fresh = serviceFor(database);
      for (let n = 0; n < 5; n += 1)
        await fresh.appendAll(Array.from({ length: 1001 }, () => aDisclosure()));
      expect((await fresh.verify()).intact).toBe(true);
      const forged = randomUUID();
      await insertForgedCopy(database, 5000, { id: forged, subjects: ['P9'] }, 1);
      const verify = await fresh.verify();
      expect(verify).toMatchObject({ intact: false, firstBad: forged });
      expect(verify.problems[0]).toBe(`entry ${forged} (seq 5000) does not verify: sequence`);
    } finally {
      await database.drop();
    }
  }, 60_000);

  it('should end a verification told to stop before its next batch, and verify in full otherwise', async () => {
    const database = await createTestDatabase();
    try {
      const fresh = serviceFor(database);
      for (let n = 0; n < 5; n += 1)
        await fresh.appendAll(Array.from({ length: 1001 }, () => aDisclosure()));
      // A process shutting down (its daily verification's signal aborted) does not read on.
      await expect(fresh.verify(AbortSignal.abort())).rejects.toMatchObject({
        name: 'AbortError',
      });
      const stopLater = new AbortController();
      await expect(fresh.verify(stopLater.signal)).resolves.toMatchObject({
        intact: true,
        count: 5005,
      });
    } finally {
      await database.drop();
    }
  }, 60_000);

  it('should fail when rows lie beyond the head, even when they chain', async () => {
    const database = await createTestDatabase();
    try {
      const fresh = serviceFor(database);
      const [first] = await fresh.appendAll([aDisclosure(), aDisclosure()]);
      // The head put back one entry: the second row now lies beyond it.
      await database.admin('UPDATE register_head SET seq = 1, hash = $1, count = 1', [first?.hash]);
      const verify = await fresh.verify();
      expect(verify.intact).toBe(false);
      expect(verify.problems).toContain('1 row(s) lie beyond the head (seq > 1)');
    } finally {
      await database.drop();
    }
  });

  it('should verify the entries before a retention anchor that are still present, and catch one edited', async () => {
    const database = await createTestDatabase();
    try {
      const fresh = serviceFor(database);
      const entries = await fresh.appendAll(Array.from({ length: 4 }, () => aDisclosure()));
      const victim = entries[1];
      await database.admin('SET session_replication_role = replica');
      await database.admin("UPDATE register_entries SET subjects = ARRAY['P9'] WHERE id = $1", [
        victim?.id,
      ]);
      await database.admin('SET session_replication_role = DEFAULT');
      // A retention anchor forged at the head: nothing was dropped.
      await database.admin(
        "INSERT INTO register_anchors (kind, anchored_at, seq, hash, count) SELECT 'retention', now(), seq, hash, count FROM register_head",
      );
      const verify = await fresh.verify();
      expect(verify).toMatchObject({ intact: false, firstBad: victim?.id, startSeq: 0 });
      expect(verify.problems[0]).toMatch(/does not verify: hash/);
    } finally {
      await database.drop();
    }
  });

  it('should fail when a retention anchor does not match the entry at its seq', async () => {
    const database = await createTestDatabase();
    try {
      const fresh = serviceFor(database);
      await fresh.appendAll(Array.from({ length: 3 }, () => aDisclosure()));
      await database.admin(
        "INSERT INTO register_anchors (kind, anchored_at, seq, hash, count) VALUES ('retention', '2030-01-01T00:00:00Z', 2, $1, 3)",
        ['f'.repeat(64)],
      );
      const verify = await fresh.verify();
      expect(verify).toMatchObject({ intact: false, firstBad: null, count: 3, startSeq: 0 });
      expect(verify.problems).toEqual([
        'the retention anchor of 2030-01-01T00:00:00.000Z does not match entry seq 2',
      ]);
    } finally {
      await database.drop();
    }
  });

  it('should report an intact chain when entries are appended while it verifies', async () => {
    const database = await createTestDatabase();
    try {
      const writer = serviceFor(database);
      await writer.appendAll(Array.from({ length: 3 }, () => aDisclosure()));
      const repository = new RegisterRepository(database.db);
      const verifying = new RegisterService(repository, new RegisterAppender(repository));
      const readHead = repository.readHead.bind(repository);
      const nextInChain = repository.nextInChain.bind(repository);
      let appended = 0;
      // Another process appends just before the head is read, and again once rows were read.
      repository.readHead = async (executor) => {
        await writer.append(aDisclosure());
        appended += 1;
        return readHead(executor);
      };
      repository.nextInChain = async (trx, limit) => {
        const rows = await nextInChain(trx, limit);
        if (appended < 2) {
          await writer.append(aDisclosure());
          appended += 1;
        }
        return rows;
      };
      const verify = await verifying.verify();
      expect(appended).toBe(2);
      expect(verify).toMatchObject({ intact: true, problems: [], count: 4, headSeq: 4 });
      expect(await writer.verify()).toMatchObject({ intact: true, count: 5, headSeq: 5 });
    } finally {
      await database.drop();
    }
  });
});

describe('reading the register', () => {
  let reader: RegisterService;
  let other: TestDatabase;
  beforeAll(async () => {
    other = await createTestDatabase();
    reader = serviceFor(other);
    const inputs = [
      aDisclosure({
        subjects: ['A1'],
        recipient: { id: 'AF', name: 'Airline', category: 'airline' },
        contract: { id: 'us-apis', version: 1, sha256: 'c'.repeat(64) },
        tripId: 'T-1',
      }),
      aDisclosure({
        subjects: ['A1', 'B1'],
        recipient: { id: 'HTL', name: 'Hotel', category: 'hotel' },
        contract: { id: 'hotel-rooming-list', version: 2, sha256: 'd'.repeat(64) },
        tripId: 'T-1',
      }),
      aDisclosure({
        event: 'disclosure-failed',
        subjects: ['B1'],
        recipient: { id: 'AF', name: 'Airline', category: 'airline' },
        tripId: 'T-2',
      }),
      aDisclosure({
        subjects: ['C1'],
        recipient: { id: 'INS', name: 'Insurer', category: 'insurer' },
        contract: { id: 'insurer-enrollment', version: 1, sha256: 'e'.repeat(64) },
        tripId: 'T-2',
      }),
    ];
    for (let i = 0; i < 30; i += 1) await reader.appendAll(inputs);
  });
  afterAll(async () => {
    await other.drop();
  });

  it.each([
    [{ subjectId: 'A1' }, 60],
    [{ subjectId: 'B1' }, 60],
    [{ recipientId: 'AF' }, 60],
    [{ contractId: 'hotel-rooming-list' }, 30],
    [{ tripId: 'T-2' }, 60],
    [{ outcome: 'failed' }, 30],
    [{ subjectId: 'B1', outcome: 'delivered' }, 30],
    [{ recipientId: 'AF', tripId: 'T-1' }, 30],
  ])('should return exactly the rows matching %j', async (filters, expected) => {
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await reader.list(filters, cursor, 7);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(all).toHaveLength(expected);
    expect(new Set(all.map((e) => e.id)).size).toBe(expected);
    const f = filters as Record<string, string>;
    for (const entry of all) {
      if (f.subjectId !== undefined) expect(entry.subjects).toContain(f.subjectId);
      if (f.recipientId !== undefined) expect(entry.recipient?.id).toBe(f.recipientId);
      if (f.contractId !== undefined) expect(entry.contract?.id).toBe(f.contractId);
      if (f.tripId !== undefined) expect(entry.tripId).toBe(f.tripId);
      if (f.outcome !== undefined) expect(entry.outcome).toBe(f.outcome);
    }
  });

  it('should filter by period', async () => {
    const first = (await reader.list({}, undefined, 200)).items.at(-1);
    const page = await reader.list(
      { from: new Date(first?.occurredAt ?? 0), to: new Date(Date.now() + 60_000) },
      undefined,
      200,
    );
    expect(page.items.length).toBe(120);
    expect(
      (await reader.list({ to: new Date(first?.occurredAt ?? 0) }, undefined, 200)).items,
    ).toEqual([]);
  });

  it('should neither repeat nor skip entries while new ones arrive between pages', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await reader.list({ subjectId: 'C1' }, cursor, 4);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
      // Concurrent appends, about the same subject.
      await reader.appendAll([aDisclosure({ subjects: ['C1'] })]);
    } while (cursor !== undefined);
    expect(pages).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(30);
  });

  it('should list every entry about a subject and nothing about anyone else', async () => {
    const entries = await reader.aboutSubject('A1');
    expect(entries).toHaveLength(60);
    expect(entries.every((entry) => entry.subjects.includes('A1'))).toBe(true);
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('should refuse a cursor it did not issue', async () => {
    await expect(reader.list({}, 'not-a-cursor', 5)).rejects.toThrow(RangeError);
  });
});

describe('the database layer', () => {
  it('should create a missing database and migrate it, twice without harm', async () => {
    const other = await createTestDatabase('passerelle_create');
    try {
      const again = createDatabase(other.url);
      const { migrateToLatest, MIGRATION_NAMES } = await import('../src/database/database.js');
      await migrateToLatest(again);
      await again.destroy();
      expect(
        (await other.admin('SELECT name FROM kysely_migration ORDER BY name')).rows.map(
          (row) => (row as { name: string }).name,
        ),
      ).toEqual(MIGRATION_NAMES);
    } finally {
      await other.drop();
    }
  });
});
