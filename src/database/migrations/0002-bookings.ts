import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Trips and bookings. Nothing personal is stored in clear:
 * - `trips.document` is the validated trip — flights, stays, hotels, rooming by participant
 *   id — which names no person;
 * - a booking's document is encrypted (AES-256-GCM) under a data key of its own, stored
 *   only wrapped by the master key (`PASSERELLE_DATA_KEY`). Beside it in clear: the
 *   reference, the trip, the revision, the status and the participant ids — the booking
 *   system's pseudonymous ids, which planning, erasure and the register need.
 *
 * Erasure (a request, or retention) sets the encrypted document and the wrapped key to
 * NULL and `erased_at`: the row stays as a tombstone, so the reference cannot come back.
 */
export const bookingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE TABLE trips (
        id text PRIMARY KEY,
        revision integer NOT NULL CHECK (revision >= 1),
        document jsonb NOT NULL,
        ends_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`.execute(db);
    await sql`CREATE INDEX trips_ends_at ON trips (ends_at)`.execute(db);

    await sql`
      CREATE TABLE bookings (
        reference text PRIMARY KEY,
        trip_id text NOT NULL REFERENCES trips (id),
        revision integer NOT NULL CHECK (revision >= 1),
        status text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
        participant_ids text[] NOT NULL,
        ciphertext bytea,
        iv bytea,
        auth_tag bytea,
        wrapped_key bytea,
        wrap_iv bytea,
        wrap_tag bytea,
        key_id text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        erased_at timestamptz,
        -- A live booking has all of its encrypted parts; an erased one has none of them.
        CONSTRAINT bookings_sealed_or_erased CHECK (
          CASE WHEN erased_at IS NULL
            THEN num_nulls(ciphertext, iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id) = 0
            ELSE num_nonnulls(ciphertext, iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id) = 0
          END)
      )`.execute(db);
    await sql`CREATE INDEX bookings_trip ON bookings (trip_id) WHERE erased_at IS NULL`.execute(db);
    await sql`CREATE INDEX bookings_participants ON bookings USING gin (participant_ids)`.execute(
      db,
    );
  },
};
