import {
  FROM_UNIT,
  type Contract,
  type ContractScope,
  type SpecialCategoryRule,
} from '../contracts/contract.js';
import type { FieldCatalogue, FieldDefinition } from '../fields/field-catalogue.js';
import type { ParticipantReadContext, UnitReadContext } from '../fields/field-readers.js';
import type { FieldValue } from '../fields/field-value.js';
import type { Booking, Participant } from '../model/booking.js';
import type { Flight, IsoInstant, Room, Stay, Trip } from '../model/trip.js';
import { checkDataQuality, type DataQualityRule } from './data-quality.js';
import type {
  DataQualityError,
  MinimizedParticipant,
  MinimizedRoom,
  ProjectedUnit,
  ResolvedRecipient,
  UnitRef,
  Withholding,
  WithholdingReason,
} from './minimized-unit.js';

export interface ProjectionInput {
  readonly trip: Trip;
  /** The trip's bookings; those of other trips and cancelled ones are ignored. */
  readonly bookings: readonly Booking[];
  /** A contract that passed the linter. */
  readonly contract: Contract;
  readonly catalogue: FieldCatalogue;
  /** The moment rendered for (`participant.currentStay`); the core has no clock. */
  readonly now?: IsoInstant;
  /** Fields every participant must have a value for (the format's `requires`). */
  readonly requiredFields?: readonly string[];
  /** Checks on the full data the format asks for (see `checkDataQuality`). */
  readonly qualityRules?: readonly DataQualityRule[];
  /** Restrictions of processing in force for the trip's participants (see `Restrictions`). */
  readonly restricted?: Restrictions;
}

/**
 * Restrictions of processing (GDPR Art. 18) in force, by participant id: the ids of the
 * contracts that still send the participant's data (each on an Art. 18(2) ground the DPO
 * recorded). A restricted participant is left out of every other contract's units, as if
 * their booking were cancelled for that contract alone.
 */
export type Restrictions = ReadonlyMap<string, ReadonlySet<string>>;

interface Member {
  readonly booking: Booking;
  readonly participant: Participant;
}

/** The base unit before the insurer split: what the unit kind selects. */
interface BaseUnit {
  readonly kind: UnitRef['kind'];
  readonly id: string;
  readonly flight?: Flight;
  readonly stay?: Stay;
  readonly members: readonly Member[];
}

const byId = (a: Member, b: Member): number =>
  a.participant.id < b.participant.id ? -1 : a.participant.id > b.participant.id ? 1 : 0;

/**
 * Every participant of the trip's confirmed bookings; cancelled bookings never reach a unit,
 * nor restricted participants a contract that is not excepted from their restriction.
 */
function confirmedMembers(
  trip: Trip,
  bookings: readonly Booking[],
  contractId: string,
  restricted: Restrictions | undefined,
): Member[] {
  // A loop: `flatMap` over a few hundred bookings cost more than the rest of some units.
  const members: Member[] = [];
  // Most trips have no restriction: nothing is looked up for them.
  const anyRestricted = restricted !== undefined && restricted.size > 0;
  for (const booking of bookings) {
    if (booking.tripId !== trip.id || booking.status !== 'confirmed') continue;
    for (const participant of booking.participants) {
      const excepted = anyRestricted ? restricted.get(participant.id) : undefined;
      if (excepted !== undefined && !excepted.has(contractId)) continue;
      members.push({ booking, participant });
    }
  }
  return members;
}

const takesFlight = (participant: Participant, flight: Flight): boolean =>
  participant.flightIds === undefined || participant.flightIds.includes(flight.id);
const takesStay = (participant: Participant, stay: Stay): boolean =>
  participant.stayIds === undefined || participant.stayIds.includes(stay.id);

/**
 * `scope.flightsTouching`: a flight into or out of one of the countries. A domestic flight,
 * departing from and arriving in the same country, is neither: CBP APIS and CARICOM APIS
 * cover the flights that arrive in or depart from the country, not those within it (a
 * JFK→LAX manifest would disclose passports for nothing). `domesticFlights: include` keeps
 * them, for programmes that cover them too (TSA Secure Flight).
 */
function isFlightInScope(flight: Flight, scope: ContractScope): boolean {
  const countries = scope.flightsTouching;
  if (countries === undefined) return true;
  const from = flight.departure.country;
  const to = flight.arrival.country;
  if (from === to && scope.domesticFlights !== 'include') return false;
  return countries.includes(from) || countries.includes(to);
}

