import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Whether a booking holds a group leader (no name, no id: a flag beside the policy index).
 * An emergency release renders one participant, whose values come from their own booking
 * and, for `trip.leaders.*`, the leaders' — so it opens those bookings only, not every
 * booking of the trip. NULL: written before this migration (read as if it did hold one,
 * until the start-up indexing sets it).
 */
export const bookingLeadsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE bookings ADD COLUMN leads boolean`.execute(db);
  },
};
