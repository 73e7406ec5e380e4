import type { ColumnType, Generated } from 'kysely';

/**
 * The tables as Kysely sees them. `register_entries` is partitioned by month of
 * `occurred_at` (a segment each), append-only (a trigger refuses UPDATE, DELETE and
 * TRUNCATE for every role), and holds no personal value: subject ids, field ids, digests.
 */
export interface RegisterEntriesTable {
  seq: ColumnType<string, string, never>;
  id: string;
  event: string;
  occurred_at: ColumnType<Date, Date, never>;
  transmission_id: string | null;
  contract_id: string | null;
  contract_version: number | null;
  contract_sha256: string | null;
  recipient_id: string | null;
  recipient_name: string | null;
  recipient_category: string | null;
  purpose: string | null;
  legal_basis: string | null;
  special_condition: string | null;
  transfer_country: string | null;
  transfer_safeguard: string | null;
  trip_id: string | null;
  unit: string | null;
  subjects: string[];
  fields: string[];
  categories: string[];
  withheld: ColumnType<unknown, string, never>;
  payload_sha256: string | null;
  payload_bytes: number | null;
  format: string | null;
  transport: string | null;
  endpoint_id: string | null;
  actor_kind: string;
  actor_id: string;
  reason: string | null;
  outcome: string;
  detail: ColumnType<unknown, string, never>;
  prev_hash: string;
  hash: string;
}

/** The chain's head, one row: written with every batch, compared by `verify`. */
export interface RegisterHeadTable {
  id: ColumnType<number, never, never>;
  seq: ColumnType<string, string, string>;
  hash: string;
  occurred_at: ColumnType<Date, Date, Date>;
  count: ColumnType<string, string, string>;
}

/** Published points of the chain: daily anchors, and where retention cut it. */
export interface RegisterAnchorsTable {
  id: Generated<string>;
  kind: string;
  anchored_at: ColumnType<Date, Date, never>;
  seq: ColumnType<string, string, never>;
  hash: string;
  count: ColumnType<string, string, never>;
}

export interface TransmissionsTable {
  id: string;
  contract_id: string;
  contract_version: number;
  trip_id: string;
  unit_key: string;
  recipient_id: string;
  kind: string;
  moment: number;
  due_at: Date;
  deadline: Date;
  status: string;
  digest: string;
  delivered_digest: string | null;
  delivered_at: Date | null;
  attempts: ColumnType<number, number | undefined, number>;
  /** Attempts of the generations before this one (migration 0014). */
  attempts_before: ColumnType<number, number | undefined, number>;
  generation: ColumnType<number, number | undefined, number>;
  /** Made due by an operator's send-now: the plan keeps it due (migration 0016). */
  sent_now: ColumnType<boolean, boolean | undefined, boolean>;
  /** Held by an operator, whatever its status now (migration 0018). */
  held: ColumnType<boolean, boolean | undefined, boolean>;
  lease_until: Date | null;
  last_error: string | null;
  problems: ColumnType<unknown, string | undefined, string>;
  reason: string | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
  /** The queue job that carries it while queued or sending (migration 0005). */
  job_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Delivered, its recipient holding data since changed that nothing will send (migration 0021). */
  outdated_digest: ColumnType<string | null, string | null | undefined, string | null>;
  outdated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Every file name its failed attempts wrote or may have written, sorted (migration 0026). */
  attempted_files: ColumnType<string[], string[] | undefined, string[]>;
}

/** A restriction of processing in force (Art. 18), by participant id (migration 0025). */
export interface SubjectRestrictionsTable {
  participant_id: string;
  /** `[{ contractId, ground }]`: the contracts still sent, each with its Art. 18(2) ground. */
  exceptions: ColumnType<unknown, string, string>;
  restricted_at: ColumnType<Date, Date, never>;
  updated_at: ColumnType<Date, Date, Date>;
}

/** A trip as last put: the validated document (no personal data) and when it ends. */
export interface TripsTable {
  id: string;
  /** `bigint` (migration 0020): read back as a string, like every bigint column. */
  revision: ColumnType<string, number, number>;
  document: ColumnType<unknown, string, string>;
  /** The end of the trip: the day after `endDate` (UTC) or the last arrival, if later. */
  ends_at: ColumnType<Date, Date, Date>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: ColumnType<Date, Date, Date>;
}

/**
 * A booking: ids in clear, the document encrypted (AES-256-GCM) under a data key of its own,
 * wrapped by the master key. Erased: every encrypted part NULL, `erased_at` set.
 */
/**
 * A document sealed with AES-256-GCM under its own data key, wrapped by the master key
 * (bookings, emergency requests); every column NULL once erased.
 */
export interface SealedColumnsTable {
  ciphertext: Buffer | null;
  iv: Buffer | null;
  auth_tag: Buffer | null;
  wrapped_key: Buffer | null;
  wrap_iv: Buffer | null;
  wrap_tag: Buffer | null;
  /** Which master key wrapped the data key (a fingerprint), for rotation. */
  key_id: string | null;
}

export interface BookingsTable extends SealedColumnsTable {
  reference: string;
  trip_id: string;
  /** `bigint` (migration 0020): read back as a string, like every bigint column. */
  revision: ColumnType<string, number, number>;
  status: string;
  participant_ids: string[];
  created_at: ColumnType<Date, Date, never>;
  updated_at: ColumnType<Date, Date, Date>;
  erased_at: Date | null;
  /** The policy index key its `booking_policies` rows were written under; NULL: not yet. */
  policies_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Whether it holds a group leader, set with its policy index rows; NULL: not yet. */
  leads: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
}

/** Insured participants by HMAC of their policy number (migration 0004): ids only. */
export interface BookingPoliciesTable {
  booking_reference: string;
  participant_id: string;
  trip_id: string;
  insurer_id: string;
  policy_digest: Buffer;
}

/** Each emergency request: ids in clear, what the agent wrote sealed (migration 0004). */
export interface EmergencyRequestsTable extends SealedColumnsTable {
  id: string;
  client_id: string;
  insurer_id: string;
  outcome: 'released' | 'refused';
  refusal: string | null;
  register_entry_id: string;
  trip_id: string | null;
  booking_reference: string | null;
  participant_id: string | null;
  /** The participants the request concerns (its register entry's subjects), for erasure. */
  participant_ids: ColumnType<string[], string[] | undefined, string[]>;
  request_sha256: string;
  created_at: ColumnType<Date, Date, never>;
  erased_at: Date | null;
  /**
   * Alerts not yet delivered to the webhook, by event (ids only); NULL when none. Inserted as
   * a JSON value, in the register's statement (`jsonb_populate_recordset`).
   */
  alerts_pending: ColumnType<
    Record<string, unknown> | null,
    Record<string, unknown> | null | undefined,
    string | null
  >;
}

export interface Database {
  register_entries: RegisterEntriesTable;
  register_head: RegisterHeadTable;
  register_anchors: RegisterAnchorsTable;
  trips: TripsTable;
  bookings: BookingsTable;
  transmissions: TransmissionsTable;
  booking_policies: BookingPoliciesTable;
  emergency_requests: EmergencyRequestsTable;
  subject_restrictions: SubjectRestrictionsTable;
}
