import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Whether an operator holds the transmission, apart from its status: a held send cancelled
 * because its unit went (a trip or a booking cancelled) or missed while held, and planned
 * again when the unit comes back or its last moment moves later, is held again — it came
 * back `planned` and left without being released.
 */
export const transmissionHeldMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE transmissions ADD COLUMN held boolean NOT NULL DEFAULT false`.execute(db);
    await sql`UPDATE transmissions SET held = true WHERE status = 'held'`.execute(db);
  },
};
