import { documentDayOf, documentFor } from '../fields/field-readers.js';
import type { Participant } from '../model/booking.js';
import type { Flight, IsoDate, Stay, Trip } from '../model/trip.js';
import type { DataQualityError } from './minimized-unit.js';

/**
 * Checks a format asks for on the full data before a unit is rendered. They only produce
 * errors (subject, field, rule — never a value); nothing they read reaches a payload, so the
 * serializers still see only the minimized unit.
 */
export type DataQualityRule =
  /** A passport, valid on the day of the unit's flight (border authorities, APIS). */
  | 'passport-valid-for-flight'
  /** The passport does not expire before the participant's return (`returnDayOf`). */
  | 'passport-valid-until-return';

export interface DataQualityContext {
  readonly trip: Trip;
  readonly participant: Participant;
  readonly flight?: Flight;
  /** The unit's stay: the day its documents must be valid on when it has no flight. */
  readonly stay?: Stay;
}

const PASSPORT_NUMBER = 'participant.documents.passport.number';
const PASSPORT_EXPIRY = 'participant.documents.passport.expiryDate';

/**
 * The day a participant's documents must still be valid on at the end of the trip: the
 * trip's `endDate`, or a later check-out of a stay they take, or the later local date (as
 * written in the airport's offset) on which a flight they take lands — a return flight
 * leaving on the last evening lands the next day. The planner's trip end allows for the
 * same (`tripEndTime`); the participant's own flights and stays only, so that a flight
 * they do not take holds nothing against them, and never earlier than `endDate`.
 */
export function returnDayOf(trip: Trip, participant: Participant): IsoDate {
  let last = trip.endDate;
  for (const stay of trip.stays) {
    if (participant.stayIds !== undefined && !participant.stayIds.includes(stay.id)) continue;
    if (stay.checkOut > last) last = stay.checkOut;
  }
  for (const flight of trip.flights) {
    if (participant.flightIds !== undefined && !participant.flightIds.includes(flight.id)) continue;
    const arrivalDate = flight.arrival.scheduledAt.slice(0, 10);
    if (arrivalDate > last) last = arrivalDate;
  }
  return last;
}

export function checkDataQuality(
  rules: readonly DataQualityRule[],
  { trip, participant, flight, stay }: DataQualityContext,
): DataQualityError[] {
  if (rules.length === 0) return [];
  const subject = participant.id;
  // The passport the unit discloses (`documentFor`): the first valid on the flight's day, so
  // an expired one listed before it is not held against the participant.
  const day = documentDayOf({
    trip,
    ...(flight === undefined ? {} : { flight }),
    ...(stay === undefined ? {} : { stay }),
  });
  const passport = documentFor(participant, 'passport', day);
  if (passport === undefined) {
    return [{ subject, field: PASSPORT_NUMBER, rule: 'a passport is required' }];
  }
  const errors: DataQualityError[] = [];
  // The flight's own local date, as written in its offset.
  const flightDate = flight?.departure.scheduledAt.slice(0, 10);
  if (
    rules.includes('passport-valid-for-flight') &&
    flightDate !== undefined &&
    passport.expiryDate < flightDate
  ) {
    errors.push({ subject, field: PASSPORT_EXPIRY, rule: 'expired on the day of the flight' });
  } else if (
    rules.includes('passport-valid-until-return') &&
    passport.expiryDate < returnDayOf(trip, participant)
  ) {
    errors.push({ subject, field: PASSPORT_EXPIRY, rule: 'expires before the return' });
  }
  return errors;
}
