import { Logger } from '@nestjs/common';
import type { PolicyHolder } from '../../core/emergency/emergency-release.js';
import type { Booking } from '../../core/model/booking.js';
import type { Trip } from '../../core/model/trip.js';
import type { Restrictions } from '../../core/projection/project-unit.js';
import type { RegisterEntry, RegisterEntryInput } from '../../core/register/register-entry.js';
import {
  notificationDetail,
  recipientsToNotify,
  type RecipientToNotify,
} from '../../core/register/recipients-to-notify.js';
import type { ApiClient } from '../auth/api-client.js';
import { describeForLog } from '../http/error.filter.js';
import type { RegisterService } from '../register/register.service.js';
import { PasserelleError, type PasserelleErrorDetail } from '../shared/passerelle-error.js';
import { BookingCipherError, type BookingCipher, type SealedDocument } from './booking-cipher.js';
import type {
  BookingRow,
  BookingsRepository,
  Executor,
  SealedBooking,
  StoredRestriction,
  SealedToRewrap,
} from './bookings.repository.js';
import { canonicalJson } from './canonical-json.js';
import { PolicyIndex } from './policy-index.js';
import {
  capProblems,
  findPaymentCardPaths,
  isPaymentDataRefusal,
  PAYMENT_DATA_RULE,
  RULES,
  validateBooking,
  validateTrip,
  validateTripBookings,
  type InputError,
} from './input/validate-input.js';
import { retentionCutoff, tripEndsAt } from './trip-end.js';

/** Called with a trip id after every change that commits (see `onTripChanged`). */
export type TripChangeListener = (tripId: string) => Promise<void>;

export interface PutTripResult {
  readonly created: boolean;
  readonly changed: boolean;
  /** The trip as stored after the call. */
  readonly trip: Trip;
}

export interface PutBookingResult {
  readonly created: boolean;
  readonly changed: boolean;
  readonly revision: number;
  readonly tripId: string;
}

export interface LoadedTrip {
  readonly trip: Trip;
  /** Every booking of the trip that is not erased, confirmed and cancelled, by reference. */
  readonly bookings: Booking[];
  /** The restrictions of processing (Art. 18) of their participants in force. */
  readonly restricted: Restrictions;
}

/** No restriction: what an emergency release renders with (see `findInsured`). */
const NONE_RESTRICTED: Restrictions = new Map();

/** The restrictions in force, as the projection reads them (contracts still sent, by participant). */
function restrictionsOf(stored: readonly StoredRestriction[]): Restrictions {
  if (stored.length === 0) return NONE_RESTRICTED;
  return new Map(
    stored.map((restriction) => [
      restriction.participantId,
      new Set(restriction.exceptions.map((exception) => exception.contractId)),
    ]),
  );
}

export interface BookingsServiceOptions {
  /** Days after its trip ends when a booking is erased (AppConfig.bookingRetentionDays). */
  readonly retentionDays: number;
  readonly now?: () => Date;
  /**
   * Told of every erasure request whose participants' data had reached recipients (Art. 19):
   * the metric of the alert. Ids only.
   */
  readonly onErasureToNotify?: (recipients: readonly RecipientToNotify[]) => void;
}

/** Rule texts of the refusals decided here (paths and rules, never values). */
export const STORE_RULES = {
  staleRevision: 'must not be lower than the stored revision',
  revisionReused: 'this revision is stored with a different content: send a higher revision',
  erased: 'this booking was erased: its reference cannot be used again',
  erasedParticipant:
    'belongs to a booking of this trip that was erased: a participant id is not used again (the register keeps its entries under it)',
  pastRetention:
    'the trip ended before the retention period: its bookings are erased, not stored again',
} as const;

/** Erasures per transaction of the retention job. */
const RETENTION_BATCH = 200;
const MAX_ATTEMPTS = 5;

/** A transaction that met a concurrent writer it cannot order behind: run it again. */
class Retry extends Error {}

