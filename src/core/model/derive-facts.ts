import type { Participant } from './booking.js';
import type { IsoDate, Trip } from './trip.js';

/** The age of the person born on `dateOfBirth` on the calendar day `on` (both `YYYY-MM-DD`). */
export function ageOn(dateOfBirth: IsoDate, on: IsoDate): number {
  const [by, bm, bd] = splitDate(dateOfBirth);
  const [y, m, d] = splitDate(on);
  const hadBirthday = m > bm || (m === bm && d >= bd);
  return y - by - (hadBirthday ? 0 : 1);
}

/**
 * A participant is a minor when under 18 on the trip's start date (input-model.md). Someone
 * born on 29 February comes of age on 1 March in non-leap years, as under French law.
 */
export function isMinorOnTrip(
  participant: Pick<Participant, 'dateOfBirth'>,
  trip: Pick<Trip, 'startDate'>,
): boolean {
  return ageOn(participant.dateOfBirth, trip.startDate) < 18;
}

function splitDate(date: IsoDate): [number, number, number] {
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}
