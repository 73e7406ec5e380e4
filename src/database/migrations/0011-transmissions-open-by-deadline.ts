import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The index of the transmissions in flight (queued or being sent) by status and last moment,
 * instead of status and last change (which nothing asked). The dispatcher looks on every
 * round for those in flight past their last moment: through this index it reads only them.
 * Through the old one it read every entry of the status and then each row, the entries of
 * rows long since sent included until a vacuum removed them: a round during a run of a few
 * thousand sends read hundreds of pages to find none.
 */
export const transmissionsOpenByDeadlineMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`DROP INDEX transmissions_open`.execute(db);
    await sql`
      CREATE INDEX transmissions_open ON transmissions (status, deadline)
      WHERE status IN ('queued', 'sending')`.execute(db);
  },
};