function baseUnits(trip: Trip, members: readonly Member[], contract: Contract): BaseUnit[] {
  if (trip.status === 'cancelled') return [];
  const { roles } = contract.scope;
  const inRole = members.filter((member) => roles.includes(member.participant.role));
  switch (contract.unit) {
    case 'flight':
      return trip.flights
        .filter((flight) => isFlightInScope(flight, contract.scope))
        .map((flight) => ({
          kind: 'flight',
          id: flight.id,
          flight,
          members: inRole.filter((member) => takesFlight(member.participant, flight)),
        }));
    case 'stay':
      return trip.stays.map((stay) => ({
        kind: 'stay',
        id: stay.id,
        stay,
        members: inRole.filter((member) => takesStay(member.participant, stay)),
      }));
    case 'trip':
      return [{ kind: 'trip', id: trip.id, members: inRole }];
    case 'booking': {
      // Members grouped in one pass: filtering every member for each booking was quadratic
      // in the size of the group.
      const byReference = new Map<string, Member[]>();
      for (const member of inRole) {
        const group = byReference.get(member.booking.reference);
        if (group === undefined) byReference.set(member.booking.reference, [member]);
        else group.push(member);
      }
      return [...byReference.keys()].sort().map((reference) => ({
        kind: 'booking',
        id: reference,
        members: byReference.get(reference) ?? [],
      }));
    }
    case 'participant':
      return [...inRole]
        .sort(byId)
        .map((member) => ({ kind: 'participant', id: member.participant.id, members: [member] }));
  }
}

interface ScopedUnit extends BaseUnit {
  readonly ref: UnitRef;
}

function unitKey(kind: string, id: string, insurerId?: string): string {
  return insurerId === undefined ? `${kind}:${id}` : `${kind}:${id}:insurer:${insurerId}`;
}

/** Row scoping: the unit's participants, split per insurer when the recipient is the insurer. */
function scopedUnits(
  trip: Trip,
  bookings: readonly Booking[],
  contract: Contract,
  restricted: Restrictions | undefined,
  only?: UnitRef,
): ScopedUnit[] {
  const units: ScopedUnit[] = [];
  let members = confirmedMembers(trip, bookings, contract.id, restricted);
  // One participant's or one booking's unit is made of their members alone: the others'
  // units need not be made to find it.
  if (only?.kind === contract.unit && only.kind === 'participant') {
    members = members.filter((member) => member.participant.id === only.id);
  } else if (only?.kind === contract.unit && only.kind === 'booking') {
    members = members.filter((member) => member.booking.reference === only.id);
  }
  for (const base of baseUnits(trip, members, contract)) {
    if (contract.scope.insuredBy === 'recipient') {
      // A fixed recipient is one insurer: it gets its own insured, never another insurer's
      // (the linter refuses such a contract; this holds even if one slips through).
      const fixed = contract.recipient.id === FROM_UNIT ? undefined : contract.recipient.id;
      const insurers = [
        ...new Set(
          base.members.flatMap((m) =>
            m.participant.insurance === undefined ? [] : [m.participant.insurance.insurerId],
          ),
        ),
      ]
        .filter((insurerId) => fixed === undefined || insurerId === fixed)
        .sort();
      for (const insurerId of insurers) {
        const members = base.members.filter(
          (m) => m.participant.insurance?.insurerId === insurerId,
        );
        units.push(
          Object.assign({}, base, {
            members: [...members].sort(byId),
            ref: {
              kind: base.kind,
              id: base.id,
              insurerId,
              key: unitKey(base.kind, base.id, insurerId),
            },
          }),
        );
      }
    } else if (base.members.length > 0) {
      // `Object.assign`, not `{ ...base, … }`: V8 copies a literal that starts with a spread
      // and goes on on its slow path (~1 µs each).
      units.push(
        Object.assign({}, base, {
          members: [...base.members].sort(byId),
          ref: { kind: base.kind, id: base.id, key: unitKey(base.kind, base.id) },
        }),
      );
    }
  }
  return units;
}

/** The units a contract has for a trip, in a stable order; units without participants are left out. */
export function enumerateUnits(
  trip: Trip,
  bookings: readonly Booking[],
  contract: Contract,
  restricted?: Restrictions,
): UnitRef[] {
  return scopedUnits(trip, bookings, contract, restricted).map((unit) => unit.ref);
}

/** What every unit of one projection shares: computed once, not once per unit. */
interface Prepared {
  readonly allowed: readonly FieldDefinition[];
  readonly allowedIds: ReadonlySet<string>;
  readonly required: ReadonlySet<string>;
  /** The trip's leaders, by id (see `UnitReadContext.leaders`). */
  readonly leaders: readonly Participant[];
  /** Unit-level values by flight and stay id (see `unitLevelValues`). */
  readonly unitValues: Map<
    string,
    { readonly values: Readonly<Record<string, FieldValue>>; readonly subjects: readonly string[] }
  >;
}

