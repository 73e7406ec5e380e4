import { readFile } from 'node:fs/promises';
import type { Booking } from '../core/model/booking.js';
import type { Trip } from '../core/model/trip.js';
import {
  validateBooking,
  validateTrip,
  validateTripBookings,
  type InputError,
} from '../modules/bookings/input/validate-input.js';

export type TripInput =
  | { readonly ok: true; readonly trip: Trip; readonly bookings: readonly Booking[] }
  | { readonly ok: false; readonly errors: readonly InputError[] };

async function readJson(
  file: string,
  label: string,
): Promise<{ value?: unknown; error?: InputError }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { error: { path: label, rule: 'file cannot be read' } };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: { path: label, rule: 'not valid JSON' } };
  }
}

const prefixed = (prefix: string, errors: readonly InputError[]): InputError[] =>
  errors.map((error) => ({
    ...error,
    path: error.path === '' ? prefix : `${prefix}.${error.path}`,
  }));

/**
 * Reads a trip file and a bookings file (a JSON array), validates both with the input
 * model and checks them against each other. Errors are prefixed `trip.` and `bookings[i].`
 * and never carry a value.
 */
export async function readTripInput(
  tripFile: string,
  bookingsFile: string,
  today: string,
): Promise<TripInput> {
  const [tripJson, bookingsJson] = await Promise.all([
    readJson(tripFile, 'trip'),
    readJson(bookingsFile, 'bookings'),
  ]);
  const readErrors = [tripJson.error, bookingsJson.error].filter(
    (e): e is InputError => e !== undefined,
  );
  if (readErrors.length > 0) return { ok: false, errors: readErrors };

  const trip = validateTrip(tripJson.value);
  if (!trip.ok) return { ok: false, errors: prefixed('trip', trip.errors) };
  if (!Array.isArray(bookingsJson.value)) {
    return { ok: false, errors: [{ path: 'bookings', rule: 'must be a JSON array of bookings' }] };
  }
  const errors: InputError[] = [];
  const bookings: Booking[] = [];
  (bookingsJson.value as unknown[]).forEach((raw, index) => {
    const booking = validateBooking(raw, { trip: trip.value, today });
    if (booking.ok) bookings.push(booking.value);
    else errors.push(...prefixed(`bookings[${index}]`, booking.errors));
  });
  if (errors.length > 0) return { ok: false, errors };
  const crossErrors = validateTripBookings(trip.value, bookings);
  if (crossErrors.length > 0) return { ok: false, errors: crossErrors };
  return { ok: true, trip: trip.value, bookings };
}
