import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Every file name the failed attempts of a transmission wrote or may have written, recorded
 * with their outcome: a later attempt that writes fewer parts (its data changed) knows which
 * files of the earlier ones to remove at the recipient without listing the recipient's
 * folder. Names only grow. Empty for the transmissions sent before this release (their
 * earlier files are not known).
 */
export const transmissionAttemptedFilesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // A constant default: PostgreSQL adds the column without rewriting the table.
    await sql`ALTER TABLE transmissions
      ADD COLUMN attempted_files text[] NOT NULL DEFAULT '{}'`.execute(db);
  },
};