/**
 * The unit-level values (`flight.*`, `stay.*`, `trip.*`) and whose data they are. They
 * depend only on the unit's flight and stay, so units sharing both (every participant unit
 * of a trip) share one computation.
 */
function unitLevelValues(
  prepared: Prepared,
  trip: Trip,
  unit: ScopedUnit,
): { readonly values: Readonly<Record<string, FieldValue>>; readonly subjects: readonly string[] } {
  const key = `${unit.flight?.id ?? ''}\u0000${unit.stay?.id ?? ''}`;
  const cached = prepared.unitValues.get(key);
  if (cached !== undefined) return cached;
  const context: UnitReadContext = {
    trip,
    ...(unit.flight === undefined ? {} : { flight: unit.flight }),
    ...(unit.stay === undefined ? {} : { stay: unit.stay }),
    leaders: prepared.leaders,
  };
  const values: Record<string, FieldValue> = {};
  const subjects: string[] = [];
  for (const field of prepared.allowed) {
    if (field.reader?.level !== 'unit') continue;
    const value = field.reader.read(context);
    if (value === undefined) continue;
    values[field.id] = value;
    subjects.push(...(field.reader.subjects?.(context) ?? []));
  }
  const computed = { values, subjects };
  prepared.unitValues.set(key, computed);
  return computed;
}

function prepare(input: ProjectionInput): Prepared {
  const allowed = input.contract.fields
    .map((id) => input.catalogue.fields.get(id))
    .filter((field): field is FieldDefinition => field?.reader !== undefined);
  return {
    allowed,
    allowedIds: new Set(allowed.map((field) => field.id)),
    required: new Set(input.requiredFields ?? []),
    // A restricted leader's contact details leave the contract's units with them.
    leaders: confirmedMembers(input.trip, input.bookings, input.contract.id, input.restricted)
      .map((member) => member.participant)
      .filter((participant) => participant.role === 'leader')
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    unitValues: new Map(),
  };
}

/** Projects every unit of the contract for the trip. */
export function projectAllUnits(input: ProjectionInput): ProjectedUnit[] {
  const prepared = prepare(input);
  return scopedUnits(input.trip, input.bookings, input.contract, input.restricted).map((unit) =>
    projectScopedUnit(input, prepared, unit),
  );
}

/**
 * `(trip, bookings, contract, unit) → MinimizedUnit`: the unit's participants after row
 * scoping, each with only the allowed fields; special-category values withheld without the
 * consent the contract names, every withholding reported. Deterministic: no clock, no
 * randomness, participants ordered by id. A unit that no longer exists projects empty.
 */
export function projectUnit(input: ProjectionInput, unit: UnitRef): ProjectedUnit {
  const scoped = scopedUnits(
    input.trip,
    input.bookings,
    input.contract,
    input.restricted,
    unit,
  ).find((u) => u.ref.key === unit.key);
  const base = scoped ?? { kind: unit.kind, id: unit.id, members: [], ref: unit };
  return projectScopedUnit(input, prepare(input), base);
}

function resolveRecipient(contract: Contract, unit: ScopedUnit): ResolvedRecipient {
  const { recipient } = contract;
  let id = recipient.id;
  let name = recipient.name;
  if (id === FROM_UNIT) {
    if (unit.ref.insurerId !== undefined) id = unit.ref.insurerId;
    else if (unit.flight !== undefined) id = unit.flight.carrier;
    else if (unit.stay !== undefined) {
      id = unit.stay.hotel.id;
      name = unit.stay.hotel.name;
    }
  }
  const country =
    recipient.country !== FROM_UNIT ? recipient.country : unit.stay?.hotel.address.country;
  return { id, name, category: recipient.category, ...(country === undefined ? {} : { country }) };
}

/** The Art. 9(2) rule covering a category, if any. */
function ruleFor(contract: Contract, category: string): SpecialCategoryRule | undefined {
  return contract.specialCategories.find(
    (rule) => rule.categories === undefined || rule.categories.includes(category),
  );
}

/** Why a special-category value may not leave for this participant, or undefined if it may. */
function withholdingReason(
  contract: Contract,
  field: FieldDefinition,
  participant: Participant,
): WithholdingReason | undefined {
  if (!field.special) return undefined;
  const rule = ruleFor(contract, field.category);
  // Fail closed: a contract without a condition for this category never releases it.
  if (rule === undefined) return 'no-condition';
  if (rule.condition !== 'explicit-consent') return undefined;
  if (rule.consentFlag === undefined || !participant.consents[rule.consentFlag])
    return 'no-consent';
  return undefined;
}

