import { sql, type Kysely, type Selectable } from 'kysely';
import type { Trip } from '../../core/model/trip.js';
import { compiledTemplate, type Db } from '../../database/database.js';
import type { BookingsTable, Database, SealedColumnsTable } from '../../database/schema.js';
import type { PolicyHolder } from '../../core/emergency/emergency-release.js';
import { SEALED_PACKING, unpackSealed, type SealedDocument } from './booking-cipher.js';
import type { PolicyIndexEntry } from './policy-index.js';

/** The database or a transaction on it. */
export type Executor = Kysely<Database>;

export interface StoredTrip {
  readonly id: string;
  readonly revision: number;
  readonly document: Trip;
}

/** A booking as far as opening it goes. */
export type SealedBooking = Pick<BookingRow, 'reference' | 'sealed'>;

export interface BookingRow {
  readonly reference: string;
  readonly tripId: string;
  readonly revision: number;
  readonly status: string;
  readonly participantIds: readonly string[];
  /** Absent once erased. */
  readonly sealed: SealedDocument | undefined;
  readonly erasedAt: Date | undefined;
}

/** What is written for a live booking: ids in clear, the document sealed. */
export interface BookingWrite {
  readonly reference: string;
  readonly tripId: string;
  readonly revision: number;
  readonly status: string;
  readonly participantIds: readonly string[];
  readonly sealed: SealedDocument;
}

/** The columns a sealed document is stored in (bookings, emergency requests). */
export type SealedColumns = Readonly<SealedColumnsTable>;

/** What erasing a sealed document writes: every part NULL, the data key with them. */
export const ERASED_SEALED_COLUMNS = {
  ciphertext: null,
  iv: null,
  auth_tag: null,
  wrapped_key: null,
  wrap_iv: null,
  wrap_tag: null,
  key_id: null,
} as const;

/** The columns of a sealed document, as they are selected. */
const SEALED_COLUMN_NAMES = [
  'ciphertext',
  'iv',
  'auth_tag',
  'wrapped_key',
  'wrap_iv',
  'wrap_tag',
  'key_id',
] as const;

/** A sealed document to re-wrap: where it is, and the reference its encryption is bound to. */
export interface SealedToRewrap {
  readonly table: 'bookings' | 'emergency_requests';
  readonly key: string;
  readonly aad: string;
  readonly sealed: SealedDocument;
}

/** The sealed document of a row; undefined once erased. */
export function sealedOf(row: SealedColumns): SealedDocument | undefined {
  const { ciphertext, iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id } = row;
  if (
    ciphertext === null ||
    iv === null ||
    auth_tag === null ||
    wrapped_key === null ||
    wrap_iv === null ||
    wrap_tag === null ||
    key_id === null
  ) {
    return undefined;
  }
  return {
    ciphertext,
    iv,
    authTag: auth_tag,
    wrappedKey: wrapped_key,
    wrapIv: wrap_iv,
    wrapTag: wrap_tag,
    keyId: key_id,
  };
}

/** The columns a booking row is made of. */
type BookingColumn =
  | 'reference'
  | 'trip_id'
  | 'revision'
  | 'status'
  | 'participant_ids'
  | keyof SealedColumns
  | 'erased_at';

const bookingRowOf = (row: Pick<Selectable<BookingsTable>, BookingColumn>): BookingRow => ({
  reference: row.reference,
  tripId: row.trip_id,
  revision: Number(row.revision),
  status: row.status,
  participantIds: row.participant_ids,
  sealed: sealedOf(row),
  erasedAt: row.erased_at ?? undefined,
});

export const sealedColumns = (sealed: SealedDocument) => ({
  ciphertext: sealed.ciphertext,
  iv: sealed.iv,
  auth_tag: sealed.authTag,
  wrapped_key: sealed.wrappedKey,
  wrap_iv: sealed.wrapIv,
  wrap_tag: sealed.wrapTag,
  key_id: sealed.keyId,
});

/**
 * Of a booking row `b`, what opening it needs in one column, `sealed`: its sealed parts
 * packed in `SEALED_PACKING` order, in base64 (the bytes as hex text, the default, were half
 * again as long to read) — with `b.key_id` beside it, read back by `sealedBookingOf`.
 */
