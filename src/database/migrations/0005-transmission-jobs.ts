import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The queue job a queued (or sending) transmission belongs to. The dispatcher adds one job
 * per trip for the transmissions of that trip that fell due together (ids only); the
 * reconciler needs to know which job covers which row to tell a lost job from a live one.
 * NULL: a row queued before this migration, whose job id is `<id>.<generation>`.
 */
export const transmissionJobsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE transmissions ADD COLUMN job_id text`.execute(db);
  },
};
