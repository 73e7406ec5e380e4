import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Restrictions of processing (GDPR Art. 18) in force: one row a participant id while it
 * lasts, removed when it is lifted (the register keeps both events). A restricted participant
 * leaves every scheduled send but those of the contracts named in `exceptions` (each with its
 * Art. 18(2) ground). Ids only: the reasons are in the register.
 */
export const subjectRestrictionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE TABLE subject_restrictions (
        participant_id text PRIMARY KEY,
        exceptions jsonb NOT NULL DEFAULT '[]',
        restricted_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`.execute(db);
  },
};