const packedSealed = sql`encode(${sql.join(
  SEALED_PACKING.map((column) => sql.ref(`b.${column}`)),
  sql` || `,
)}, 'base64') AS sealed`;

/** Booking `reference` to open, from a row that selected `b.key_id` and `packedSealed`. */
function sealedBookingOf(
  reference: string,
  row: { readonly key_id: string | null; readonly sealed: string | null },
): SealedBooking {
  return {
    reference,
    sealed:
      row.sealed === null || row.key_id === null
        ? undefined
        : unpackSealed(Buffer.from(row.sealed, 'base64'), row.key_id),
  };
}

/**
 * The emergency policy lookup (see `insuredByPolicy`). Each trip's document once (on its
 * first row), and of the bookings only what is opened: the answer was four copies of the
 * trip and every column, and reading it cost the API process as much as the rest of a
 * release; the sealed parts packed in one column (`packedSealed`). Compiled once; planning
 * its joins cost PostgreSQL more than running them, so it is prepared once per connection.
 */
const policyLookup = compiledTemplate(
  (insurerId: string, digest: Buffer) =>
    sql<{
      holder_participant: string;
      holder_booking: string;
      holder_trip: string;
      holder_insurer: string;
      trip_document: string | null;
      reference: string | null;
      key_id: string | null;
      sealed: string | null;
    }>`
      SELECT p.participant_id AS holder_participant, p.booking_reference AS holder_booking,
             p.trip_id AS holder_trip, p.insurer_id AS holder_insurer,
             CASE WHEN t.id IS NOT NULL AND row_number() OVER (
                    PARTITION BY p.booking_reference, p.participant_id ORDER BY b.reference) = 1
                  THEN t.document::text END AS trip_document,
             b.reference, b.key_id, ${packedSealed}
      FROM booking_policies p
      -- The holder's booking, read by its key (the LIMIT keeps the planner from flattening
      -- this into a join, and from pushing the erasure test down, where the partial index
      -- of live bookings would match it): as a join, with statistics taken while the table
      -- was small, the plan scanned every live booking for the one row — and, prepared,
      -- the connection kept it.
      CROSS JOIN LATERAL (
        SELECT hb.erased_at FROM bookings hb WHERE hb.reference = p.booking_reference
        LIMIT 1) hb
      LEFT JOIN trips t ON t.id = p.trip_id AND p.insurer_id = ${insurerId}
      LEFT JOIN bookings b ON b.trip_id = t.id AND b.erased_at IS NULL
        AND (b.reference = p.booking_reference OR b.leads IS NOT FALSE)
      WHERE p.policy_digest = ${digest} AND hb.erased_at IS NULL
      ORDER BY p.booking_reference, p.participant_id, b.reference`,
);

/**
 * Trips and their live bookings, as the worker and the planner load them (every send, every
 * re-plan; the worker asks for the trips of every job starting at about the same moment at
 * once): each trip's document once (on its first row) and as text, parsed once by the
 * caller — the join repeated it on every booking's row, and the driver parsed each copy —
 * and of the bookings only what is opened (`packedSealed`). Compiled once and prepared per
 * connection.
 */
const tripLoad = compiledTemplate(
  (tripIds: readonly string[]) =>
    sql<{
      trip_id: string;
      trip_document: string | null;
      reference: string | null;
      key_id: string | null;
      sealed: string | null;
      restrictions: StoredRestriction[] | null;
    }>`
      SELECT t.id AS trip_id,
             CASE WHEN row_number() OVER (PARTITION BY t.id ORDER BY b.reference) = 1
                  THEN t.document::text END AS trip_document,
             b.reference, b.key_id, ${packedSealed},
             -- The restrictions of processing of the booking's participants (none: null).
             (SELECT json_agg(json_build_object(
                       'participantId', r.participant_id, 'exceptions', r.exceptions))
                FROM subject_restrictions r
               WHERE r.participant_id = ANY(b.participant_ids)) AS restrictions
      FROM trips t
      LEFT JOIN bookings b ON b.trip_id = t.id AND b.erased_at IS NULL
      -- The ids behind a sub-select: the planner then sees the list as the same whatever
      -- its values, and settles on the generic plan after five calls. Given as a value, the
      -- list was counted by each call's own plan, which always looked cheaper than the
      -- generic one (estimated for ten trips), so each call was planned again (~0.2 ms,
      -- as long as it took to run, once a job).
      WHERE t.id = ANY((SELECT ${tripIds}::text[])::text[])
      ORDER BY t.id, b.reference`,
);

