import type { Kysely, Migration } from 'kysely';

/** Trips and bookings (bookings encrypted). Filled in by the bookings module. */
export const bookingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    void db;
    await Promise.resolve();
  },
};
