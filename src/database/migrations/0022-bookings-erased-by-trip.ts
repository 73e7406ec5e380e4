import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The erased bookings of a trip, by trip: every booking stored or changed asks for them (their
 * tombstones keep the participants an erasure took out of the trip's sends), and the only
 * index by trip holds the live bookings — each write of a booking read every booking of every
 * trip (~1.6 ms with 4,000 bookings, and so on with the table), the ingest slowing as the
 * database grew. Partial, beside the live bookings' index (`bookings_trip`): the two index each
 * booking once — and retention makes the erased ones most of the table in time.
 */
export const bookingsErasedByTripMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE INDEX bookings_erased_trip ON bookings (trip_id) WHERE erased_at IS NOT NULL`.execute(
      db,
    );
  },
};
