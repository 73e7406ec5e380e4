import { sql, type Kysely, type Migration } from 'kysely';

/** The SQLSTATE `passerelle_require` fails with: a guarded append did not hold. */
export const GUARD_FAILED = 'PSG01';

/**
 * `passerelle_require(ok)`: true, or the statement fails (SQLSTATE `PSG01`) — and with it
 * everything it changed. An append whose statement also changes other rows (a transmission
 * finished with its `disclosure-delivered` entry) uses it to be all or nothing without a
 * transaction around it. Volatile, so that PostgreSQL never evaluates it ahead of time.
 */
export const registerGuardedAppendMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE FUNCTION passerelle_require(ok boolean) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF ok IS TRUE THEN RETURN true; END IF;
        RAISE EXCEPTION 'a guarded append did not hold' USING ERRCODE = ${sql.lit(GUARD_FAILED)};
      END $$`.execute(db);
  },
};
