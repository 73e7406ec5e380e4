import { randomBytes, randomUUID } from 'node:crypto';
import { Migrator } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../src/cli/run-main.js';
import { reconcilePlan } from '../src/core/planning/reconcile-plan.js';
import {
  createDatabase,
  DatabaseNewerError,
  migrateToLatest,
  MIGRATION_NAMES,
  MIGRATIONS,
  openDatabase,
  openExistingDatabase,
  type Db,
} from '../src/database/database.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { TEST_SERVER_URL } from './support/database.js';
import { runCliInProcess } from './support/run-cli.js';

/**
 * Upgrading an installation in place: a database created and filled by an older release
 * (migrated to one of its migrations, written with the SQL of that release), then migrated to
 * the latest schema, and used by the current code.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface ScratchDatabase {
  readonly url: string;
  readonly db: Db;
  readonly admin: (
    text: string,
    params?: unknown[],
  ) => Promise<pg.QueryResult<Record<string, unknown>>>;
  readonly drop: () => Promise<void>;
}

const scratch: ScratchDatabase[] = [];

/** An empty database of its own, not migrated (dropped after the file). */
async function emptyDatabase(): Promise<ScratchDatabase> {
  const name = `passerelle_upgrade_${randomBytes(6).toString('hex')}`;
  const server = new pg.Client({ connectionString: TEST_SERVER_URL });
  await server.connect();
  try {
    await server.query(`CREATE DATABASE "${name}"`);
  } finally {
    await server.end();
  }
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString(), 5);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const database: ScratchDatabase = {
    url: url.toString(),
    db,
    admin: (text, params) => client.query<Record<string, unknown>>(text, params),
    drop: async () => {
      await client.end();
      await db.destroy();
      const dropper = new pg.Client({ connectionString: TEST_SERVER_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
  scratch.push(database);
  return database;
}

/** Migrates `db` up to `last` (included), as the release that shipped it did at start. */
async function migrateTo(db: Db, last: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
  });
  const { error } = await migrator.migrateTo(last);
  if (error !== undefined) throw error as Error;
}

afterAll(async () => {
  for (const database of scratch) await database.drop();
});

/** A transmission row as releases 0014–0015 wrote it (no `sent_now`, no `held`). */
async function insertTransmission(
  database: ScratchDatabase,
  row: {
    readonly tripId: string;
    readonly status: string;
    readonly dueAt: Date;
    readonly deadline: Date;
    readonly reason?: string;
    readonly jobId?: string;
    readonly unitKey?: string;
  },
): Promise<string> {
  const id = randomUUID();
  await database.admin(
    `INSERT INTO transmissions (id, contract_id, contract_version, trip_id, unit_key,
       recipient_id, kind, moment, due_at, deadline, status, digest, attempts, generation,
       attempts_before, problems, reason, job_id, created_at, updated_at)
     VALUES ($1, 'airline-apis', 1, $2, $3, 'AF', 'scheduled', 0, $4, $5, $6, 'digest-1', 0, 1,
       0, '[]', $7, $8, now() - interval '3 days', $4)`,
    [
      id,
      row.tripId,
      row.unitKey ?? 'flight:F1',
      row.dueAt,
      row.deadline,
      row.status,
      row.reason ?? null,
      row.jobId ?? null,
    ],
  );
  return id;
}

/** The register service of `db`, appending at `at` (the clock of the release that wrote it). */
function registerAt(db: Db, at?: Date): RegisterService {
  const repository = new RegisterRepository(db);
  return new RegisterService(
    repository,
    new RegisterAppender(repository, at === undefined ? {} : { now: () => at }),
  );
}

/** The `ops-action` entry an operator's action on a transmission appended (since release 0003). */
function opsAction(
  transmissionId: string,
  tripId: string,
  action: string,
  from: string,
  to: string,
) {
  return {
    event: 'ops-action' as const,
    transmissionId,
    tripId,
    subjects: [],
    fields: [],
    categories: [],
    withheld: [],
    actor: { kind: 'client' as const, id: 'ops-desk' },
    reason: 'asked by the airline',
    detail: { action, from, to },
  };
}

/** A sealed column's bytes (what the cipher would have written: not read here). */
const sealed = () => randomBytes(16);

describe('an installation of release 0015, filled, then upgraded to the latest schema', () => {
  let database: ScratchDatabase;
  const now = Date.now();
  const month = (back: number, day: number) => {
    const at = new Date(now);
    return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - back, day, 12));
  };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await emptyDatabase();
    // Release 0014: trips, bookings (one erased since), and an emergency request stored
    // after its holder's booking was erased (its lookup raced the erasure; no trigger yet).
    await migrateTo(database.db, '0014-transmission-attempts-before');
    await database.admin(
      `INSERT INTO trips (id, revision, document, ends_at, created_at, updated_at)
       VALUES ('T-UP', 1, '{}', now() + interval '30 days', now(), now())`,
    );
    await database.admin(
      `INSERT INTO bookings (reference, trip_id, revision, status, participant_ids, ciphertext,
         iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id, created_at, updated_at,
         policies_key_id, leads)
       VALUES ('B-LIVE', 'T-UP', 1, 'confirmed', '{P-LIVE}', $1, $2, $3, $4, $5, $6, 'k1',
         now(), now(), 'k1', false)`,
      [sealed(), sealed(), sealed(), sealed(), sealed(), sealed()],
    );
    await database.admin(
      `INSERT INTO bookings (reference, trip_id, revision, status, participant_ids, created_at,
         updated_at, erased_at)
       VALUES ('B-GONE', 'T-UP', 2, 'confirmed', '{P-GONE-1,P-GONE-2}', now(), now(), now())`,
    );
    const request = async (key: string, reference: string | null, participants: string[]) => {
      ids[key] = randomUUID();
      await database.admin(
        `INSERT INTO emergency_requests (id, client_id, insurer_id, outcome, refusal,
           register_entry_id, trip_id, booking_reference, participant_id, request_sha256,
           ciphertext, iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id, created_at,
           participant_ids)
         VALUES ($1, 'insurer-a', 'INS-A', 'refused', 'not-insured', $2, 'T-UP', $3, NULL,
           $4, $5, $6, $7, $8, $9, $10, 'k1', now(), $11)`,
        [
          ids[key],
          randomUUID(),
          reference,
          'c'.repeat(64),
          sealed(),
          sealed(),
          sealed(),
          sealed(),
          sealed(),
          sealed(),
          participants,
        ],
      );
    };
    await request('requestOfErasedHolder', 'B-GONE', ['P-GONE-1']);

    // Release 0015: the rest of what an installation holds.
    await migrateTo(database.db, '0015-emergency-request-erased-booking');
    // A refusal naming several holders, stored after the erasure of one (no holder's
    // booking: the trigger of 0015 does not see it).
    await request('refusalAboutErased', null, ['P-GONE-2', 'P-LIVE']);
    await request('requestAboutLive', 'B-LIVE', ['P-LIVE']);

    const soon = new Date(now + 5 * DAY);
    const later = new Date(now + 6 * DAY);
    ids.held = await insertTransmission(database, {
      tripId: 'T-HELD',
      status: 'held',
      dueAt: soon,
      deadline: later,
    });
    ids.heldThenCancelled = await insertTransmission(database, {
      tripId: 'T-HELD-CANCELLED',
      status: 'cancelled',
      dueAt: soon,
      deadline: later,
      reason: 'its unit no longer exists',
    });
    ids.heldThenMissed = await insertTransmission(database, {
      tripId: 'T-HELD-MISSED',
      status: 'missed',
      dueAt: new Date(now - 2 * DAY),
      deadline: new Date(now - DAY),
    });
    ids.releasedThenCancelled = await insertTransmission(database, {
      tripId: 'T-RELEASED',
      status: 'cancelled',
      dueAt: soon,
      deadline: later,
      reason: 'its unit no longer exists',
    });
    const sentAt = new Date(now - 60_000);
    ids.sentNowPlanned = await insertTransmission(database, {
      tripId: 'T-NOW-PLANNED',
      status: 'planned',
      dueAt: sentAt,
      deadline: later,
    });
    ids.sentNowQueued = await insertTransmission(database, {
      tripId: 'T-NOW-QUEUED',
      status: 'queued',
      dueAt: sentAt,
      deadline: later,
      jobId: 'job-1',
    });
    ids.planned = await insertTransmission(database, {
      tripId: 'T-PLANNED',
      status: 'planned',
      dueAt: soon,
      deadline: later,
    });
    // Queued again after an attempt that failed: its retry runs under the new release.
    ids.retryQueued = await insertTransmission(database, {
      tripId: 'T-RETRY',
      status: 'queued',
      dueAt: sentAt,
      deadline: later,
      jobId: 'job-2',
    });

    // The register across two months: deliveries the month before last, operators' actions
    // last month and this one.
    await registerAt(database.db, month(2, 10)).appendAll(
      Array.from({ length: 5 }, (_, n) => ({
        event: 'disclosure-delivered' as const,
        transmissionId: randomUUID(),
        tripId: 'T-UP',
        subjects: [`P-${n}`],
        fields: ['participant.surname'],
        categories: ['identity.name'],
        withheld: [],
        actor: { kind: 'system' as const, id: 'worker' },
        detail: { attempt: 1 },
      })),
    );
    await registerAt(database.db, month(1, 3)).appendAll([
      opsAction(ids.held, 'T-HELD', 'hold', 'planned', 'held'),
      opsAction(ids.heldThenCancelled, 'T-HELD-CANCELLED', 'hold', 'planned', 'held'),
      opsAction(ids.heldThenMissed, 'T-HELD-MISSED', 'hold', 'planned', 'held'),
      opsAction(ids.releasedThenCancelled, 'T-RELEASED', 'hold', 'planned', 'held'),
      opsAction(ids.releasedThenCancelled, 'T-RELEASED', 'release', 'held', 'planned'),
    ]);
    await registerAt(database.db, sentAt).appendAll([
      opsAction(ids.sentNowPlanned, 'T-NOW-PLANNED', 'send-now', 'planned', 'planned'),
      opsAction(ids.sentNowQueued, 'T-NOW-QUEUED', 'send-now', 'planned', 'planned'),
    ]);

    // The new release starts.
    await migrateToLatest(database.db);
  }, 60_000);

  const flag = async (id: string | undefined, column: 'held' | 'sent_now') =>
    (await database.admin(`SELECT ${column} AS value FROM transmissions WHERE id = $1`, [id]))
      .rows[0]?.value as boolean;

  it('should keep held a send an operator held before the upgrade, still held, cancelled or missed since', async () => {
    expect(await flag(ids.held, 'held')).toBe(true);
    expect(await flag(ids.heldThenCancelled, 'held')).toBe(true);
    expect(await flag(ids.heldThenMissed, 'held')).toBe(true);
    // Released before it was cancelled: the plan's again.
    expect(await flag(ids.releasedThenCancelled, 'held')).toBe(false);
    expect(await flag(ids.planned, 'held')).toBe(false);

    // Its unit back after the upgrade: it comes back held, not sent without a release.
    const repository = new TransmissionsRepository(database.db);
    const deadline = new Date(now + 9 * DAY).toISOString();
    for (const [id, tripId, from] of [
      [ids.heldThenCancelled, 'T-HELD-CANCELLED', 'cancelled'],
      [ids.heldThenMissed, 'T-HELD-MISSED', 'missed'],
      [ids.releasedThenCancelled, 'T-RELEASED', 'cancelled'],
    ] as const) {
      await repository.applyPlan(
        tripId,
        () =>
          Promise.resolve([
            {
              type: 'replan',
              from,
              id: id ?? '',
              dueAt: new Date(now + 8 * DAY).toISOString(),
              deadline,
              digest: 'digest-2',
              contractVersion: 1,
            },
          ]),
        new Date(),
      );
    }
    expect((await repository.byId(ids.heldThenCancelled ?? ''))?.status).toBe('held');
    expect((await repository.byId(ids.heldThenMissed ?? ''))?.status).toBe('held');
    expect((await repository.byId(ids.releasedThenCancelled ?? ''))?.status).toBe('planned');
  });

  it('should keep due a send an operator sent now before the upgrade, pending or queued, when its trip is planned again', async () => {
    expect(await flag(ids.sentNowPlanned, 'sent_now')).toBe(true);
    expect(await flag(ids.sentNowQueued, 'sent_now')).toBe(true);
    expect(await flag(ids.planned, 'sent_now')).toBe(false);

    // At start the new release plans every trip again: the schedule says in five days.
    const repository = new TransmissionsRepository(database.db);
    for (const [id, tripId] of [
      [ids.sentNowPlanned, 'T-NOW-PLANNED'],
      [ids.sentNowQueued, 'T-NOW-QUEUED'],
    ] as const) {
      const { changes } = await repository.applyPlan(
        tripId,
        (existing) =>
          Promise.resolve(
            reconcilePlan(
              existing,
              [
                {
                  contractId: 'airline-apis',
                  contractVersion: 1,
                  unit: { kind: 'flight', id: 'F1', key: 'flight:F1' },
                  recipientId: 'AF',
                  moment: 0,
                  dueAt: new Date(now + 5 * DAY).toISOString(),
                  deadline: new Date(now + 6 * DAY).toISOString(),
                  digest: 'digest-1',
                },
              ],
              new Map([['airline-apis', false]]),
              Date.now(),
            ),
          ),
        new Date(),
      );
      expect(changes, tripId).toEqual([]);
      const after = await repository.byId(id ?? '');
      expect(Date.parse(after?.dueAt ?? '')).toBeLessThanOrEqual(Date.now());
    }
  });

  it('should retry a send queued before the upgrade knowing no earlier file, then keep every name its failed attempts wrote', async () => {
    const repository = new TransmissionsRepository(database.db);
    const id = ids.retryQueued ?? '';
    const [started] = await repository.startSending([id], new Date(), 60_000);
    // Its earlier attempt wrote before names were recorded: nothing is taken for stale.
    expect(started?.transmission.attemptedFiles).toEqual([]);
    const part = (n: number) => `flight-F1.${id}.part0${n}.edi`;
    // Two attempts that fail, each recording what it wrote with its outcome.
    const failWith = async (attempt: number, files: string[]) =>
      repository.finish(
        [
          {
            id,
            attempt,
            status: 'queued',
            lastError: 'SFTP_CONNECTION_LOST',
            attemptedFiles: files,
          },
        ],
        new Date(),
      );
    expect(await failWith(started?.transmission.attempts ?? 0, [part(2), part(1)])).toEqual(
      new Set([id]),
    );
    const [again] = await repository.startSending([id], new Date(), 60_000);
    expect(again?.transmission.attemptedFiles).toEqual([part(1), part(2)]);
    await failWith(again?.transmission.attempts ?? 0, [part(3), part(1)]);
    const { rows } = await database.admin(
      `SELECT attempted_files FROM transmissions WHERE id = $1`,
      [id],
    );
    expect(rows[0]?.attempted_files).toEqual([part(1), part(2), part(3)]);
  });

  it('should erase what agents wrote in requests stored after an erasure before the triggers caught them', async () => {
    const { rows } = await database.admin(
      `SELECT id, erased_at IS NOT NULL AS erased, num_nonnulls(ciphertext, iv, auth_tag,
         wrapped_key, wrap_iv, wrap_tag, key_id) AS sealed FROM emergency_requests`,
    );
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    for (const key of ['requestOfErasedHolder', 'refusalAboutErased']) {
      expect(byId.get(ids[key] ?? ''), key).toMatchObject({ erased: true, sealed: 0 });
    }
    expect(byId.get(ids.requestAboutLive ?? '')).toMatchObject({ erased: false, sealed: 7 });
  });

  it('should verify the register chain across the upgrade, and after a retention cut', async () => {
    const register = registerAt(database.db);
    expect(await register.verify()).toMatchObject({ intact: true, count: 12, problems: [] });
    await register.appendAll([
      opsAction(ids.planned ?? '', 'T-PLANNED', 'hold', 'planned', 'held'),
    ]);
    const { dropped } = await register.applyRetention(new Date(now), { years: 0, months: 1 });
    expect(dropped).toHaveLength(1);
    expect(await register.verify()).toMatchObject({ intact: true, count: 8, problems: [] });
  });
});

