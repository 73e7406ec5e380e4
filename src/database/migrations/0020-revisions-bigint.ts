import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Revisions as the booking system numbers them: the input model asks for an integer ≥ 1 and
 * the API accepts any safe integer (2^53 − 1), but the columns were `integer` (2^31 − 1) — a
 * booking system that numbers revisions by the time of the change, in milliseconds, had
 * every trip and booking answered 500. `bigint` holds every revision the API accepts (the
 * tables are rewritten once, under their lock).
 */
export const revisionsBigintMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE trips ALTER COLUMN revision TYPE bigint`.execute(db);
    await sql`ALTER TABLE bookings ALTER COLUMN revision TYPE bigint`.execute(db);
  },
};
