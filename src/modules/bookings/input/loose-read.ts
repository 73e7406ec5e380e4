/**
 * Reading a document that may still be malformed. The rules between fields run on whatever
 * is well formed, beside the shape errors, so that one request reports every problem; each
 * reader yields nothing where the shape is wrong, so no rule fires twice for one fault.
 */

/** The items of an array, or none. */
export const itemsOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** A property of an object, or `undefined`. */
export const propertyOf = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;

/** A string that passes `isValid`, or `undefined`. */
export const validString = (
  value: unknown,
  isValid: (text: string) => boolean,
): string | undefined => (typeof value === 'string' && isValid(value) ? value : undefined);

/** Identifiers from the booking system (trips, bookings, flights, stays, rooms, participants). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const isId = (text: string): boolean => ID_PATTERN.test(text);