describe('the migrations at start', () => {
  it('should migrate once when two processes start at once, and keep a failed upgrade whole', async () => {
    const database = await emptyDatabase();
    await migrateTo(database.db, '0015-emergency-request-erased-booking');
    const other = createDatabase(database.url, 2);
    try {
      await Promise.all([migrateToLatest(database.db), migrateToLatest(other)]);
    } finally {
      await other.destroy();
    }
    const { rows } = await database.admin('SELECT name FROM kysely_migration ORDER BY name');
    expect(rows.map((row) => row.name as string)).toEqual(MIGRATION_NAMES);

    // A release whose last migration fails: none of its migrations stays.
    const failing = await emptyDatabase();
    await migrateTo(failing.db, '0015-emergency-request-erased-booking');
    const { error } = await new Migrator({
      db: failing.db,
      provider: {
        getMigrations: () =>
          Promise.resolve({
            ...MIGRATIONS,
            '0099-fails': {
              up: () => Promise.reject(new Error('fails halfway')),
            },
          }),
      },
    }).migrateToLatest();
    expect(error).toBeInstanceOf(Error);
    const columns = await failing.admin(
      `SELECT column_name FROM information_schema.columns
        WHERE table_name = 'transmissions' AND column_name IN ('sent_now', 'held')`,
    );
    expect(columns.rows).toEqual([]);
    expect(
      (await failing.admin('SELECT max(name) AS last FROM kysely_migration')).rows[0]?.last,
    ).toBe('0015-emergency-request-erased-booking');
  });

  it('should name the migration that failed at start, and keep none of that start', async () => {
    const database = await emptyDatabase();
    await migrateTo(database.db, '0015-emergency-request-erased-booking');
    // A column added by hand under the name a later migration adds: 0016 cannot add it.
    await database.admin('ALTER TABLE transmissions ADD COLUMN sent_now text');
    const printed: string[] = [];
    const code = await runMain(
      ['serve'],
      { DATABASE_URL: database.url },
      { stdout: (line) => printed.push(line), stderr: (line) => printed.push(line) },
      async () => {
        await openDatabase(database.url, 2);
        return 0;
      },
    );
    expect(code).toBe(2);
    expect(printed).toEqual([
      'passerelle: database migration 0016-transmission-sent-now failed (SQLSTATE 42701); no migration of this start was kept',
    ]);
    expect(
      (await database.admin('SELECT max(name) AS last FROM kysely_migration')).rows[0]?.last,
    ).toBe('0015-emergency-request-erased-booking');
  });

  it('should refuse to start on a database a newer release migrated, naming what it does not know', async () => {
    const database = await emptyDatabase();
    await migrateToLatest(database.db);
    await database.admin(
      `INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-from-a-newer-release', $1)`,
      [new Date().toISOString()],
    );
    for (const open of [openDatabase, openExistingDatabase]) {
      const failure = await open(database.url, 2).then(
        async (db) => {
          await db.destroy();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DatabaseNewerError);
      expect((failure as Error).message).toContain('9999-from-a-newer-release');
    }
    // The register commands say so, and exit 2 (could not check), not 1 (a broken chain).
    const { result, err } = await runCliInProcess(['register', 'verify'], {
      DATABASE_URL: database.url,
    });
    expect(result).toEqual({ code: 2 });
    expect(err).toMatch(/^the database was migrated by a newer release of Passerelle/);
    expect(err).toContain('9999-from-a-newer-release');
    // `serve` (its database module opens the database): one line naming it, exit 2.
    const printed: string[] = [];
    const code = await runMain(
      ['serve'],
      { DATABASE_URL: database.url },
      { stdout: (line) => printed.push(line), stderr: (line) => printed.push(line) },
      async () => {
        await openDatabase(database.url, 2);
        return 0;
      },
    );
    expect(code).toBe(2);
    expect(printed).toEqual([
      expect.stringMatching(/^passerelle: the database was migrated by a newer release/),
    ]);
  });
});
