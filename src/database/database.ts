import { createHash } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, sql, type CompiledQuery, type Migration } from 'kysely';
import pg from 'pg';
import { registerMigration } from './migrations/0001-register.js';
import { bookingsMigration } from './migrations/0002-bookings.js';
import { transmissionsMigration } from './migrations/0003-transmissions.js';
import { emergencyMigration } from './migrations/0004-emergency.js';
import { transmissionJobsMigration } from './migrations/0005-transmission-jobs.js';
import { bookingLeadsMigration } from './migrations/0006-booking-leads.js';
import { transmissionUnitIndexMigration } from './migrations/0007-transmission-unit-index.js';
import { transmissionsDueNotifyMigration } from './migrations/0008-transmissions-due-notify.js';
import { registerGuardedAppendMigration } from './migrations/0009-register-guarded-append.js';
import { transmissionUnitByKeyMigration } from './migrations/0010-transmission-unit-by-key.js';
import { transmissionsOpenByDeadlineMigration } from './migrations/0011-transmissions-open-by-deadline.js';
import { emergencyRequestSubjectsMigration } from './migrations/0012-emergency-request-subjects.js';
import { transmissionsStaleNotifyMigration } from './migrations/0013-transmissions-stale-notify.js';
import { transmissionAttemptsBeforeMigration } from './migrations/0014-transmission-attempts-before.js';
import { emergencyRequestErasedBookingMigration } from './migrations/0015-emergency-request-erased-booking.js';
import { transmissionSentNowMigration } from './migrations/0016-transmission-sent-now.js';
import { emergencyRequestErasedParticipantsMigration } from './migrations/0017-emergency-request-erased-participants.js';
import { transmissionHeldMigration } from './migrations/0018-transmission-held.js';
import { upgradeOperatorActionsAndErasuresMigration } from './migrations/0019-upgrade-operator-actions-and-erasures.js';
import { revisionsBigintMigration } from './migrations/0020-revisions-bigint.js';
import { transmissionOutdatedMigration } from './migrations/0021-transmission-outdated.js';
import { bookingsErasedByTripMigration } from './migrations/0022-bookings-erased-by-trip.js';
import { emergencyRequestsByParticipantMigration } from './migrations/0023-emergency-requests-by-participant.js';
import { registerEntriesByOutcomeMigration } from './migrations/0024-register-entries-by-outcome.js';
import { subjectRestrictionsMigration } from './migrations/0025-subject-restrictions.js';
import { transmissionAttemptedFilesMigration } from './migrations/0026-transmission-attempted-files.js';
import type { Database } from './schema.js';

// bigint columns (seq, count) come back as strings: exact, and the chain never needs
// arithmetic beyond JavaScript's safe integers anyway.

/** Every migration, in order; they run at start. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-register': registerMigration,
  '0002-bookings': bookingsMigration,
  '0003-transmissions': transmissionsMigration,
  '0004-emergency': emergencyMigration,
  '0005-transmission-jobs': transmissionJobsMigration,
  '0006-booking-leads': bookingLeadsMigration,
  '0007-transmission-unit-index': transmissionUnitIndexMigration,
  '0008-transmissions-due-notify': transmissionsDueNotifyMigration,
  '0009-register-guarded-append': registerGuardedAppendMigration,
  '0010-transmission-unit-by-key': transmissionUnitByKeyMigration,
  '0011-transmissions-open-by-deadline': transmissionsOpenByDeadlineMigration,
  '0012-emergency-request-subjects': emergencyRequestSubjectsMigration,
  '0013-transmissions-stale-notify': transmissionsStaleNotifyMigration,
  '0014-transmission-attempts-before': transmissionAttemptsBeforeMigration,
  '0015-emergency-request-erased-booking': emergencyRequestErasedBookingMigration,
  '0016-transmission-sent-now': transmissionSentNowMigration,
  '0017-emergency-request-erased-participants': emergencyRequestErasedParticipantsMigration,
  '0018-transmission-held': transmissionHeldMigration,
  '0019-upgrade-operator-actions-and-erasures': upgradeOperatorActionsAndErasuresMigration,
  '0020-revisions-bigint': revisionsBigintMigration,
  '0021-transmission-outdated': transmissionOutdatedMigration,
  '0022-bookings-erased-by-trip': bookingsErasedByTripMigration,
  '0023-emergency-requests-by-participant': emergencyRequestsByParticipantMigration,
  '0024-register-entries-by-outcome': registerEntriesByOutcomeMigration,
  '0025-subject-restrictions': subjectRestrictionsMigration,
  '0026-transmission-attempted-files': transmissionAttemptedFilesMigration,
};

/** The migrations in the order they run; the database's `kysely_migration` lists the ones done. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();

export type Db = Kysely<Database>;

/** Statement texts run as named prepared statements, by name (see `prepared`). */
const preparedNames = new Map<string, string>();

