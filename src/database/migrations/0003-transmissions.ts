import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The transmission plan: one row per send a contract calls for on a unit (and per resend
 * after a change), with its due time and last moment. PostgreSQL is its source of truth;
 * the queue in Redis only carries ids of rows that fell due.
 */
export const transmissionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE TABLE transmissions (
        id uuid PRIMARY KEY,
        contract_id text NOT NULL,
        contract_version integer NOT NULL,
        trip_id text NOT NULL,
        unit_key text NOT NULL,
        recipient_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('scheduled', 'resend')),
        moment integer NOT NULL,
        due_at timestamptz NOT NULL,
        deadline timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('planned', 'queued', 'sending', 'delivered', 'failed',
          'missed', 'cancelled', 'held')),
        digest text NOT NULL,
        delivered_digest text,
        delivered_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        generation integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        last_error text,
        problems jsonb NOT NULL DEFAULT '[]',
        reason text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (trip_id, contract_id, unit_key, kind, moment)
      )`.execute(db);
    await sql`CREATE INDEX transmissions_due ON transmissions (due_at) WHERE status = 'planned'`.execute(
      db,
    );
    await sql`CREATE INDEX transmissions_open ON transmissions (status, updated_at) WHERE status IN ('queued', 'sending')`.execute(
      db,
    );
    await sql`CREATE INDEX transmissions_trip ON transmissions (trip_id)`.execute(db);
    await sql`CREATE INDEX transmissions_deadline ON transmissions (deadline) WHERE status IN ('planned', 'held')`.execute(
      db,
    );
  },
};