/** PostgreSQL errors after which a transaction may simply be run again. */
const RETRYABLE_SQLSTATES = new Set(['23505', '40001', '40P01']);
function isRetryable(error: unknown): boolean {
  if (error instanceof Retry) return true;
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

/** At most `MAX_PROBLEMS` details: a booking can name 150,000 flights its trip does not have. */
const detailsOf = (errors: readonly InputError[]): PasserelleErrorDetail[] =>
  capProblems(errors).map(({ path, rule }) => ({ path, rule }));

const paymentRefusal = (errors: readonly InputError[]): PasserelleError =>
  new PasserelleError('PAYMENT_DATA_REFUSED', PAYMENT_DATA_RULE, detailsOf(errors));

const OCCUPANT_PATH = /^trip\.stays\[(\d+)\]\.rooms\[(\d+)\]\.occupantIds\[(\d+)\]$/;
const BOOKING_PATH = /^bookings\[(\d+)\](?:\.(.*))?$/;

/**
 * Trips and bookings as the booking system sends them: validated by the input model,
 * revision-checked, stored (bookings encrypted), erased on request or after retention; and
 * read back whole for the planner and the worker.
 *
 * Every write to a trip or its bookings first locks the trip's row (`SELECT … FOR UPDATE`):
 * writes to one trip are serialized, so two PUTs of the same document cannot both win and
 * the checks across a trip's bookings always see a stable set. Nothing is stored when
 * anything is refused. Listeners hear of every change that committed, and only then.
 */
export class BookingsService {
  private readonly logger = new Logger('Bookings');
  private readonly listeners: TripChangeListener[] = [];
  private readonly now: () => Date;
  private readonly policies: PolicyIndex;

  constructor(
    private readonly repository: BookingsRepository,
    private readonly cipher: BookingCipher,
    private readonly register: RegisterService,
    private readonly options: BookingsServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.policies = new PolicyIndex(cipher);
  }

  /**
   * Registers a listener (the planner) called with the trip id after every change that
   * committed: a trip created or changed, a booking created, changed or moved (both trips),
   * an erasure. Not for a no-op. The caller's request waits for the listeners, but a
   * listener's failure is only logged: the change itself stands.
   */
  onTripChanged(listener: TripChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * `PUT /v1/trips/{id}`. Refusals: payment data (422 `PAYMENT_DATA_REFUSED`), an invalid
   * trip (400 `TRIP_INVALID`), a stale or reused revision (409 `STALE_REVISION`), a change
   * that would make a stored booking invalid (422 `UNPROCESSABLE`, paths
   * `bookings[<reference>].…`).
   */
  async putTrip(raw: unknown, pathId: string, actor: ApiClient): Promise<PutTripResult> {
    const cardPaths = findPaymentCardPaths(raw);
    if (cardPaths.length > 0) {
      throw paymentRefusal(cardPaths.map((path) => ({ path, rule: PAYMENT_DATA_RULE })));
    }
    const validated = validateTrip(raw, { pathId });
    if (!validated.ok) {
      throw new PasserelleError('TRIP_INVALID', 'the trip is invalid', detailsOf(validated.errors));
    }
    const trip = validated.value;
    const endsAt = tripEndsAt(trip);
    const result = await this.withRetry(() =>
      this.repository.transaction(async (trx): Promise<PutTripResult> => {
        const now = this.now();
        if (await this.repository.insertTripIfAbsent(trx, trip, endsAt, now)) {
          return { created: true, changed: true, trip };
        }
        const stored = (await this.repository.lockTrips(trx, [trip.id])).get(trip.id);
        if (stored === undefined) throw new Retry();
        const same = checkRevision(
          trip.revision,
          stored.revision,
          () => canonicalJson(stored.document) === canonicalJson(trip),
        );
        if (same) return { created: false, changed: false, trip: stored.document };
        const bookings = this.openAll(await this.repository.liveBookingsOfTrip(trx, trip.id));
        const errors = tripConflicts(trip, bookings);
        if (errors.length > 0) {
          throw new PasserelleError(
            'UNPROCESSABLE',
            'the trip would make stored bookings invalid',
            detailsOf(errors),
          );
        }
        await this.repository.updateTrip(trx, trip, endsAt, now);
        return { created: false, changed: true, trip };
      }),
    );
    if (result.changed) {
      this.logger.log({
        msg: result.created ? 'trip created' : 'trip updated',
        tripId: trip.id,
        revision: trip.revision,
        clientId: actor.id,
      });
      await this.notify([trip.id]);
    }
    return result;
  }

  /**
   * `PUT /v1/bookings/{reference}`. Refusals: payment data anywhere (422
   * `PAYMENT_DATA_REFUSED`, before anything else is looked at), an invalid document (400
   * `BOOKING_INVALID`), a trip that is not stored or ended before the retention period, an
   * erased reference, or a conflict with the trip or its other bookings (422
   * `UNPROCESSABLE`), a stale or reused revision (409 `STALE_REVISION`).
   */
  async putBooking(
    raw: unknown,
    pathReference: string,
    actor: ApiClient,
  ): Promise<PutBookingResult> {
    const today = this.now().toISOString().slice(0, 10);
    const validated = validateBooking(raw, { today, pathReference });
    if (!validated.ok) {
      if (isPaymentDataRefusal(validated.errors)) throw paymentRefusal(validated.errors);
      throw new PasserelleError(
        'BOOKING_INVALID',
        'the booking is invalid',
        detailsOf(validated.errors),
      );
    }
    const booking = validated.value;
    const plaintext = canonicalJson(booking);
    const result = await this.withRetry(() =>
      this.repository.transaction(async (trx) => {
        const seen = await this.repository.booking(trx, booking.reference, { lock: false });
        // Trips first (in id order), then the booking: the order every writer follows.
        const tripIds = [
          ...new Set([booking.tripId, ...(seen === undefined ? [] : [seen.tripId])]),
        ];
        const trips = await this.repository.lockTrips(trx, tripIds);
        const stored = await this.repository.booking(trx, booking.reference, { lock: true });
        // Moved to a trip we did not lock between the two reads: start again.
        if (stored !== undefined && !tripIds.includes(stored.tripId)) throw new Retry();
        if (stored?.erasedAt !== undefined) {
          throw new PasserelleError('UNPROCESSABLE', 'this booking was erased', [
            { path: 'reference', rule: STORE_RULES.erased },
          ]);
        }
        const trip = trips.get(booking.tripId);
        if (trip === undefined) {
          throw new PasserelleError('UNPROCESSABLE', 'the booking’s trip is not stored', [
            { path: 'tripId', rule: RULES.tripNotFound },
          ]);
        }
        if (stored !== undefined) {
          const same = checkRevision(
            booking.revision,
            stored.revision,
            () => this.open(stored).toString('utf8') === plaintext,
          );
          if (same) return { created: false, changed: false, tripIds: [] };
        }
        // Retention erases the bookings of a trip that ended `retentionDays` days ago: one
        // sent later (a full sync, a late change) would be stored, its sends planned as missed
        // and raised to operations, only to be erased at the next daily run.
        if (
          tripEndsAt(trip.document).getTime() <=
          retentionCutoff(this.now(), this.options.retentionDays).getTime()
        ) {
          throw new PasserelleError('UNPROCESSABLE', 'the booking’s trip is past retention', [
            { path: 'tripId', rule: STORE_RULES.pastRetention },
          ]);
        }
        const others = this.openAll(
          (await this.repository.liveBookingsOfTrip(trx, trip.id)).filter(
            (row) => row.reference !== booking.reference,
          ),
        );
        // An erased participant's id names their register entries (and their access
        // report): given to someone else, the two would be reported as one person.
        const erased = await this.repository.erasedParticipantIdsOfTrip(
          trx,
          trip.id,
          booking.reference,
        );
        const reused = booking.participants.flatMap((participant, index) =>
          erased.has(participant.id)
            ? [{ path: `participants[${index}].id`, rule: STORE_RULES.erasedParticipant }]
            : [],
        );
        if (reused.length > 0) {
          throw new PasserelleError(
            'UNPROCESSABLE',
            'the booking uses the participant id of an erased booking',
            reused,
          );
        }
        const errors = bookingConflicts(trip.document, others, booking);
        if (errors.length > 0) {
          throw new PasserelleError(
            'UNPROCESSABLE',
            'the booking conflicts with its trip or the trip’s other bookings',
            detailsOf(errors),
          );
        }
        const write = {
          reference: booking.reference,
          tripId: booking.tripId,
          revision: booking.revision,
          status: booking.status,
          participantIds: booking.participants.map((participant) => participant.id),
          sealed: this.cipher.seal(booking.reference, Buffer.from(plaintext, 'utf8')),
        };
        const now = this.now();
        if (stored === undefined) await this.repository.insertBooking(trx, write, now);
        else await this.repository.updateBooking(trx, write, now);
        await this.writePolicies(trx, booking);
        return {
          created: stored === undefined,
          changed: true,
          tripIds: [...new Set([booking.tripId, ...(stored === undefined ? [] : [stored.tripId])])],
        };
      }),
    );
    if (result.changed) {
      this.logger.log({
        msg: result.created ? 'booking created' : 'booking updated',
        reference: booking.reference,
        tripId: booking.tripId,
        revision: booking.revision,
        clientId: actor.id,
      });
      await this.notify(result.tripIds);
    }
    return {
      created: result.created,
      changed: result.changed,
      revision: booking.revision,
      tripId: booking.tripId,
    };
  }

  /**
   * `DELETE /v1/bookings/{reference}`, the erasure request: the register records it (an
   * `ops-action` naming the client and the participant ids — fail closed: nothing is erased
   * if it cannot be recorded), then the booking's wrapped key and ciphertext are destroyed.
   * The reference, trip, revision and participant ids stay, with `erased_at`. 404 for an
   * unknown reference; nothing more to do for an erased one.
   */
  async deleteBooking(reference: string, actor: ApiClient): Promise<void> {
    const erased = await this.erase(reference, {
      actor: { kind: 'client', id: actor.id },
      reason: 'erasure request',
      role: actor.role,
    });
    if (erased === 'not-found') {
      throw new PasserelleError('NOT_FOUND', 'no booking with this reference');
    }
  }

  /**
   * The trip and all its bookings that are not erased (confirmed and cancelled), decrypted;
   * `within`: read in that transaction (the planner's, holding the trip's plan lock).
   */
  async loadTrip(tripId: string, within?: Executor): Promise<LoadedTrip | undefined> {
    return (await this.loadTrips([tripId], within)).get(tripId);
  }

  /** The same for several trips at once (one statement); those not stored are absent. */
  async loadTrips(tripIds: readonly string[], within?: Executor): Promise<Map<string, LoadedTrip>> {
    const loaded = new Map<string, LoadedTrip>();
    for (const [tripId, found] of await this.repository.tripsWithLiveBookings(tripIds, within)) {
      loaded.set(tripId, {
        trip: JSON.parse(found.document) as Trip,
        bookings: this.openAll(found.rows),
        restricted: restrictionsOf(found.restrictions),
      });
    }
    return loaded;
  }

  /**
   * Everyone whose policy number is this one (any insurer, the caller decides), and the
   * trips of those `insurerId` insures, each with the bookings their units are rendered
   * from (their own and the leaders', not erased), decrypted: one round trip. The trip's
   * other bookings are not opened.
   */
  async findInsured(
    policyNumber: string,
    insurerId: string,
  ): Promise<{ holders: PolicyHolder[]; trips: Map<string, LoadedTrip> }> {
    const found = await this.repository.insuredByPolicy(
      this.policies.digest(policyNumber),
      insurerId,
    );
    const trips = new Map<string, LoadedTrip>();
    for (const [tripId, stored] of found.trips) {
      trips.set(tripId, {
        trip: JSON.parse(stored.document) as Trip,
        bookings: this.openAll([...stored.rows.values()]),
        // A restriction does not hold back an emergency release: it is made for the
        // participant's vital interests, at the insurer's request (README, Restriction).
        restricted: NONE_RESTRICTED,
      });
    }
    return { holders: found.holders, trips };
  }

  /**
   * Key rotation: every data key still wrapped under a previous master key
   * (`PASSERELLE_DATA_KEY_PREVIOUS`) is re-wrapped under the current one, bookings and
   * emergency requests alike; the documents themselves are not re-encrypted. Several
   * processes at once take disjoint rows. A row whose data key does not open (altered bytes)
   * is left as it is and named in the log, by reference: it does not hold back the others.
   * Returns how many were re-wrapped.
   */
  async rewrapUnderCurrentKey(): Promise<number> {
    const previous = this.cipher.previousKeyIds;
    let rewrapped = 0;
    let after: { readonly table: SealedToRewrap['table']; readonly key: string } | undefined;
    for (;;) {
      const batch = await this.repository.transaction(async (trx) => {
        const rows = await this.repository.lockSealedUnderKeys(
          trx,
          previous,
          RETENTION_BATCH,
          after,
        );
        let done = 0;
        for (const row of rows) {
          let sealed: SealedDocument;
          try {
            sealed = this.cipher.rewrap(row.aad, row.sealed);
          } catch (error) {
            if (!(error instanceof BookingCipherError)) throw error;
            this.logger.error({
              msg: 'a data key cannot be re-wrapped under the current master key: it does not authenticate',
              table: row.table,
              ...(row.table === 'bookings' ? { reference: row.key } : { id: row.key }),
            });
            continue;
          }
          await this.repository.rewrapSealed(trx, row.table, row.key, sealed);
          done += 1;
        }
        return { rows, done };
      });
      rewrapped += batch.done;
      const last = batch.rows[batch.rows.length - 1];
      if (last === undefined || batch.rows.length < RETENTION_BATCH) break;
      after = { table: last.table, key: last.key };
    }
    if (rewrapped > 0) {
      this.logger.log({ msg: 'data keys re-wrapped under the current master key', rewrapped });
    }
    return rewrapped;
  }

  /**
   * Indexes the policies of the bookings stored before the index existed, or indexed under
   * another master key (those this master key opens); several processes at once take
   * disjoint rows. A booking that does not open is left out (and logged by reference): it
   * does not hold back the others. Returns how many were indexed.
   */
  /**
   * What the last `indexPolicies` (run at start, after the re-wrapping) counted still sealed
   * under another master key: the rotation's leftovers (undefined before it ran).
   */
  sealedUnderOtherKey:
    { readonly bookings: number; readonly emergencyRequests: number } | undefined;

  async indexPolicies(): Promise<number> {
    // A booking or an agent's text sealed under another master key cannot be opened:
    // PASSERELLE_DATA_KEY is not the key it was stored with, or a previous key was dropped
    // before everything it wrapped was re-wrapped. Said loudly, not found out one failed
    // lookup at a time; zero of both is when a previous key may be dropped.
    const unreadable = await this.repository.countSealedUnderOtherKey(this.cipher.keyId);
    this.sealedUnderOtherKey = unreadable;
    if (unreadable.bookings > 0 || unreadable.emergencyRequests > 0) {
      this.logger.error({
        msg: 'bookings or emergency requests sealed under another master key cannot be opened: PASSERELLE_DATA_KEY (or PASSERELLE_DATA_KEY_PREVIOUS) lacks the key they were stored with',
        ...unreadable,
      });
    }
    let indexed = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.repository.transaction(async (trx) => {
        const rows = await this.repository.lockUnindexedBookings(
          trx,
          this.policies.keyId,
          RETENTION_BATCH,
          this.cipher.keyId,
          after,
        );
        let done = 0;
        for (const row of rows) {
          let plaintext: Buffer;
          try {
            // Logged by reference if it does not open.
            plaintext = this.open(row);
          } catch (error) {
            if (!(error instanceof BookingCipherError)) throw error;
            continue;
          }
          await this.writePolicies(trx, JSON.parse(plaintext.toString('utf8')) as Booking);
          done += 1;
        }
        return { rows, done };
      });
      indexed += batch.done;
      const last = batch.rows[batch.rows.length - 1];
      if (last === undefined || batch.rows.length < RETENTION_BATCH) break;
      after = last.reference;
    }
    if (indexed > 0) this.logger.log({ msg: 'policy index built', bookings: indexed });
    return indexed;
  }

  /** The booking's insured participants in the policy index, under the current key. */
  private writePolicies(trx: Executor, booking: Booking): Promise<void> {
    return this.repository.replacePolicies(
      trx,
      booking.reference,
      booking.tripId,
      this.policies.entriesOf(booking),
      this.policies.keyId,
      booking.participants.some((participant) => participant.role === 'leader'),
    );
  }

  listTripIds(): Promise<string[]> {
    return this.repository.tripIds();
  }

  listTripIdsWithLiveBookings(): Promise<string[]> {
    return this.repository.tripIdsWithLiveBookings();
  }

  /**
   * Tells the listeners (the planner) that the trips holding this participant in a booking
   * not erased changed — a restriction of processing put or lifted, which the trips' data
   * does not show. Returns their ids.
   */
  async participantChanged(participantId: string): Promise<string[]> {
    const tripIds = await this.repository.tripIdsHoldingParticipant(participantId);
    await this.notify(tripIds);
    return tripIds;
  }

  /**
   * The retention job: erases, as an erasure request would (actor `system`, reason
   * `retention`), every booking whose trip ended more than `retentionDays` days before
   * `now`. Returns how many were erased.
   */
  async eraseExpired(now: Date): Promise<number> {
    const endedBy = retentionCutoff(now, this.options.retentionDays);
    const tripIds = new Set<string>();
    let erased = 0;
    for (;;) {
      const { batch, done } = await this.repository.transaction(async (trx) => {
        const rows = await this.repository.lockExpiredBookings(trx, endedBy, RETENTION_BATCH);
        if (rows.length === 0) return { batch: rows, done: rows };
        // Recorded before the keys are destroyed; if the register is down, nothing is erased.
        await this.register.appendAll(
          rows.map((row) =>
            erasureEntry(row, { kind: 'system', id: 'retention' }, 'retention', {
              retentionDays: this.options.retentionDays,
            }),
          ),
        );
        const erasedRows: typeof rows = [];
        for (const row of rows) {
          if (await this.repository.eraseBooking(trx, row.reference, row.revision, now)) {
            erasedRows.push(row);
          }
        }
        return { batch: rows, done: erasedRows };
      });
      // Committed: counted, what agents wrote meanwhile erased too, and the restrictions
      // another erasure running at once left in force ended.
      for (const row of done) tripIds.add(row.tripId);
      erased += done.length;
      await this.repository.eraseRequestsStoredMeanwhile(
        done.map((row) => row.reference),
        now,
      );
      await this.repository.endRestrictionsOfErased(done.map((row) => row.reference));
      if (batch.length < RETENTION_BATCH) break;
    }
    if (erased > 0) this.logger.log({ msg: 'retention erased bookings', count: erased });
    await this.notify([...tripIds]);
    return erased;
  }

  private async erase(
    reference: string,
    how: {
      readonly actor: RegisterEntryInput['actor'];
      readonly reason: string;
      readonly role: string;
    },
  ): Promise<'erased' | 'already-erased' | 'not-found'> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const row = await this.repository.booking(this.repository.db, reference, { lock: false });
      if (row === undefined) return 'not-found';
      if (row.erasedAt !== undefined) {
        // Its last steps again, in case they failed the first time (a retry of the request).
        await this.repository.eraseRequestsStoredMeanwhile([reference], this.now());
        await this.repository.endRestrictionsOfErased([reference]);
        return 'already-erased';
      }
      // Recorded first, outside any transaction (the register commits on its own
      // connections): if it cannot be recorded, nothing is erased. The entry names the
      // recipients the participants' data reached, whom the controller must tell of the
      // erasure (Art. 17(2), Art. 19): read from the register first, fail closed as well.
      let recipients: RecipientToNotify[];
      let entry: RegisterEntry;
      try {
        recipients = recipientsToNotify(
          row.participantIds,
          await this.entriesAbout(row.participantIds),
          await this.repository.participantIdsHeldElsewhere(
            reference,
            row.tripId,
            row.participantIds,
          ),
        );
        entry = await this.register.append(
          erasureEntry(row, how.actor, how.reason, {
            role: how.role,
            ...notificationDetail(recipients),
          }),
        );
      } catch {
        throw new PasserelleError(
          'REGISTER_UNAVAILABLE',
          'the register cannot record this erasure; nothing was erased',
        );
      }
      // Erased only as it was read: if a PUT rewrote it meanwhile, read it again and record
      // its participants as they are now. The booking, its policy index and what agents
      // wrote about its participants go in one transaction: all, or none (a retry finds it
      // not yet erased and does it all).
      const now = this.now();
      if (
        await this.repository.transaction((trx) =>
          this.repository.eraseBooking(trx, reference, row.revision, now),
        )
      ) {
        await this.repository.eraseRequestsStoredMeanwhile([reference], now);
        await this.repository.endRestrictionsOfErased([reference]);
        this.logger.log({
          msg: 'booking erased',
          reference,
          tripId: row.tripId,
          reason: how.reason,
        });
        if (recipients.length > 0) {
          // Raised: the DPO tells each recipient of the erasure (Art. 19); the list stays in
          // the register entry and in GET /v1/subjects/{id}/recipients. Ids only.
          this.logger.warn({
            msg: 'erasure to notify to recipients',
            reference,
            tripId: row.tripId,
            registerEntry: entry.id,
            recipientsToNotify: recipients.length,
            recipientIds: recipients.map((recipient) => recipient.recipientId).join(','),
          });
          this.options.onErasureToNotify?.(recipients);
        }
        await this.notify([row.tripId]);
        return 'erased';
      }
    }
    throw new Error('the booking kept changing during its erasure');
  }

  /** Every register entry naming one of the subjects, each once. */
  private async entriesAbout(subjectIds: readonly string[]): Promise<RegisterEntry[]> {
    const byId = new Map<string, RegisterEntry>();
    for (const subjectId of new Set(subjectIds))
      for (const entry of await this.register.aboutSubject(subjectId)) byId.set(entry.id, entry);
    return [...byId.values()];
  }

  private open(row: SealedBooking): Buffer {
    if (row.sealed === undefined) throw new Error('an erased booking cannot be opened');
    try {
      return this.cipher.open(row.reference, row.sealed);
    } catch (error) {
      if (error instanceof BookingCipherError) {
        // Logged by reference only: which row, not what it holds.
        this.logger.error({ msg: 'stored booking cannot be decrypted', reference: row.reference });
      }
      throw error;
    }
  }

  private openAll(rows: readonly SealedBooking[]): Booking[] {
    return rows.map((row) => JSON.parse(this.open(row).toString('utf8')) as Booking);
  }

  private async withRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      }
    }
  }

  /** Calls every listener for every trip, in turn; failures are logged, never thrown. */
  private async notify(tripIds: readonly string[]): Promise<void> {
    for (const tripId of new Set(tripIds)) {
      for (const listener of this.listeners) {
        try {
          await listener(tripId);
        } catch (error) {
          this.logger.error({
            msg: 'trip change listener failed',
            tripId,
            ...describeForLog(error),
          });
        }
      }
    }
  }
}