/**
 * Marks a compiled query's text to run as a named prepared statement: parsed and planned
 * once per connection, not on every call. For the few hot queries whose planning costs as
 * much as running them (a join of several tables, run on every emergency request); their
 * text is constant, the values vary.
 */
export function prepared<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  if (!preparedNames.has(query.sql)) {
    const digest = createHash('sha256').update(query.sql).digest('hex');
    preparedNames.set(query.sql, `passerelle_${digest.slice(0, 24)}`);
  }
  return query;
}

type Query = (...args: unknown[]) => unknown;
const PREPARING = Symbol('passerelle.preparing');

/** The pool's client, whose `query` names the statements `prepared` marked. */
function preparing(client: pg.PoolClient): pg.PoolClient {
  const marked = client as pg.PoolClient & { [PREPARING]?: true };
  if (marked[PREPARING] === true) return client;
  marked[PREPARING] = true;
  const query = (client.query as Query).bind(client);
  (client as unknown as { query: Query }).query = (...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' ? preparedNames.get(text) : undefined;
    if (name === undefined) return query(...args);
    return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
      // 0A000 "cached plan must not change result type": a migration changed the columns
      // of a `*` under a connection that had prepared it. From then on the text runs
      // unnamed in this process (as it would have without marking).
      if (!(error instanceof Error && 'code' in error && error.code === '0A000')) throw error;
      preparedNames.delete(text as string);
      return query(...args);
    });
  };
  return client;
}

/**
 * A hot query compiled once, marked `prepared`: `build` is called the first time with
 * placeholders, and each call puts its values in their places among the parameters — no
 * compiling, and the same text (so the statement's name is found at once) every call.
 */
export function compiledTemplate<A extends unknown[], R>(
  build: (...values: A) => { compile(executor: Db): CompiledQuery<R> },
): (executor: Db, ...values: A) => CompiledQuery<R> {
  let template: { query: CompiledQuery<R>; slots: (number | undefined)[] } | undefined;
  return (executor, ...values) => {
    if (template === undefined) {
      const placeholders = values.map((_, slot) => ({ slot }));
      const query = prepared(build(...(placeholders as A)).compile(executor));
      const slots = query.parameters.map((parameter) => placeholders.indexOf(parameter as never));
      template = { query, slots: slots.map((slot) => (slot === -1 ? undefined : slot)) };
    }
    const { query, slots } = template;
    return {
      ...query,
      parameters: query.parameters.map((parameter, i) => {
        const slot = slots[i];
        return slot === undefined ? parameter : values[slot];
      }),
    };
  };
}

const LISTENING = Symbol('passerelle.listening');

/**
 * A client taken from the pool, listened to for errors while it is out. The pool listens
 * to idle clients only: one whose connection the server dropped (a restart, a failover)
 * while it was taken but between two statements — a transaction running code of its own —
 * raised an error nothing caught, which stops a Node process. The error then reaches the
 * client's next statement instead, as a rejected query, and the pool discards the client.
 */
function listened(client: pg.PoolClient): pg.PoolClient {
  const marked = client as pg.PoolClient & { [LISTENING]?: true };
  if (marked[LISTENING] !== true) {
    marked[LISTENING] = true;
    client.on('error', () => undefined);
  }
  return client;
}

export function createDatabase(url: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection dropped by the server (a restart, a failover) is replaced on the
  // next query; without a listener its error would stop the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => preparing(listened(await pool.connect())),
        end: () => pool.end(),
      },
    }),
  });
}

/**
 * The database named in `url`. Errors name the variable, never the URL: `new URL`'s own
 * `TypeError` carries it whole (password included) in `input`.
 */
function databaseNameOf(url: string): string {
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    throw new Error('DATABASE_URL: must be a postgres:// URL');
  }
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name))
    throw new Error('DATABASE_URL: the database name must be 1-63 letters, digits, _ or -');
  return name;
}

/**
 * Creates the database named in `url` if it does not exist (connecting to the server's
 * `postgres` database to do so), so a fresh machine needs no manual step.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const name = databaseNameOf(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        // Another process created it first.
        if (!(error instanceof Error && 'code' in error && error.code === '42P04')) throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * A database a newer release has migrated: this binary was rolled back, or an old process
 * started again after an upgrade. Its code would read and write a schema it does not know,
 * so it does not start. The message names the migrations only.
 */
