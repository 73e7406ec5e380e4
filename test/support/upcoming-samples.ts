import {
  shiftDocumentExpiries,
  shiftToStartIn,
  shiftTripDates,
} from '../../src/cli/shift-dates.js';
import { bookingVariant } from './ingest.js';
import { personalValues, sampleBookings, sampleTrip, type JsonObject } from './input-documents.js';

/**
 * The NYC samples replayed so that their trip is still to come, whatever the day the tests
 * run. The samples hold fixed dates (the trip from 2027-07-01, passports expiring from
 * 2028) and the gateway compares them with the real clock: the sends of a trip over are
 * missed, and the bookings of a trip past retention (30 days after its end) are refused.
 * So the trip moves to start `UPCOMING_START_IN_DAYS` days from today (after every
 * scheduled send: the earliest is 21 days before departure), and the bookings' passports
 * move with it: one valid for the trip stays valid, and none expires before 275 days from
 * today, so that no expiry is today's date where a test looks for personal values in logs
 * or rows holding today's timestamps. Dates of birth stay, as in the demo: who is a minor
 * on the trip's start may change with the day the tests run, so a test about minors uses
 * the samples' own dates with a fixed `now` (`preview`, the goldens).
 *
 * The shift is computed once per test file (a file running across midnight keeps one); a
 * date a test writes about the samples (a due time, a departure) moves with them through
 * `upcomingDate`.
 */
export const UPCOMING_START_IN_DAYS = 60;

/** Whole days the samples move by: negative while their own trip is over 60 days away. */
export const SAMPLE_SHIFT_DAYS: number =
  shiftToStartIn(sampleTrip(), UPCOMING_START_IN_DAYS, new Date()) ?? 0;

/** A date or date-time of the samples (`2027-07-01T10:30:00+02:00`) moved with them. */
export const upcomingDate = (value: string): string => shiftTripDates(value, SAMPLE_SHIFT_DAYS);

/** The sample trip, moved. */
export const upcomingTrip = (): JsonObject => shiftTripDates(sampleTrip(), SAMPLE_SHIFT_DAYS);

/** The sample bookings, their passports' expiry dates moved with the trip. */
export const upcomingBookings = (): JsonObject[] =>
  sampleBookings().map((booking) => shiftDocumentExpiries(booking, SAMPLE_SHIFT_DAYS));

/** `bookingVariant` of the moved sample bookings. */
export const upcomingBookingVariant = (
  index: number,
  reference: string,
  tripId?: string,
): JsonObject => shiftDocumentExpiries(bookingVariant(index, reference, tripId), SAMPLE_SHIFT_DAYS);

/** Every personal value of the moved sample bookings (their expiry dates as moved). */
export const upcomingPersonalValues = (): string[] => [
  ...new Set(upcomingBookings().flatMap((booking) => personalValues(booking))),
];