/**
 * The revision rules (input-model.md): lower than stored → 409; equal → a no-op when the
 * content is the same (returns true), 409 otherwise; higher → go on (returns false).
 */
function checkRevision(incoming: number, stored: number, sameContent: () => boolean): boolean {
  if (incoming < stored) {
    throw new PasserelleError(
      'STALE_REVISION',
      `revision ${incoming} is older than the stored revision ${stored}`,
      [{ path: 'revision', rule: STORE_RULES.staleRevision }],
    );
  }
  if (incoming > stored) return false;
  if (sameContent()) return true;
  throw new PasserelleError('STALE_REVISION', `revision ${incoming} is already stored`, [
    { path: 'revision', rule: STORE_RULES.revisionReused },
  ]);
}

function erasureEntry(
  row: BookingRow,
  actor: RegisterEntryInput['actor'],
  reason: string,
  detail: Readonly<Record<string, string | number>>,
): RegisterEntryInput {
  return {
    event: 'ops-action',
    tripId: row.tripId,
    unit: `booking:${row.reference}`,
    subjects: [...row.participantIds],
    fields: [],
    categories: [],
    withheld: [],
    actor,
    reason,
    detail: { ...detail, action: 'booking-erased' },
  };
}

/**
 * Problems a changed trip would cause to its stored bookings. Rooms may name participants
 * whose booking has not arrived yet (or was erased): bookings come one by one, after the
 * trip. But a room naming a participant of a stored booking who is not a guest of that
 * stay (cancelled, or not taking it) is refused. Paths name bookings by reference.
 */