function projectScopedUnit(
  input: ProjectionInput,
  prepared: Prepared,
  unit: ScopedUnit,
): ProjectedUnit {
  const { trip, contract, now } = input;
  const { allowed, allowedIds, required } = prepared;
  const members = unit.members;
  const position = new Map(members.map((member, index) => [member.participant.id, index]));
  // Each participant's room in the stay (the first that lists them), found once: a lookup
  // per participant in every room was quadratic in the size of the group.
  const roomsById = new Map<string, Room>();
  for (const room of unit.stay?.rooms ?? []) {
    for (const id of room.occupantIds) if (!roomsById.has(id)) roomsById.set(id, room);
  }
  const roomOf = (participant: Participant): Room | undefined => roomsById.get(participant.id);

  const withheld: Withholding[] = [];
  const errors: DataQualityError[] = [];
  const participants: MinimizedParticipant[] = members.map(({ booking, participant }) => {
    const values: Record<string, FieldValue> = {};
    // Where this participant's errors start: only those are looked at again below.
    const firstError = errors.length;
    const room = roomOf(participant);
    const context: ParticipantReadContext = {
      trip,
      booking,
      participant,
      ...(unit.flight === undefined ? {} : { flight: unit.flight }),
      ...(unit.stay === undefined ? {} : { stay: unit.stay }),
      ...(room === undefined ? {} : { room }),
      ...(now === undefined ? {} : { now }),
    };
    for (const field of allowed) {
      const reader = field.reader;
      let value: FieldValue | undefined;
      if (reader?.level === 'participant') {
        value = reader.read(context);
      } else if (reader?.level === 'room-occupants' && room !== undefined) {
        const others = room.occupantIds
          .filter((id) => id !== participant.id)
          .flatMap((id) => {
            const index = position.get(id);
            return index === undefined ? [] : [String(index + 1)];
          });
        value = others.length > 0 ? others : undefined;
      } else {
        continue;
      }
      if (value === undefined) {
        if (required.has(field.id))
          errors.push({ subject: participant.id, field: field.id, rule: 'required' });
        continue;
      }
      const reason = withholdingReason(contract, field, participant);
      if (reason !== undefined) {
        withheld.push({ subject: participant.id, field: field.id, reason });
        continue;
      }
      values[field.id] = value;
    }
    const quality = checkDataQuality(input.qualityRules ?? [], {
      trip,
      participant,
      ...(unit.flight === undefined ? {} : { flight: unit.flight }),
      ...(unit.stay === undefined ? {} : { stay: unit.stay }),
    });
    if (quality.length > 0) {
      // "a passport is required" says it all: not also each of its fields.
      const covered = new Set(
        quality.map((error) => error.field.slice(0, error.field.lastIndexOf('.'))),
      );
      // From the end down to this participant's first error: going down to the unit's first,
      // for every participant with a quality error, was quadratic in a group of expired passports.
      for (let i = errors.length - 1; i >= firstError; i -= 1) {
        const error = errors[i];
        if (
          error?.subject === participant.id &&
          error.rule === 'required' &&
          covered.has(error.field.slice(0, error.field.lastIndexOf('.')))
        ) {
          errors.splice(i, 1);
        }
      }
      errors.push(...quality);
    }
    return { values };
  });

  const { values: unitValues, subjects: otherSubjects } = unitLevelValues(prepared, trip, unit);

  const rooms: MinimizedRoom[] = [];
  if (unit.stay !== undefined && [...allowedIds].some((id) => id.startsWith('room.'))) {
    for (const room of unit.stay.rooms) {
      const occupants = room.occupantIds.flatMap((id) => {
        const index = position.get(id);
        return index === undefined ? [] : [index];
      });
      if (occupants.length === 0) continue;
      const values: Record<string, FieldValue> = {};
      if (allowedIds.has('room.id')) values['room.id'] = room.id;
      if (allowedIds.has('room.type')) values['room.type'] = room.type;
      rooms.push({ values, occupants: allowedIds.has('room.occupants') ? occupants : [] });
    }
  }

  const participantIds = members.map((member) => member.participant.id);
  const recipient = resolveRecipient(contract, unit);
  return {
    unit: unit.ref,
    recipient,
    payload: {
      contract: { id: contract.id, version: contract.version },
      unitKind: unit.ref.kind,
      recipient: { id: recipient.id, name: recipient.name },
      fields: allowed.map((field) => field.id),
      values: unitValues,
      participants,
      rooms,
    },
    participantIds,
    subjects: [...new Set([...participantIds, ...otherSubjects])],
    withheld,
    errors,
  };
}
