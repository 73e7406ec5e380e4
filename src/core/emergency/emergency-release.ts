import type { Contract } from '../contracts/contract.js';
import type { FieldCatalogue } from '../fields/field-catalogue.js';
import type { FormatRegistry } from '../formats/payload-format.js';
import type { Booking } from '../model/booking.js';
import type { IsoInstant, Trip } from '../model/trip.js';
import type { DataQualityError, UnitRef } from '../projection/minimized-unit.js';
import {
  renderOneUnit,
  type PreparedFormat,
  type RenderedUnit,
} from '../projection/render-unit.js';
import { momentTime } from '../planning/plan-trip.js';

/**
 * Why an emergency request was refused. The caller is told none of this (every refusal but
 * `data-incomplete` answers as "not found"); the register and operations are.
 */
export type RefusalReason =
  | 'unknown-policy'
  | 'other-insurer'
  | 'not-confirmed'
  | 'outside-window'
  | 'not-in-scope'
  | 'ambiguous-policy'
  | 'date-of-birth-mismatch'
  | 'data-incomplete';

/**
 * The form a policy number is indexed and compared in: Unicode-compatible (NFKC), without
 * white space, upper case — what an agent reads out over a phone line, however typed.
 */
export function normalizePolicyNumber(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, '').toUpperCase();
}

/** A participant whose policy number matched, as the index knows them (ids only). */
export interface PolicyHolder {
  readonly participantId: string;
  readonly bookingReference: string;
  readonly tripId: string;
  readonly insurerId: string;
}

export interface ReleaseInput {
  /** The calling client's insurer. */
  readonly insurerId: string;
  readonly holders: readonly PolicyHolder[];
  /**
   * The trips of the calling insurer's holders, with their bookings that are not erased:
   * at least the holders' own and those holding a leader (all a participant's unit reads).
   */
  readonly trips: ReadonlyMap<
    string,
    { readonly trip: Trip; readonly bookings: readonly Booking[] }
  >;
  /** The emergency contract (`schedule.onDemand`, unit `participant`, scope `insuredBy`). */
  readonly contract: Contract;
  readonly catalogue: FieldCatalogue;
  readonly formats: FormatRegistry;
  /** The contract's `prepareFormat`, when the caller keeps it. */
  readonly prepared?: PreparedFormat;
  readonly now: IsoInstant;
  /** The render context's reference (a stable id of the request). */
  readonly reference: string;
  /**
   * The date of birth the agent gave (`YYYY-MM-DD`), to tell apart the insured sharing one
   * policy number (a family policy): only a holder born that day is released.
   */
  readonly dateOfBirth?: string;
}

export type ReleaseDecision =
  | {
      readonly kind: 'released';
      readonly holder: PolicyHolder;
      readonly unit: RenderedUnit;
    }
  | {
      readonly kind: 'refused';
      readonly reason: RefusalReason;
      /** Who the request was about, when the index knew them (the register names them). */
      readonly subjects: readonly string[];
      /** The holder the refusal is about, when exactly one was considered. */
      readonly holder?: PolicyHolder;
      /** For `data-incomplete`: which field of whom breaks which rule (never a value). */
      readonly errors?: readonly DataQualityError[];
    };

/** The participant unit of an insurer-recipient contract: `participant:<id>:insurer:<id>`. */
export function emergencyUnit(participantId: string, insurerId: string): UnitRef {
  return {
    kind: 'participant',
    id: participantId,
    insurerId,
    key: `participant:${participantId}:insurer:${insurerId}`,
  };
}

/** Whether `now` falls in the contract's on-demand window for the unit (bounds included). */
export function inReleaseWindow(
  contract: Contract,
  trip: Trip,
  unit: UnitRef,
  now: number,
): boolean {
  const schedule = contract.schedule;
  if (schedule.kind !== 'on-demand') return false;
  const from = momentTime(schedule.from, trip, unit, now);
  const until = momentTime(schedule.until, trip, unit, now);
  return from !== undefined && until !== undefined && from <= now && now <= until;
}

