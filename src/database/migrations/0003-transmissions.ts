import type { Kysely, Migration } from 'kysely';

/** The transmission plan. Filled in by the transmissions module. */
export const transmissionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    void db;
    await Promise.resolve();
  },
};
