const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4}-\d{2}-\d{2})((?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)$/;

/**
 * A trip document (input-model.md) with every calendar date and date-time moved by `days`
 * whole days, local times and offsets kept: the samples' trip replayed at another time
 * (the demo's `--starts-in`, tests of what depends on the clock). Only for trips: bookings
 * hold dates of birth and document expiries, which must not move.
 */
export function shiftTripDates<T>(document: T, days: number): T {
  const shift = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const match = DATE.exec(value);
      if (match === null) return value;
      const [, date = '', rest = ''] = match;
      const moved = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
      return `${moved.toISOString().slice(0, 10)}${rest}`;
    }
    if (Array.isArray(value)) return value.map(shift);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, shift(v)]));
    }
    return value;
  };
  return shift(document) as T;
}

/** Whole days from `from` (a `YYYY-MM-DD` date) to the UTC date of `to`. */
export function daysBetween(from: string, to: Date): number {
  const start = Date.parse(`${from}T00:00:00Z`);
  const target = Date.parse(`${to.toISOString().slice(0, 10)}T00:00:00Z`);
  return Math.round((target - start) / DAY_MS);
}

/**
 * Whole days to move a trip document by so that it starts `days` days after `today` (UTC
 * dates); undefined for a document without a `YYYY-MM-DD` start date (validation refuses it).
 */
export function shiftToStartIn(trip: unknown, days: number, today: Date): number | undefined {
  const start = (trip as { startDate?: unknown } | null)?.startDate;
  if (typeof start !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(start)) return undefined;
  return daysBetween(start, today) + days;
}

/**
 * A trip document moved so that it starts `days` days after `today` (UTC dates); a
 * document without a `YYYY-MM-DD` start date is returned as it is, for validation to refuse.
 */
export function tripStartingIn<T>(trip: T, days: number, today: Date): T {
  const shift = shiftToStartIn(trip, days, today);
  return shift === undefined ? trip : shiftTripDates(trip, shift);
}

/**
 * A booking document with its travel documents' expiry dates (`expiryDate`, at any depth)
 * moved by `days` whole days — for a replay of sample bookings with their trip moved (the
 * demo), so that a passport valid for the trip stays valid for it. Dates of birth and every
 * other date are kept.
 */
export function shiftDocumentExpiries<T>(booking: T, days: number): T {
  const shift = (value: unknown, key?: string): unknown => {
    if (key === 'expiryDate' && typeof value === 'string') return shiftTripDates(value, days);
    if (Array.isArray(value)) return value.map((item) => shift(item));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shift(v, k)]));
    }
    return value;
  };
  return shift(booking) as T;
}
