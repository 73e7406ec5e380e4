import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A delivered transmission whose recipient holds data since changed, when nothing will send
 * the new data (its last moment passed, or its contract never resends): the digest of the data
 * it was raised for, and when (GDPR Art. 19: the DPO tells the recipient). Null otherwise.
 */
export const transmissionOutdatedMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE transmissions
      ADD COLUMN outdated_digest text,
      ADD COLUMN outdated_at timestamptz`.execute(db);
  },
};
