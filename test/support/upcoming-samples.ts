import {
  shiftDocumentExpiries,
  shiftToStartIn,
  shiftTripDates,
} from '../../src/cli/shift-dates.js';
import { bookingVariant, tripVariant } from './ingest.js';
import {
  edits,
  personalValues,
  sampleBookings,
  sampleTrip,
  type JsonObject,
} from './input-documents.js';

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

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const isoAt = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The sample trip under `id`, its first flight leaving at `departure` (epoch ms; the rest after it). */
export function tripLeavingAt(id: string, departure: number, revision = 1): JsonObject {
  return edits(tripVariant(upcomingTrip(), id, revision), [
    ['startDate', dayOf(departure)],
    ['endDate', dayOf(departure + 12 * DAY_MS)],
    ['flights[0].departure.scheduledAt', isoAt(departure)],
    ['flights[0].arrival.scheduledAt', isoAt(departure + 8 * HOUR_MS)],
    ['flights[1].departure.scheduledAt', isoAt(departure + 10 * DAY_MS)],
    ['flights[1].arrival.scheduledAt', isoAt(departure + 10 * DAY_MS + 8 * HOUR_MS)],
    ['stays[0].checkIn', dayOf(departure + 8 * HOUR_MS)],
    ['stays[0].checkOut', dayOf(departure + 10 * DAY_MS)],
  ]);
}
