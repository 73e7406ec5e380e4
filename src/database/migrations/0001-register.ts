import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The disclosure register. Append-only is enforced by the database for every role: a
 * trigger refuses UPDATE, DELETE and TRUNCATE; only the retention job removes whole expired
 * month partitions (DDL), after recording where it cut the chain.
 */
export const registerMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE FUNCTION register_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the register is append-only: % refused on %', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`.execute(db);

    await sql`
      CREATE TABLE register_entries (
        seq bigint NOT NULL,
        id uuid NOT NULL,
        event text NOT NULL CHECK (event IN ('disclosure-attempted', 'disclosure-delivered',
          'disclosure-failed', 'disclosure-withheld', 'emergency-released', 'emergency-refused',
          'preview-viewed', 'ops-action')),
        occurred_at timestamptz NOT NULL,
        transmission_id text,
        contract_id text,
        contract_version integer,
        contract_sha256 text,
        recipient_id text,
        recipient_name text,
        recipient_category text,
        purpose text,
        legal_basis text,
        special_condition text,
        transfer_country text,
        transfer_safeguard text,
        trip_id text,
        unit text,
        subjects text[] NOT NULL,
        fields text[] NOT NULL,
        categories text[] NOT NULL,
        withheld jsonb NOT NULL,
        payload_sha256 text,
        payload_bytes integer,
        format text,
        transport text,
        endpoint_id text,
        actor_kind text NOT NULL CHECK (actor_kind IN ('system', 'client', 'ops')),
        actor_id text NOT NULL,
        reason text,
        outcome text NOT NULL,
        detail jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (seq, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`.execute(db);
    await sql`CREATE INDEX register_entries_id ON register_entries (id)`.execute(db);
    await sql`CREATE INDEX register_entries_subjects ON register_entries USING gin (subjects)`.execute(
      db,
    );
    await sql`CREATE INDEX register_entries_recipient ON register_entries (recipient_id, seq)`.execute(
      db,
    );
    await sql`CREATE INDEX register_entries_contract ON register_entries (contract_id, seq)`.execute(
      db,
    );
    await sql`CREATE INDEX register_entries_trip ON register_entries (trip_id, seq)`.execute(db);
    await sql`CREATE INDEX register_entries_transmission ON register_entries (transmission_id, seq)`.execute(
      db,
    );
    await sql`CREATE INDEX register_entries_time ON register_entries (occurred_at)`.execute(db);
    await sql`
      CREATE TRIGGER register_entries_append_only BEFORE UPDATE OR DELETE ON register_entries
      FOR EACH ROW EXECUTE FUNCTION register_refuse_change()`.execute(db);
    await sql`
      CREATE TRIGGER register_entries_no_truncate BEFORE TRUNCATE ON register_entries
      FOR EACH STATEMENT EXECUTE FUNCTION register_refuse_change()`.execute(db);

    await sql`
      CREATE TABLE register_head (
        id integer PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash text NOT NULL,
        occurred_at timestamptz NOT NULL,
        count bigint NOT NULL
      )`.execute(db);
    await sql`
      INSERT INTO register_head (id, seq, hash, occurred_at, count)
      VALUES (1, 0, ${'0'.repeat(64)}, 'epoch', 0)`.execute(db);
    await sql`
      CREATE TRIGGER register_head_kept BEFORE DELETE OR TRUNCATE ON register_head
      FOR EACH STATEMENT EXECUTE FUNCTION register_refuse_change()`.execute(db);

    await sql`
      CREATE TABLE register_anchors (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('daily', 'retention')),
        anchored_at timestamptz NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        count bigint NOT NULL
      )`.execute(db);
    await sql`
      CREATE TRIGGER register_anchors_append_only BEFORE UPDATE OR DELETE ON register_anchors
      FOR EACH ROW EXECUTE FUNCTION register_refuse_change()`.execute(db);
    await sql`
      CREATE TRIGGER register_anchors_no_truncate BEFORE TRUNCATE ON register_anchors
      FOR EACH STATEMENT EXECUTE FUNCTION register_refuse_change()`.execute(db);
  },
};
