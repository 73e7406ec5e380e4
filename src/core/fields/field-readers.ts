import type { Booking, Participant, TravelDocument } from '../model/booking.js';
import { isMinorOnTrip } from '../model/derive-facts.js';
import type { Address, Flight, IsoDate, IsoInstant, Room, Stay, Trip } from '../model/trip.js';
import { compactRecord, type FieldValue } from './field-value.js';

/** What one participant row is read from. */
export interface ParticipantReadContext {
  readonly trip: Trip;
  readonly booking: Booking;
  readonly participant: Participant;
  /** The unit's flight, whose departure day the travel documents must be valid on. */
  readonly flight?: Flight;
  /** The unit's stay, for `room.*`. */
  readonly stay?: Stay;
  /** The participant's room in the unit's stay, if operations assigned one. */
  readonly room?: Room;
  /** The moment the data is rendered for, for what depends on it (`participant.currentStay`). */
  readonly now?: IsoInstant;
}

/** What the unit-level values are read from. */
export interface UnitReadContext {
  readonly trip: Trip;
  readonly flight?: Flight;
  readonly stay?: Stay;
  /**
   * The group leaders of the trip's confirmed bookings, by id (for `trip.leaders.*`): of the
   * other participants, a unit-level value may read these only. So a participant's unit is
   * rendered from their own booking and the leaders' — all an emergency release opens.
   */
  readonly leaders: readonly Participant[];
}

export type UnitKind = 'flight' | 'stay' | 'trip' | 'booking' | 'participant';
export const UNIT_KINDS: readonly UnitKind[] = ['flight', 'stay', 'trip', 'booking', 'participant'];

export type FieldReader =
  | {
      readonly level: 'participant';
      readonly read: (context: ParticipantReadContext) => FieldValue | undefined;
    }
  | {
      readonly level: 'unit';
      readonly read: (context: UnitReadContext) => FieldValue | undefined;
      /** Ids of the people (other than the unit's participants) whose data the value is. */
      readonly subjects?: (context: UnitReadContext) => readonly string[];
    }
  /** `room.occupants`: references to the other guests, resolved by the projection. */
  | { readonly level: 'room-occupants' };

/** Units a field can be read in; fields not listed here are available in every unit. */
export function unitsOfField(fieldId: string): readonly UnitKind[] {
  if (fieldId.startsWith('flight.')) return ['flight'];
  if (fieldId.startsWith('stay.') || fieldId.startsWith('room.')) return ['stay'];
  return UNIT_KINDS;
}

const participantField = (
  read: (context: ParticipantReadContext) => FieldValue | undefined,
): FieldReader => ({ level: 'participant', read });
const unitField = (read: (context: UnitReadContext) => FieldValue | undefined): FieldReader => ({
  level: 'unit',
  read,
});

/**
 * The day a unit's travel documents must be valid on: its flight's departure (the local
 * date, as written in the airport's offset), else its stay's check-in, else the trip's start.
 */
export function documentDayOf(context: {
  readonly trip: Trip;
  readonly flight?: Flight;
  readonly stay?: Stay;
}): IsoDate {
  return (
    context.flight?.departure.scheduledAt.slice(0, 10) ??
    context.stay?.checkIn ??
    context.trip.startDate
  );
}

/**
 * The document of a type that a unit discloses and checks: the first, in booking order,
 * valid on `day` (not expired, and issued by then when the issue date is known) — a family
 * may list an expired passport before the current one. When none is, the first: the
 * data-quality checks then report it as expired rather than the unit silently losing it.
 */
export function documentFor(
  participant: Participant,
  type: TravelDocument['type'],
  day: IsoDate,
): TravelDocument | undefined {
  let first: TravelDocument | undefined;
  for (const document of participant.documents) {
    if (document.type !== type) continue;
    if (
      document.expiryDate >= day &&
      (document.issueDate === undefined || document.issueDate <= day)
    ) {
      return document;
    }
    first ??= document;
  }
  return first;
}

const documentOf = (context: ParticipantReadContext, type: TravelDocument['type']) =>
  documentFor(context.participant, type, documentDayOf(context));

const documentFields = (
  key: string,
  type: TravelDocument['type'],
): Record<string, FieldReader> => ({
  [`participant.documents.${key}.number`]: participantField(
    (context) => documentOf(context, type)?.number,
  ),
  [`participant.documents.${key}.issuingCountry`]: participantField(
    (context) => documentOf(context, type)?.issuingCountry,
  ),
  [`participant.documents.${key}.expiryDate`]: participantField(
    (context) => documentOf(context, type)?.expiryDate,
  ),
});