function tripConflicts(trip: Trip, bookings: readonly Booking[]): InputError[] {
  const known = new Set(bookings.flatMap((booking) => booking.participants.map((p) => p.id)));
  return validateTripBookings(trip, bookings).flatMap((error): InputError[] => {
    const occupant = OCCUPANT_PATH.exec(error.path);
    if (occupant !== null && error.rule === RULES.occupantNotGuest) {
      const [, stay, room, index] = occupant.map(Number);
      const id = trip.stays[stay ?? -1]?.rooms[room ?? -1]?.occupantIds[index ?? -1];
      if (id === undefined || !known.has(id)) return [];
    }
    return [{ path: relativePath(error.path, bookings), rule: error.rule }];
  });
}

/**
 * Problems of a booking against its trip and the trip's other bookings, with paths in the
 * booking. Room assignments are the trip's business and are not held against a booking: a
 * booking may be cancelled while the trip still rooms its participants.
 */
function bookingConflicts(trip: Trip, others: readonly Booking[], booking: Booking): InputError[] {
  const own = `bookings[${others.length}]`;
  return validateTripBookings(trip, [...others, booking]).flatMap((error): InputError[] => {
    if (error.rule === RULES.occupantNotGuest) return [];
    // Duplicates are reported on the later document, the incoming one; problems of other
    // stored bookings are not this booking's to fix.
    if (error.path === own) return [{ path: '', rule: error.rule }];
    if (error.path.startsWith(`${own}.`)) {
      return [{ path: error.path.slice(own.length + 1), rule: error.rule }];
    }
    return [];
  });
}

/** `bookings[2].participants[0].id` → `bookings[B-1003].participants[0].id`; `trip.x` → `x`. */
function relativePath(path: string, bookings: readonly Booking[]): string {
  if (path.startsWith('trip.')) return path.slice('trip.'.length);
  const match = BOOKING_PATH.exec(path);
  if (match === null) return path;
  const reference = bookings[Number(match[1])]?.reference ?? match[1] ?? '';
  return match[2] === undefined ? `bookings[${reference}]` : `bookings[${reference}].${match[2]}`;
}
