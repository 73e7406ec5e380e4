import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The emergency release's storage.
 *
 * `booking_policies` finds an insured participant by policy number without storing the
 * number: `policy_digest` is an HMAC-SHA256 of the normalized number under a key derived
 * from the master key (`PASSERELLE_DATA_KEY`), so a copy of the table cannot be searched
 * without the key. Beside it, ids only. `bookings.policies_key_id` says under which key a
 * booking's rows were written (NULL: not yet — rows written before this migration are
 * indexed at the next start).
 *
 * `emergency_requests` keeps what each insurer's agent wrote (incident reference, reason,
 * name), sealed like a booking; the register holds its id and digest, never the text.
 * Erasing the booking destroys the sealed text of requests about its participants.
 */
export const emergencyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE TABLE booking_policies (
        booking_reference text NOT NULL REFERENCES bookings (reference) ON DELETE CASCADE,
        participant_id text NOT NULL,
        trip_id text NOT NULL,
        insurer_id text NOT NULL,
        policy_digest bytea NOT NULL,
        PRIMARY KEY (booking_reference, participant_id)
      )`.execute(db);
    await sql`CREATE INDEX booking_policies_digest ON booking_policies (policy_digest)`.execute(db);
    await sql`ALTER TABLE bookings ADD COLUMN policies_key_id text`.execute(db);

    await sql`
      CREATE TABLE emergency_requests (
        id uuid PRIMARY KEY,
        client_id text NOT NULL,
        insurer_id text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('released', 'refused')),
        refusal text,
        register_entry_id uuid NOT NULL,
        trip_id text,
        booking_reference text,
        participant_id text,
        request_sha256 text NOT NULL,
        ciphertext bytea,
        iv bytea,
        auth_tag bytea,
        wrapped_key bytea,
        wrap_iv bytea,
        wrap_tag bytea,
        key_id text,
        created_at timestamptz NOT NULL,
        erased_at timestamptz
      )`.execute(db);
    await sql`CREATE INDEX emergency_requests_created ON emergency_requests (created_at DESC, id)`.execute(
      db,
    );
    await sql`CREATE INDEX emergency_requests_booking ON emergency_requests (booking_reference) WHERE erased_at IS NULL`.execute(
      db,
    );
  },
};