const nonEmpty = (values: readonly string[]): readonly string[] | undefined =>
  values.length > 0 ? values : undefined;

export const addressValue = (address: Address): FieldValue =>
  compactRecord({
    lines: address.lines,
    postalCode: address.postalCode,
    city: address.city,
    region: address.region,
    country: address.country,
  });

const hotelValue = (stay: Stay): FieldValue => ({
  id: stay.hotel.id,
  name: stay.hotel.name,
  address: addressValue(stay.hotel.address),
});

/** IATA codes that call for an accessible room (mobility, sight, hearing); never the code itself. */
const ACCESSIBLE_ROOM_CODES: ReadonlySet<string> = new Set([
  'WCHR',
  'WCHS',
  'WCHC',
  'WCOB',
  'WCMP',
  'WCBD',
  'WCBW',
  'STCR',
  'BLND',
  'DEAF',
]);

/** Boards with lunch or dinner, where a meal requirement matters to a hotel. */
const MEAL_BOARDS: ReadonlySet<Stay['board']> = new Set(['half-board', 'full-board']);

const takesStay = (participant: Participant, stay: Stay): boolean =>
  participant.stayIds === undefined || participant.stayIds.includes(stay.id);

/** `+02:00` → 120, `-04:00` → −240, `Z` → 0; undefined when the instant writes none. */
function offsetMinutesOf(instant: IsoInstant): number | undefined {
  if (instant.endsWith('Z')) return 0;
  const match = /([+-])(\d{2}):(\d{2})$/.exec(instant);
  if (match === null) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The group's calendar date at `now`: `now` in the offset of the airport the group last
 * landed at (its flights' arrivals as written), or of the first it leaves from before it
 * landed anywhere — not the date of the server's UTC, which for a group in New York turns
 * at 20:00 or 19:00 local time. `now`'s own date when the trip has no flight.
 */
export function groupDateAt(trip: Trip, now: IsoInstant): string {
  const at = Date.parse(now);
  let place: { readonly time: number; readonly offset: number | undefined } | undefined;
  let first: { readonly time: number; readonly offset: number | undefined } | undefined;
  for (const flight of trip.flights) {
    const arrival = Date.parse(flight.arrival.scheduledAt);
    if (arrival <= at && (place === undefined || arrival > place.time)) {
      place = { time: arrival, offset: offsetMinutesOf(flight.arrival.scheduledAt) };
    }
    const departure = Date.parse(flight.departure.scheduledAt);
    if (first === undefined || departure < first.time) {
      first = { time: departure, offset: offsetMinutesOf(flight.departure.scheduledAt) };
    }
  }
  const offset = (place ?? first)?.offset;
  if (offset === undefined || Number.isNaN(at)) return now.slice(0, 10);
  return new Date(at + offset * 60_000).toISOString().slice(0, 10);
}

/**
 * The stay whose dates contain the group's date at `now` (`groupDateAt`). On a changeover
 * day two stays contain it; the later check-in wins — by evening the group is at the new
 * hotel, and the insurer is told where they are heading.
 */
export function currentStayOf(
  trip: Trip,
  participant: Participant,
  now: IsoInstant,
): Stay | undefined {
  const today = groupDateAt(trip, now);
  let current: Stay | undefined;
  for (const stay of trip.stays) {
    if (!takesStay(participant, stay) || stay.checkIn > today || stay.checkOut < today) continue;
    if (current === undefined || stay.checkIn > current.checkIn) current = stay;
  }
  return current;
}

/**
 * The stay a flight arrives for, whose hotel is the destination address (CBP's US address,
 * etc.): of the stays in the arrival country, the earliest by check-in that is not over on
 * the arrival date (check-out on or after it, the flight's local date as written in its
 * offset). A group re-entering a country declares where it is going now, not a stay that
 * ended before; a flight arriving after every stay there declares none.
 */
export function stayArrivedFor(trip: Trip, flight: Flight): Stay | undefined {
  const country = flight.arrival.country;
  const arrivalDate = flight.arrival.scheduledAt.slice(0, 10);
  let found: Stay | undefined;
  for (const stay of trip.stays) {
    if (stay.hotel.address.country !== country || stay.checkOut < arrivalDate) continue;
    if (found === undefined || stay.checkIn < found.checkIn) found = stay;
  }
  return found;
}

/** Countries of stays and flight arrivals, except the one the trip starts from; sorted. */
export function destinationCountriesOf(trip: Trip): string[] {
  const origin = [...trip.flights].sort((a, b) =>
    compareInstants(a.departure.scheduledAt, b.departure.scheduledAt),
  )[0]?.departure.country;
  const countries = new Set<string>();
  for (const stay of trip.stays) countries.add(stay.hotel.address.country);
  for (const flight of trip.flights) countries.add(flight.arrival.country);
  if (origin !== undefined) countries.delete(origin);
  return [...countries].sort();
}

/** Orders instants by absolute time (their offsets differ). */
export function compareInstants(a: IsoInstant, b: IsoInstant): number {
  return Date.parse(a) - Date.parse(b);
}

/**
 * How each field id is read. This table and `config/fields.yaml` must name the same
 * disclosable ids (checked when the catalogue is loaded): no value leaves except through here.
 */
export const FIELD_READERS: Readonly<Record<string, FieldReader>> = {
  'participant.id': participantField(({ participant }) => participant.id),
  'participant.role': participantField(({ participant }) => participant.role),
  'participant.surname': participantField(({ participant }) => participant.surname),
  'participant.givenNames': participantField(({ participant }) => participant.givenNames),
  'participant.gender': participantField(({ participant }) => participant.gender),
  'participant.dateOfBirth': participantField(({ participant }) => participant.dateOfBirth),
  'participant.isMinor': participantField(({ participant, trip }) =>
    isMinorOnTrip(participant, trip),
  ),
  'participant.nationality': participantField(({ participant }) => participant.nationality),
  'participant.countryOfResidence': participantField(
    ({ participant }) => participant.countryOfResidence,
  ),
  'participant.placeOfBirth': participantField(({ participant }) =>
    participant.placeOfBirth === undefined
      ? undefined
      : compactRecord({
          city: participant.placeOfBirth.city,
          country: participant.placeOfBirth.country,
        }),
  ),
  'participant.email': participantField(({ participant }) => participant.email),
  'participant.phone': participantField(({ participant }) => participant.phone),
  'participant.address': participantField(({ participant }) =>
    participant.address === undefined ? undefined : addressValue(participant.address),
  ),
  'participant.legalRepresentatives.name': participantField(({ participant }) =>
    nonEmpty(participant.legalRepresentatives.map((r) => `${r.givenNames} ${r.surname}`)),
  ),
  'participant.legalRepresentatives.relationship': participantField(({ participant }) =>
    nonEmpty(participant.legalRepresentatives.map((r) => r.relationship)),
  ),
  'participant.legalRepresentatives.phone': participantField(({ participant }) =>
    nonEmpty(participant.legalRepresentatives.map((r) => r.phone)),
  ),
  'participant.legalRepresentatives.email': participantField(({ participant }) =>
    // Aligned with the other `legalRepresentatives.*` lists: an unknown address is ''.
    participant.legalRepresentatives.some((r) => r.email !== undefined)
      ? participant.legalRepresentatives.map((r) => r.email ?? '')
      : undefined,
  ),
  'participant.emergencyContacts.name': participantField(({ participant }) =>
    nonEmpty(participant.emergencyContacts.map((c) => c.name)),
  ),
  'participant.emergencyContacts.relationship': participantField(({ participant }) =>
    nonEmpty(participant.emergencyContacts.map((c) => c.relationship)),
  ),
  'participant.emergencyContacts.phone': participantField(({ participant }) =>
    nonEmpty(participant.emergencyContacts.map((c) => c.phone)),
  ),
  ...documentFields('passport', 'passport'),
  'participant.documents.passport.issueDate': participantField(
    (context) => documentOf(context, 'passport')?.issueDate,
  ),
  'participant.documents.passport.nameOnDocument': participantField((context) => {
    const name = documentOf(context, 'passport')?.nameOnDocument;
    return name === undefined ? undefined : { surname: name.surname, givenNames: name.givenNames };
  }),
  ...documentFields('identityCard', 'identity-card'),
  ...documentFields('visa', 'visa'),
  'participant.redressNumber': participantField(({ participant }) => participant.redressNumber),
  'participant.knownTravelerNumber': participantField(
    ({ participant }) => participant.knownTravelerNumber,
  ),
  'participant.health.allergies': participantField(({ participant }) =>
    nonEmpty(participant.health?.allergies ?? []),
  ),
  'participant.health.conditions': participantField(({ participant }) =>
    nonEmpty(participant.health?.conditions ?? []),
  ),
  'participant.health.medications': participantField(({ participant }) =>
    nonEmpty(participant.health?.medications ?? []),
  ),
  'participant.health.bloodType': participantField(
    ({ participant }) => participant.health?.bloodType,
  ),
  'participant.health.notes': participantField(({ participant }) => participant.health?.notes),
  // Read only where meals are served: a hotel serving no lunch or dinner has no use for it.
  'participant.meal': participantField(({ participant, stay }) =>
    stay !== undefined && !MEAL_BOARDS.has(stay.board) ? undefined : participant.meal,
  ),
  'participant.assistance': participantField(({ participant }) => nonEmpty(participant.assistance)),
  'participant.accessibleRoom': participantField(({ participant }) =>
    participant.assistance.some((code) => ACCESSIBLE_ROOM_CODES.has(code)) ? true : undefined,
  ),
  'participant.insurance.insurerId': participantField(
    ({ participant }) => participant.insurance?.insurerId,
  ),
  'participant.insurance.policyNumber': participantField(
    ({ participant }) => participant.insurance?.policyNumber,
  ),
  'participant.currentStay': participantField(({ trip, participant, now }) => {
    const stay = now === undefined ? undefined : currentStayOf(trip, participant, now);
    return stay === undefined
      ? undefined
      : {
          hotel: stay.hotel.name,
          address: addressValue(stay.hotel.address),
          checkOut: stay.checkOut,
        };
  }),
  'booking.reference': participantField(({ booking }) => booking.reference),
  'booking.customer.givenNames': participantField(({ booking }) => booking.customer.givenNames),
  'booking.customer.surname': participantField(({ booking }) => booking.customer.surname),
  'booking.customer.email': participantField(({ booking }) => booking.customer.email),
  'booking.customer.phone': participantField(({ booking }) => booking.customer.phone),
  'booking.customer.address': participantField(({ booking }) =>
    addressValue(booking.customer.address),
  ),
  'room.id': participantField(({ room }) => room?.id),
  'room.type': participantField(({ room }) => room?.type),
  'room.occupants': { level: 'room-occupants' },
  'flight.carrier': unitField(({ flight }) => flight?.carrier),
  'flight.flightNumber': unitField(({ flight }) => flight?.flightNumber),
  'flight.departure': unitField(({ flight }) =>
    flight === undefined ? undefined : { ...flight.departure },
  ),
  'flight.arrival': unitField(({ flight }) =>
    flight === undefined ? undefined : { ...flight.arrival },
  ),
  'flight.pnr': unitField(({ flight }) => flight?.pnr),
  'flight.destinationAddress': unitField(({ trip, flight }) => {
    if (flight === undefined || flight.arrival.country === flight.departure.country)
      return undefined;
    const stay = stayArrivedFor(trip, flight);
    return stay === undefined ? undefined : hotelValue(stay);
  }),
  'stay.hotel': unitField(({ stay }) => (stay === undefined ? undefined : hotelValue(stay))),
  'stay.checkIn': unitField(({ stay }) => stay?.checkIn),
  'stay.checkOut': unitField(({ stay }) => stay?.checkOut),
  'stay.board': unitField(({ stay }) => stay?.board),
  'trip.id': unitField(({ trip }) => trip.id),
  'trip.name': unitField(({ trip }) => trip.name),
  'trip.startDate': unitField(({ trip }) => trip.startDate),
  'trip.endDate': unitField(({ trip }) => trip.endDate),
  'trip.destinationCountries': unitField(({ trip }) => nonEmpty(destinationCountriesOf(trip))),
  'trip.leaders.name': {
    level: 'unit',
    read: (context) => nonEmpty(context.leaders.map((l) => `${l.givenNames} ${l.surname}`)),
    subjects: (context) => context.leaders.map((l) => l.id),
  },
  'trip.leaders.phone': {
    level: 'unit',
    // Aligned with `trip.leaders.name`: a leader without a telephone number gets ''.
    read: (context) =>
      context.leaders.some((l) => l.phone !== undefined)
        ? context.leaders.map((l) => l.phone ?? '')
        : undefined,
    subjects: (context) => context.leaders.map((l) => l.id),
  },
};
