import { sql, type Kysely, type Migration } from 'kysely';

/**
 * An emergency request stored after an erasure had begun is stored erased when any booking
 * it concerns is erased — its holder's, as before (migration 0015), or one holding any
 * participant it names: a refusal stored with no booking (another insurer's policy, several
 * holders) kept what the agent wrote when the erasure committed between its lookup and its
 * row. One read by the holder's key and one of the participants' index per request, in the
 * statement that stores it. (A request stored while the erasure has not yet committed is
 * cleared by the erasure itself, once committed: `BookingsRepository.eraseRequestsStoredMeanwhile`.)
 */
export const emergencyRequestErasedParticipantsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE OR REPLACE FUNCTION passerelle_emergency_request_of_erased() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (
          SELECT 1 FROM bookings
           WHERE reference = NEW.booking_reference AND erased_at IS NOT NULL
        ) OR (cardinality(NEW.participant_ids) > 0 AND EXISTS (
          SELECT 1 FROM bookings
           WHERE participant_ids && NEW.participant_ids AND erased_at IS NOT NULL
        )) THEN
          NEW.ciphertext := NULL;
          NEW.iv := NULL;
          NEW.auth_tag := NULL;
          NEW.wrapped_key := NULL;
          NEW.wrap_iv := NULL;
          NEW.wrap_tag := NULL;
          NEW.key_id := NULL;
          NEW.erased_at := now();
        END IF;
        RETURN NEW;
      END $$`.execute(db);
  },
};