export class DatabaseNewerError extends Error {
  constructor(readonly unknown: readonly string[]) {
    super(
      `the database was migrated by a newer release of Passerelle (migration ${unknown.join(', ')} is unknown to this one, whose last is ${MIGRATION_NAMES[MIGRATION_NAMES.length - 1] ?? '-'}): run that release or a later one; migrations only go forward (to go back, restore the backup taken before the upgrade)`,
    );
    this.name = 'DatabaseNewerError';
  }
}

/**
 * A database this release has migrations for that it has not run: opened by a command that
 * does not migrate (the `register` commands), whose code expects the latest schema. The
 * message names the migrations only.
 */
export class DatabaseOlderError extends Error {
  constructor(readonly pending: readonly string[]) {
    super(
      `the database's schema is older than this release of Passerelle (migration ${pending.join(', ')} not run on it): the register commands never upgrade a database — run them from the release the gateway runs, or upgrade it by starting this release's gateway (see Upgrading)`,
    );
    this.name = 'DatabaseOlderError';
  }
}

/** The migrations the database has run (none when it has no migration table). */
async function migrationsDone(db: Db): Promise<string[]> {
  const { rows } = await sql<{
    table: string | null;
  }>`SELECT to_regclass('kysely_migration')::text AS table`.execute(db);
  if (rows[0]?.table == null) return [];
  const done = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
    db,
  );
  return done.rows.map((row) => row.name);
}

/** Throws `DatabaseNewerError` when the database ran a migration this release does not have. */
async function refuseNewerSchema(db: Db, done?: readonly string[]): Promise<void> {
  const unknown = (done ?? (await migrationsDone(db))).filter((name) => !(name in MIGRATIONS));
  if (unknown.length > 0) throw new DatabaseNewerError(unknown);
}

/**
 * Throws unless the database is at this release's schema: `DatabaseNewerError` when a newer
 * release migrated it, `DatabaseOlderError` when it misses migrations. Changes nothing.
 */
export async function requireLatestSchema(db: Db): Promise<void> {
  const done = await migrationsDone(db);
  await refuseNewerSchema(db, done);
  const ran = new Set(done);
  const pending = MIGRATION_NAMES.filter((name) => !ran.has(name));
  if (pending.length > 0) throw new DatabaseOlderError(pending);
}

/** Brings the schema to the latest migration; several processes may start at once. */
export async function migrateToLatest(db: Db): Promise<void> {
  await refuseNewerSchema(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new DatabaseMigrationError(failed, error);
  }
}

/**
 * A migration failed at start. Every pending migration runs in one transaction, so the
 * schema is as it was before this start. The message names the migration and the SQLSTATE
 * only: PostgreSQL's own message may quote a value of a row.
 */
export class DatabaseMigrationError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    const code =
      cause instanceof Error && 'code' in cause && typeof cause.code === 'string'
        ? cause.code
        : undefined;
    super(
      `database migration ${migration} failed${code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : ''}; no migration of this start was kept`,
      { cause },
    );
    this.name = 'DatabaseMigrationError';
  }
}

/** Creates the database if needed, connects, migrates. */
export async function openDatabase(url: string, poolSize?: number): Promise<Db> {
  await ensureDatabaseExists(url);
  const db = createDatabase(url, poolSize);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Why `openExistingDatabase` refused a database it could reach. */
export class DatabaseNotFoundError extends Error {
  constructor(readonly reason: 'missing' | 'not-initialized') {
    super(
      reason === 'missing'
        ? 'DATABASE_URL: the database does not exist'
        : 'DATABASE_URL: the database holds no register (the gateway has never started on it)',
    );
    this.name = 'DatabaseNotFoundError';
  }
}

/**
 * Connects to a database the gateway has already set up, at this release's schema; creates
 * and migrates nothing. For the commands that read the register (`register verify`, `ropa`,
 * `anchor`): a mistyped name must not give a new, empty register that verifies "intact",
 * and a command run from a newer install must not upgrade a live database under the
 * gateway still running the older release (whose processes the schema changes would lock
 * out, or leave writing rows as their release did) — it refuses an older schema
 * (`DatabaseOlderError`), as every release refuses a newer one (`DatabaseNewerError`).
 */
export async function openExistingDatabase(url: string, poolSize?: number): Promise<Db> {
  databaseNameOf(url);
  const db = createDatabase(url, poolSize);
  try {
    const { rows } = await sql<{
      register: string | null;
    }>`SELECT to_regclass('register_entries')::text AS register`.execute(db);
    if (rows[0]?.register == null) throw new DatabaseNotFoundError('not-initialized');
    await requireLatestSchema(db);
    return db;
  } catch (error) {
    await db.destroy();
    // 3D000 invalid_catalog_name: the server answered, the database is not there.
    if (error instanceof Error && 'code' in error && error.code === '3D000')
      throw new DatabaseNotFoundError('missing');
    throw error;
  }
}
