import { readFileSync } from 'node:fs';

/**
 * Raw input documents for the input-model specs: the bundled samples, deep edits by path
 * (`participants[0].documents[0].number`), and the personal values a document carries, to
 * check that no error ever echoes one.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

const readJson = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../samples/${file}`, import.meta.url), 'utf8'));

export const sampleTrip = (): JsonObject => readJson('trip-nyc.json') as JsonObject;
export const sampleBookings = (): JsonObject[] => readJson('bookings-nyc.json') as JsonObject[];
export const sampleBooking = (index = 0): JsonObject => {
  const booking = sampleBookings()[index];
  if (booking === undefined) throw new Error(`no sample booking ${index}`);
  return booking;
};

/** Marks a property to delete in `edit`. */
export const REMOVE = Symbol('remove');

function keysOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, key, index]) =>
    index === undefined ? (key ?? '') : Number(index),
  );
}

/** A copy of `doc` with the value at `path` replaced (or removed with `REMOVE`). */
export function edit<T extends Json>(doc: T, path: string, value: Json | typeof REMOVE): T {
  const copy = structuredClone(doc);
  const keys = keysOf(path);
  const last = keys.pop();
  let parent: unknown = copy;
  for (const key of keys) {
    parent = (parent as Record<string | number, unknown>)[key];
    if (typeof parent !== 'object' || parent === null) throw new Error(`no object at ${path}`);
  }
  if (last === undefined) throw new Error('empty path');
  const target = parent as Record<string | number, unknown>;
  if (value === REMOVE) {
    if (Array.isArray(target) && typeof last === 'number') target.splice(last, 1);
    else Reflect.deleteProperty(target, last);
  } else {
    target[last] = value;
  }
  return copy;
}

/** Applies several edits in order. */
export const edits = <T extends Json>(
  doc: T,
  changes: readonly [string, Json | typeof REMOVE][],
): T => changes.reduce((current, [path, value]) => edit(current, path, value), doc);

/** The value at `path`, for assertions. */
export function at(doc: Json, path: string): Json | undefined {
  let current: unknown = doc;
  for (const key of keysOf(path)) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current as Json | undefined;
}

/** Keys whose values are about a person (or free text that may be). */
const PERSONAL_KEYS = new Set([
  'givenNames',
  'surname',
  'name',
  'email',
  'phone',
  'lines',
  'postalCode',
  'city',
  'region',
  'dateOfBirth',
  'number',
  'expiryDate',
  'issueDate',
  'relationship',
  'allergies',
  'conditions',
  'medications',
  'notes',
  'policyNumber',
  'redressNumber',
  'knownTravelerNumber',
  'marketing',
]);

/** Every property name of the trip and booking documents (input-model.md). */
export const KNOWN_KEYS: ReadonlySet<string> = new Set([
  ...PERSONAL_KEYS,
  ...['id', 'revision', 'status', 'startDate', 'endDate', 'flights', 'stays', 'carrier'],
  ...['flightNumber', 'departure', 'arrival', 'airport', 'country', 'scheduledAt', 'pnr'],
  ...['hotel', 'address', 'checkIn', 'checkOut', 'board', 'rooms', 'type', 'occupantIds'],
  ...['reference', 'tripId', 'customer', 'participants', 'role', 'flightIds', 'stayIds'],
  ...['gender', 'nationality', 'countryOfResidence', 'placeOfBirth', 'documents'],
  ...['issuingCountry', 'nameOnDocument', 'legalRepresentatives', 'emergencyContacts'],
  ...['health', 'bloodType', 'meal', 'assistance', 'insurance', 'insurerId', 'consents'],
  ...['shareMealWithProviders', 'shareAssistanceWithProviders', 'shareHealthWithInsurer'],
  ...['image', 'voice'],
]);

/**
 * Every string (and number) of at least 3 characters under a personal key, anywhere —
 * including under properties the model does not know, which may hold anything.
 */
export function personalValues(doc: Json, knownKeys: ReadonlySet<string> = KNOWN_KEYS): string[] {
  const out: string[] = [];
  const walk = (value: Json, personal: boolean): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      if (personal && text.length >= 3) out.push(text);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, personal);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        walk(item, personal || PERSONAL_KEYS.has(key) || !knownKeys.has(key));
      }
    }
  };
  walk(doc, false);
  return out;
}
