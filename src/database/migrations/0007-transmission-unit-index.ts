import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The transmissions of one unit (trip, contract, unit key) by status, for the two questions
 * asked of a unit on every claim and every lease: is another send of it queued or under way
 * (the dispatcher never sends a unit twice at once), and what was last delivered to it (the
 * worker never sends unchanged data again). Without it each answer read every transmission
 * in flight, or every one of the trip: the claim cost PostgreSQL ~20 ms a round with a few
 * hundred in flight, a fifth of a millisecond per transmission sent. Whole, not partial on
 * a status: a partial index of those in flight was a way to scan them all, which the
 * planner then took to find the few rows a lease names by key. It starts with the trip, so
 * it replaces the index on the trip alone (each index is one more write per update).
 */
export const transmissionUnitIndexMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE INDEX transmissions_unit ON transmissions (trip_id, contract_id, unit_key, status)`.execute(
      db,
    );
    await sql`DROP INDEX transmissions_trip`.execute(db);
  },
};
