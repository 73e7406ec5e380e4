import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Whether an operator's send-now made the transmission due: a re-planning then leaves it
 * due, instead of moving it back to its scheduled moment (the data of a trip changing
 * between the send-now and a worker's lease undid it). Cleared when the plan sends it again
 * after it failed, was missed or cancelled: that is the plan's new send, not the operator's.
 */
export const transmissionSentNowMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE transmissions ADD COLUMN sent_now boolean NOT NULL DEFAULT false`.execute(
      db,
    );
  },
};