/** A restriction of processing in force, as stored (see migration 0025). */
export interface StoredRestriction {
  readonly participantId: string;
  readonly exceptions: readonly RestrictionException[];
}

/** A contract still sent despite a restriction, and the Art. 18(2) ground the DPO gave. */
export interface RestrictionException {
  readonly contractId: string;
  readonly ground: string;
}

/** A stored trip's document as text, its live bookings as stored (sealed), their restrictions. */
export interface StoredTripText {
  readonly document: string;
  readonly rows: readonly SealedBooking[];
  readonly restrictions: readonly StoredRestriction[];
}

/** Trips and bookings in PostgreSQL; the service decides, this only reads and writes. */
export class BookingsRepository {
  constructor(readonly db: Db) {}

  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /** Inserts a trip unless one with its id exists; whether it did. */
  async insertTripIfAbsent(trx: Executor, trip: Trip, endsAt: Date, now: Date): Promise<boolean> {
    const inserted = await trx
      .insertInto('trips')
      .values({
        id: trip.id,
        revision: trip.revision,
        document: JSON.stringify(trip),
        ends_at: endsAt,
        created_at: now,
        updated_at: now,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /**
   * Locks the trips named (`FOR UPDATE`, in id order so that two writers never wait on each
   * other crosswise) and returns those that exist. Every write that touches a trip or its
   * bookings takes this lock first: the checks across a trip's bookings see a stable set.
   */
  async lockTrips(trx: Executor, ids: readonly string[]): Promise<Map<string, StoredTrip>> {
    const found = new Map<string, StoredTrip>();
    if (ids.length === 0) return found;
    const rows = await trx
      .selectFrom('trips')
      .select(['id', 'revision', 'document'])
      .where('id', 'in', [...ids])
      .orderBy('id')
      .forUpdate()
      .execute();
    for (const row of rows) {
      found.set(row.id, {
        id: row.id,
        revision: Number(row.revision),
        document: row.document as Trip,
      });
    }
    return found;
  }

  async updateTrip(trx: Executor, trip: Trip, endsAt: Date, now: Date): Promise<void> {
    await trx
      .updateTable('trips')
      .set({
        revision: trip.revision,
        document: JSON.stringify(trip),
        ends_at: endsAt,
        updated_at: now,
      })
      .where('id', '=', trip.id)
      .execute();
  }

  async trip(executor: Executor, id: string): Promise<StoredTrip | undefined> {
    const row = await executor
      .selectFrom('trips')
      .select(['id', 'revision', 'document'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { id: row.id, revision: Number(row.revision), document: row.document as Trip };
  }

  async tripIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('trips').select('id').orderBy('id').execute();
    return rows.map((row) => row.id);
  }

  /** The trips with a live (not erased) booking, read through `bookings_trip`. */
  async tripIdsWithLiveBookings(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('bookings')
      .select('trip_id')
      .distinct()
      .where('erased_at', 'is', null)
      .orderBy('trip_id')
      .execute();
    return rows.map((row) => row.trip_id);
  }

  async booking(
    executor: Executor,
    reference: string,
    options: { readonly lock: boolean },
  ): Promise<BookingRow | undefined> {
    let query = executor.selectFrom('bookings').selectAll().where('reference', '=', reference);
    if (options.lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : bookingRowOf(row);
  }

  /**
   * A trip with its bookings that are not erased (by reference), in one statement — one
   * round trip, one consistent snapshot: the trip's document as text, and of each booking
   * what is opened (see `tripLoad`).
   */
  async tripWithLiveBookings(tripId: string): Promise<StoredTripText | undefined> {
    return (await this.tripsWithLiveBookings([tripId])).get(tripId);
  }

  /** The trips with a booking not erased that holds this participant (the GIN index). */
  async tripIdsHoldingParticipant(participantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('bookings')
      .select('trip_id')
      .distinct()
      .where(sql<boolean>`participant_ids @> ARRAY[${participantId}]::text[]`)
      .where('erased_at', 'is', null)
      .orderBy('trip_id')
      .execute();
    return rows.map((row) => row.trip_id);
  }

  /** The same for several trips, in one statement; those not stored are absent. */
  async tripsWithLiveBookings(
    tripIds: readonly string[],
    executor: Executor = this.db,
  ): Promise<Map<string, StoredTripText>> {
    const found = new Map<
      string,
      { document: string; rows: SealedBooking[]; restrictions: StoredRestriction[] }
    >();
    if (tripIds.length === 0) return found;
    const result = await executor.executeQuery(tripLoad(executor, tripIds));
    let current: (typeof found extends Map<string, infer V> ? V : never) | undefined;
    for (const row of result.rows) {
      // Each trip's rows come together, its document on the first.
      if (row.trip_document !== null) {
        current = { document: row.trip_document, rows: [], restrictions: [] };
        found.set(row.trip_id, current);
      }
      if (row.reference === null || current === undefined) continue;
      current.rows.push(sealedBookingOf(row.reference, row));
      if (row.restrictions !== null) current.restrictions.push(...row.restrictions);
    }
    return found;
  }

  /**
   * Up to `limit` sealed documents (bookings, then emergency requests) whose data keys are
   * wrapped under one of `keyIds`, locked (others skip them): each with the reference its
   * encryption is bound to. The caller re-wraps them (`rewrapSealed`) in the same transaction.
   * `after`: the last one the caller was given — it goes on from there, so that a row it
   * could not re-wrap (and left as it was) is not given again.
   */
  async lockSealedUnderKeys(
    trx: Executor,
    keyIds: readonly string[],
    limit: number,
    after?: Pick<SealedToRewrap, 'table' | 'key'>,
  ): Promise<SealedToRewrap[]> {
    if (keyIds.length === 0) return [];
    const found: SealedToRewrap[] = [];
    if (after?.table !== 'emergency_requests') {
      let bookings = trx
        .selectFrom('bookings')
        .select(['reference', ...SEALED_COLUMN_NAMES])
        .where('erased_at', 'is', null)
        .where('key_id', 'in', [...keyIds]);
      if (after !== undefined) bookings = bookings.where('reference', '>', after.key);
      for (const row of await bookings
        .orderBy('reference')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute()) {
        const sealed = sealedOf(row);
        if (sealed === undefined) continue;
        found.push({ table: 'bookings', key: row.reference, aad: row.reference, sealed });
      }
      if (found.length >= limit) return found;
    }
    let requests = trx
      .selectFrom('emergency_requests')
      .select(['id', ...SEALED_COLUMN_NAMES])
      .where('erased_at', 'is', null)
      .where('key_id', 'in', [...keyIds]);
    if (after?.table === 'emergency_requests') requests = requests.where('id', '>', after.key);
    for (const row of await requests
      .orderBy('id')
      .limit(limit - found.length)
      .forUpdate()
      .skipLocked()
      .execute()) {
      const sealed = sealedOf(row);
      if (sealed === undefined) continue;
      found.push({
        table: 'emergency_requests',
        key: row.id,
        aad: `emergency-request:${row.id}`,
        sealed,
      });
    }
    return found;
  }

  /** Writes a re-wrapped data key (and its key id) in place: the ciphertext is unchanged. */
  async rewrapSealed(
    trx: Executor,
    table: 'bookings' | 'emergency_requests',
    key: string,
    sealed: SealedDocument,
  ): Promise<void> {
    const set = {
      wrapped_key: sealed.wrappedKey,
      wrap_iv: sealed.wrapIv,
      wrap_tag: sealed.wrapTag,
      key_id: sealed.keyId,
    };
    if (table === 'bookings') {
      await trx.updateTable('bookings').set(set).where('reference', '=', key).execute();
    } else {
      await trx.updateTable('emergency_requests').set(set).where('id', '=', key).execute();
    }
  }

  /**
   * The trips other than `tripId` where another booking (stored, cancelled or erased) holds
   * one of `participantIds`, with the ids it holds: participant ids are unique within a trip
   * only, so what the register shows of those ids on those trips is another booking's data.
   * Through the participants' GIN index.
   */
  async participantIdsHeldElsewhere(
    reference: string,
    tripId: string,
    participantIds: readonly string[],
  ): Promise<{ readonly tripId: string; readonly participantId: string }[]> {
    if (participantIds.length === 0) return [];
    const ids = [...new Set(participantIds)];
    const { rows } = await sql<{ trip_id: string; participant_id: string }>`
      SELECT DISTINCT b.trip_id, p AS participant_id
      FROM bookings b, unnest(b.participant_ids) p
      WHERE b.participant_ids && ${ids}::text[]
        AND b.reference <> ${reference}
        AND b.trip_id <> ${tripId}
        AND p = ANY(${ids}::text[])`.execute(this.db);
    return rows.map((row) => ({ tripId: row.trip_id, participantId: row.participant_id }));
  }

  /** The participant ids of the trip's erased bookings (their tombstones keep them), but `except`'s. */
  async erasedParticipantIdsOfTrip(
    executor: Executor,
    tripId: string,
    except: string,
  ): Promise<Set<string>> {
    const rows = await this.erasedParticipantIdsQuery(executor, tripId, except).execute();
    return new Set(rows.flatMap((row) => row.participant_ids));
  }

  /** Its statement (every write of a booking runs it: read through `bookings_erased_trip`). */
  erasedParticipantIdsQuery(executor: Executor, tripId: string, except: string) {
    return executor
      .selectFrom('bookings')
      .select('participant_ids')
      .where('trip_id', '=', tripId)
      .where('erased_at', 'is not', null)
      .where('reference', '!=', except);
  }

  /**
   * How many live bookings, and live emergency requests (what agents wrote), were sealed
   * under another master key than `keyId`: what this process cannot open.
   */
  async countSealedUnderOtherKey(
    keyId: string,
  ): Promise<{ readonly bookings: number; readonly emergencyRequests: number }> {
    const count = async (table: 'bookings' | 'emergency_requests'): Promise<number> => {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('erased_at', 'is', null)
        .where('key_id', '!=', keyId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    };
    return {
      bookings: await count('bookings'),
      emergencyRequests: await count('emergency_requests'),
    };
  }

  /** The trip's bookings that are not erased, confirmed and cancelled, by reference. */
  async liveBookingsOfTrip(executor: Executor, tripId: string): Promise<BookingRow[]> {
    const rows = await executor
      .selectFrom('bookings')
      .selectAll()
      .where('trip_id', '=', tripId)
      .where('erased_at', 'is', null)
      .orderBy('reference')
      .execute();
    return rows.map(bookingRowOf);
  }

  async insertBooking(trx: Executor, booking: BookingWrite, now: Date): Promise<void> {
    await trx
      .insertInto('bookings')
      .values({
        reference: booking.reference,
        trip_id: booking.tripId,
        revision: booking.revision,
        status: booking.status,
        participant_ids: [...booking.participantIds],
        ...sealedColumns(booking.sealed),
        created_at: now,
        updated_at: now,
        erased_at: null,
      })
      .execute();
  }

  async updateBooking(trx: Executor, booking: BookingWrite, now: Date): Promise<void> {
    await trx
      .updateTable('bookings')
      .set({
        trip_id: booking.tripId,
        revision: booking.revision,
        status: booking.status,
        participant_ids: [...booking.participantIds],
        ...sealedColumns(booking.sealed),
        updated_at: now,
      })
      .where('reference', '=', booking.reference)
      .where('erased_at', 'is', null)
      .execute();
  }

  /**
   * Erases a booking as it was read (`revision`): the encrypted document and its wrapped key
   * become NULL; the reference, trip, revision, status and participant ids stay, with
   * `erased_at`. Nothing happens — and `false` comes back — if it was erased or rewritten
   * meanwhile.
   */
  async eraseBooking(
    executor: Executor,
    reference: string,
    revision: number,
    now: Date,
  ): Promise<boolean> {
    const erased = await executor
      .updateTable('bookings')
      // Whether it held a leader is a fact about its participants: it goes too (the ids stay).
      .set({ ...ERASED_SEALED_COLUMNS, leads: null, erased_at: now, updated_at: now })
      .where('reference', '=', reference)
      // A bigint column, compared as Kysely reads it (text; PostgreSQL casts the parameter).
      .where('revision', '=', String(revision))
      .where('erased_at', 'is', null)
      .returning('reference')
      .executeTakeFirst();
    if (erased === undefined) return false;
    // The index of its policies and what insurers' agents wrote about its participants go
    // with it.
    await executor
      .deleteFrom('booking_policies')
      .where('booking_reference', '=', reference)
      .execute();
    await this.eraseRequestsAbout(executor, [reference], now);
    // A restriction of processing ends with the last booking that holds its participant:
    // nothing of theirs is left to restrict (the register keeps its history).
    await this.endRestrictionsOf(executor, [reference]);
    return true;
  }

  /**
   * Once erasures have committed: ends the restrictions their participants' last bookings
   * held. Two erasures of the last two bookings holding a participant, running at once, each
   * read the other's booking as not yet erased in their own transaction, and both left the
   * restriction in force; the later commit's call here sees both.
   */
  async endRestrictionsOfErased(references: readonly string[]): Promise<void> {
    if (references.length === 0) return;
    await this.endRestrictionsOf(this.db, references);
  }

  /** Deletes the restrictions of these erased bookings' participants no live booking holds. */
  private async endRestrictionsOf(
    executor: Executor,
    references: readonly string[],
  ): Promise<void> {
    await sql`
      DELETE FROM subject_restrictions r
       WHERE r.participant_id IN (
               SELECT p FROM bookings e, unnest(e.participant_ids) p
                WHERE e.reference = ANY(${references}::text[]) AND e.erased_at IS NOT NULL)
         AND NOT EXISTS (
               SELECT 1 FROM bookings b
                WHERE b.participant_ids @> ARRAY[r.participant_id] AND b.erased_at IS NULL)`.execute(
      executor,
    );
  }

  /**
   * Erases what insurers' agents wrote about the participants of these bookings: requests
   * stored with one of them as the holder's, and those stored without a booking (a refusal
   * naming several holders, or another insurer's policy), found by the participants they
   * concern.
   */
  private async eraseRequestsAbout(
    executor: Executor,
    references: readonly string[],
    now: Date,
  ): Promise<void> {
    await executor
      .updateTable('emergency_requests')
      .set({ ...ERASED_SEALED_COLUMNS, erased_at: now })
      .where((eb) =>
        eb.or([
          eb('booking_reference', 'in', references),
          sql<boolean>`participant_ids && (
            SELECT coalesce(array_agg(p), '{}') FROM bookings b, unnest(b.participant_ids) p
             WHERE b.reference = ANY(${references}::text[]))`,
        ]),
      )
      .where('erased_at', 'is', null)
      .execute();
  }

  /**
   * Once erasures have committed: erases what agents wrote in requests stored while they ran
   * — their lookup read a booking not yet erased, and their row was written after the
   * erasure had cleared the requests it could see, so neither saw the other. The table is
   * locked against writes first (self-exclusive), so that requests still being stored are
   * waited for and seen; those stored from now on see the erasure (migration 0017).
   */
  async eraseRequestsStoredMeanwhile(references: readonly string[], now: Date): Promise<void> {
    if (references.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE emergency_requests IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      await this.eraseRequestsAbout(trx, references, now);
    });
  }

  /**
   * Replaces a booking's rows in the policy index (in the caller's transaction, with the
   * booking's own write), records the index key they were made with and whether the booking
   * holds a group leader.
   */
  async replacePolicies(
    trx: Executor,
    reference: string,
    tripId: string,
    entries: readonly PolicyIndexEntry[],
    keyId: string,
    leads: boolean,
  ): Promise<void> {
    await trx.deleteFrom('booking_policies').where('booking_reference', '=', reference).execute();
    if (entries.length > 0) {
      await trx
        .insertInto('booking_policies')
        .values(
          entries.map((entry) => ({
            booking_reference: reference,
            participant_id: entry.participantId,
            trip_id: tripId,
            insurer_id: entry.insurerId,
            policy_digest: entry.digest,
          })),
        )
        .execute();
    }
    await trx
      .updateTable('bookings')
      .set({ policies_key_id: keyId, leads })
      .where('reference', '=', reference)
      .execute();
  }

  /**
   * In one statement: the participants of live bookings whose policy digest is `digest`
   * (any insurer), and — for those insured by `insurerId` only — their trip (its document
   * as text, parsed once by the caller) with the live bookings a participant's unit is
   * rendered from: the holder's own, and those holding a group leader (or not known not to).
   * One row per holder, or per holder and booking.
   */
  async insuredByPolicy(
    digest: Buffer,
    insurerId: string,
  ): Promise<{
    holders: PolicyHolder[];
    trips: Map<string, { readonly document: string; readonly rows: Map<string, SealedBooking> }>;
  }> {
    const result = await this.db.executeQuery(policyLookup(this.db, insurerId, digest));
    const holders = new Map<string, PolicyHolder>();
    const trips = new Map<string, { document: string; rows: Map<string, SealedBooking> }>();
    for (const row of result.rows) {
      holders.set(`${row.holder_booking}\u0000${row.holder_participant}`, {
        participantId: row.holder_participant,
        bookingReference: row.holder_booking,
        tripId: row.holder_trip,
        insurerId: row.holder_insurer,
      });
      let trip = trips.get(row.holder_trip);
      if (trip === undefined) {
        // The first row of a holder whose trip the caller may see carries the document.
        if (row.trip_document === null) continue;
        trip = { document: row.trip_document, rows: new Map() };
        trips.set(row.holder_trip, trip);
      }
      if (row.reference !== null && !trip.rows.has(row.reference)) {
        trip.rows.set(row.reference, sealedBookingOf(row.reference, row));
      }
    }
    return { holders: [...holders.values()], trips };
  }

  /**
   * Live bookings whose policies are not indexed under `keyId` (written before the index
   * existed, or under another master key) or not known to hold a leader or not, locked for
   * the caller; rows another process holds are skipped. `after`: the last reference the
   * caller was given — it goes on from there (one it could not open is not given again).
   */
  async lockUnindexedBookings(
    trx: Executor,
    keyId: string,
    limit: number,
    sealedWith: string,
    after?: string,
  ): Promise<BookingRow[]> {
    let query = trx.selectFrom('bookings');
    if (after !== undefined) query = query.where('reference', '>', after);
    const rows = await query
      .selectAll()
      .where('erased_at', 'is', null)
      // Only those this master key opens: one sealed under another would fail its whole batch.
      .where('key_id', '=', sealedWith)
      .where((eb) =>
        eb.or([
          eb('policies_key_id', 'is', null),
          eb('policies_key_id', '!=', keyId),
          eb('leads', 'is', null),
        ]),
      )
      .orderBy('reference')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    return rows.map(bookingRowOf);
  }

  /**
   * Live bookings whose trip ended at or before `endedBy`, locked for the caller's
   * transaction; rows another process holds are skipped (it is erasing or rewriting them).
   */
  async lockExpiredBookings(trx: Executor, endedBy: Date, limit: number): Promise<BookingRow[]> {
    const rows = await trx
      .selectFrom('bookings')
      .selectAll('bookings')
      .where('bookings.erased_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('trips')
            .select('trips.id')
            .whereRef('trips.id', '=', 'bookings.trip_id')
            .where('trips.ends_at', '<=', endedBy),
        ),
      )
      .orderBy('bookings.reference')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    return rows.map(bookingRowOf);
  }
}
