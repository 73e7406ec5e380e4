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
 * A trip document moved so that it starts `days` days after `today` (UTC dates); a
 * document without a `YYYY-MM-DD` start date is returned as it is, for validation to refuse.
 */
export function tripStartingIn<T>(trip: T, days: number, today: Date): T {
  const start = (trip as { startDate?: unknown } | null)?.startDate;
  if (typeof start !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(start)) return trip;
  return shiftTripDates(trip, daysBetween(start, today) + days);
}
