import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import {
  edit,
  personalValues,
  sampleBooking,
  sampleBookings,
  type Json,
  type JsonObject,
} from './input-documents.js';
import type { TestApp } from './test-app.js';

/** A master key for test apps: `startTestApp({ PASSERELLE_DATA_KEY: testDataKey() })`. */
export const testDataKey = (): string => randomBytes(32).toString('base64');

/**
 * Sample booking `index` under another reference (and trip), its participant ids renamed
 * `<reference>-1`, `<reference>-2`…, so that a test can store as many as it needs.
 */
export function bookingVariant(index: number, reference: string, tripId?: string): JsonObject {
  let booking = edit(sampleBooking(index), 'reference', reference);
  if (tripId !== undefined) booking = edit(booking, 'tripId', tripId);
  const participants = booking.participants as JsonObject[];
  participants.forEach((_participant, i) => {
    booking = edit(booking, `participants[${i}].id`, `${reference}-${i + 1}`);
  });
  return booking;
}

/** Every personal value of the NYC sample bookings (names, dates of birth, documents…). */
export const samplePersonalValues = (): string[] => [
  ...new Set(sampleBookings().flatMap((booking) => personalValues(booking))),
];

/** A trip without rooms (so bookings may come and go freely), under another id. */
export function tripVariant(trip: JsonObject, id: string, revision = 1): JsonObject {
  const stays = (trip.stays as JsonObject[]).map((stay) => ({ ...stay, rooms: [] }));
  return { ...trip, id, revision, stays };
}

export interface Answer {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, Json>;
}

/** Calls the API and reads the answer whole. */
export async function ask(
  t: TestApp,
  method: string,
  path: string,
  options: Parameters<TestApp['call']>[2] = { role: 'ingest' },
): Promise<Answer> {
  const response = await t.call(method, path, options);
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, Json>),
  };
}

/** Puts a trip or a booking through the API, expected stored (201) or unchanged (200). */
export async function putStored(t: TestApp, path: string, body: JsonObject): Promise<void> {
  const answer = await ask(t, 'PUT', path, { role: 'ingest', body });
  expect([200, 201], `${path}: ${answer.text}`).toContain(answer.status);
}

/** Stores a trip and its bookings through the API, each expected to be created (201). */
export async function putTripAndBookings(
  t: TestApp,
  trip: JsonObject,
  bookings: readonly JsonObject[],
): Promise<void> {
  const stored = await ask(t, 'PUT', `/v1/trips/${trip.id as string}`, {
    role: 'ingest',
    body: trip,
  });
  if (stored.status !== 201) throw new Error(`trip ${trip.id as string}: ${stored.text}`);
  for (const booking of bookings) {
    const path = `/v1/bookings/${booking.reference as string}`;
    const answer = await ask(t, 'PUT', path, { role: 'ingest', body: booking });
    if (answer.status !== 201) throw new Error(`${path}: ${answer.text}`);
  }
}

/** A SHA-256 digest in hex, the whole of a column's value. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Every personal value found in the raw contents of a table: text columns as PostgreSQL
 * returns them (JSONB, arrays, text), binary columns decoded as UTF-8 and Latin-1. In
 * binary columns only values of 5 characters or more are looked for: a 3-letter name may
 * turn up by chance in kilobytes of ciphertext.
 */
export async function personalValuesIn(
  t: TestApp,
  table: string,
  values: readonly string[],
): Promise<string[]> {
  const { rows } = await t.database.admin(`SELECT * FROM ${table}`);
  const found = new Set<string>();
  for (const row of rows as Record<string, unknown>[]) {
    for (const [column, value] of Object.entries(row)) {
      if (value === null || value === undefined) continue;
      if (Buffer.isBuffer(value)) {
        const texts = [value.toString('utf8'), value.toString('latin1')];
        for (const personal of values) {
          if (personal.length >= 5 && texts.some((text) => text.includes(personal)))
            found.add(`${table}.${column}: ${personal}`);
        }
        continue;
      }
      // A whole value that is a SHA-256 digest in hex holds nothing in clear; a personal value
      // of digits (a postcode) turns up inside one by chance (about one digest in 10,000).
      if (typeof value === 'string' && SHA256_HEX.test(value)) continue;
      const text =
        typeof value === 'string'
          ? value
          : value instanceof Date
            ? value.toISOString()
            : JSON.stringify(value);
      for (const personal of values) {
        if (text.includes(personal)) found.add(`${table}.${column}: ${personal}`);
      }
    }
  }
  return [...found];
}
