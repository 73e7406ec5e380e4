import { sql, type Kysely, type Migration } from 'kysely';

/**
 * An emergency request stored after its booking was erased — its lookup read the booking
 * just before the erasure committed, its row is written just after — is stored erased: what
 * the agent wrote is not kept (the erasure had already passed it by, and a second erasure of
 * the booking finds nothing to do). One read of the booking by its key per request.
 */
export const emergencyRequestErasedBookingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE FUNCTION passerelle_emergency_request_of_erased() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.booking_reference IS NOT NULL AND EXISTS (
          SELECT 1 FROM bookings
           WHERE reference = NEW.booking_reference AND erased_at IS NOT NULL
        ) THEN
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
    await sql`
      CREATE TRIGGER emergency_requests_of_erased_bookings
      BEFORE INSERT ON emergency_requests
      FOR EACH ROW EXECUTE FUNCTION passerelle_emergency_request_of_erased()`.execute(db);
  },
};
