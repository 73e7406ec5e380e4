import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The disclosure log by outcome (`GET /v1/disclosures?outcome=failed`: the failures to act
 * on), newest first: without an index on the outcome, each page read every entry of every
 * month kept — failures are few among the deliveries — and sorted them.
 */
export const registerEntriesByOutcomeMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE INDEX register_entries_outcome ON register_entries (outcome, seq)`.execute(db);
  },
};
