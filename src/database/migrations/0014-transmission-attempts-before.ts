import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The attempts a transmission made before it was planned again (its data fixed after it
 * failed, an operator's send-now, its unit back): the contract's maximum counts those of the
 * current generation only, `attempts − attempts_before`. `attempts` itself only grows: it is
 * the lease's fencing token.
 */
export const transmissionAttemptsBeforeMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`ALTER TABLE transmissions ADD COLUMN attempts_before integer NOT NULL DEFAULT 0`.execute(
      db,
    );
  },
};