/** Whether the holder's participant was born on `date` (in the booking the index names). */
function bornOn(input: ReleaseInput, holder: PolicyHolder, date: string): boolean {
  const booking = input.trips
    .get(holder.tripId)
    ?.bookings.find((b) => b.reference === holder.bookingReference);
  const participant = booking?.participants.find((p) => p.id === holder.participantId);
  return participant?.dateOfBirth === date;
}

/** The order refusals are reported in when several holders fail for different reasons. */
const PRECEDENCE: readonly RefusalReason[] = ['not-confirmed', 'outside-window', 'not-in-scope'];

/**
 * Decides an emergency request, pure: the calling insurer's holder of the policy, on a
 * confirmed booking of a trip that is not cancelled, inside the contract's on-demand window
 * (by default one day before the trip starts to one day after it ends), in the contract's
 * scope — exactly one such holder (the one born on `dateOfBirth`, when the agent gives it:
 * a family policy names several), or nothing. Released: the contract's rendering of that
 * participant's unit, and nothing more.
 */
export function decideRelease(input: ReleaseInput): ReleaseDecision {
  const now = Date.parse(input.now);
  const own = input.holders.filter((holder) => holder.insurerId === input.insurerId);
  if (own.length === 0) {
    return {
      kind: 'refused',
      reason: input.holders.length === 0 ? 'unknown-policy' : 'other-insurer',
      subjects: [...new Set(input.holders.map((holder) => holder.participantId))].sort(),
    };
  }
  const eligible: PolicyHolder[] = [];
  const refusals: { holder: PolicyHolder; reason: RefusalReason }[] = [];
  for (const holder of own) {
    const data = input.trips.get(holder.tripId);
    const booking = data?.bookings.find((b) => b.reference === holder.bookingReference);
    const unit = emergencyUnit(holder.participantId, input.insurerId);
    if (data === undefined || booking === undefined) {
      refusals.push({ holder, reason: 'not-in-scope' });
    } else if (booking.status !== 'confirmed' || data.trip.status === 'cancelled') {
      refusals.push({ holder, reason: 'not-confirmed' });
    } else if (!inReleaseWindow(input.contract, data.trip, unit, now)) {
      refusals.push({ holder, reason: 'outside-window' });
    } else {
      eligible.push(holder);
    }
  }
  const subjects = [...new Set(own.map((holder) => holder.participantId))].sort();
  const named =
    input.dateOfBirth === undefined
      ? eligible
      : eligible.filter((holder) => bornOn(input, holder, input.dateOfBirth ?? ''));
  if (named.length === 0 && eligible.length > 0) {
    return { kind: 'refused', reason: 'date-of-birth-mismatch', subjects };
  }
  const [only, second] = named;
  if (second !== undefined) return { kind: 'refused', reason: 'ambiguous-policy', subjects };
  if (only === undefined) {
    const first = PRECEDENCE.map((reason) => refusals.find((r) => r.reason === reason)).find(
      (found) => found !== undefined,
    );
    return {
      kind: 'refused',
      reason: first?.reason ?? 'not-in-scope',
      subjects,
      ...(refusals.length === 1 && first !== undefined ? { holder: first.holder } : {}),
    };
  }
  const data = input.trips.get(only.tripId);
  if (data === undefined) return { kind: 'refused', reason: 'not-in-scope', subjects };
  const unit = renderOneUnit(
    {
      trip: data.trip,
      bookings: data.bookings,
      contract: input.contract,
      catalogue: input.catalogue,
      formats: input.formats,
      ...(input.prepared === undefined ? {} : { prepared: input.prepared }),
      now: input.now,
      contextFor: () => ({ reference: input.reference, preparedAt: input.now }),
    },
    emergencyUnit(only.participantId, input.insurerId),
  );
  if (!unit.participantIds.includes(only.participantId)) {
    return { kind: 'refused', reason: 'not-in-scope', subjects, holder: only };
  }
  if (unit.errors.length > 0 || unit.files.length !== 1) {
    return {
      kind: 'refused',
      reason: 'data-incomplete',
      subjects,
      holder: only,
      errors: unit.errors,
    };
  }
  return { kind: 'released', holder: only, unit };
}
