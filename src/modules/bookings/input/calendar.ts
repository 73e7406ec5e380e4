/**
 * Calendar dates and instants as the input model writes them (input-model.md, Conventions).
 * Pure arithmetic: no `Date` parsing, whose leniency and zone rules differ between runtimes.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Instants carry the airport's own offset: local times in messages are read from it, so a
 * bare `Z` (or the RFC 3339 "unknown offset" `-00:00`) is refused — a sender that normalises
 * to UTC would otherwise shift every local time. An airport on UTC writes `+00:00`.
 */
const INSTANT =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([+-])(\d{2}):(\d{2})$/;

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `YYYY-MM-DD` naming a day that exists (no 2027-02-29, no 2027-13-01). */
export function isCalendarDate(value: string): boolean {
  const match = DATE.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Days since 0001-01-01 of a valid calendar date (proleptic Gregorian). */
function dayNumber(date: string): number {
  const [year = 0, month = 0, day = 0] = date.split('-').map(Number);
  const y = month <= 2 ? year - 1 : year;
  const m = month <= 2 ? month + 12 : month;
  return (
    365 * y +
    Math.floor(y / 4) -
    Math.floor(y / 100) +
    Math.floor(y / 400) +
    Math.floor((153 * (m - 3) + 2) / 5) +
    day
  );
}

/**
 * Milliseconds (on an arbitrary fixed origin) of an ISO 8601 instant with an explicit
 * `±hh:mm` offset, or `undefined` when the text is not one. Comparable across offsets.
 */
export function instantMillis(value: string): number | undefined {
  const match = INSTANT.exec(value);
  if (match === null) return undefined;
  const [, date = '', hh, mm, ss, fraction, sign, oh, om] = match;
  const hours = Number(hh);
  const minutes = Number(mm);
  const seconds = ss === undefined ? 0 : Number(ss);
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (!isCalendarDate(date) || hours > 23 || minutes > 59 || seconds > 59) return undefined;
  if (offsetHours > 14 || offsetMinutes > 59 || (offsetHours === 14 && offsetMinutes > 0)) {
    return undefined;
  }
  if (sign === '-' && offsetHours === 0 && offsetMinutes === 0) return undefined;
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  const millis = fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
  return (
    ((dayNumber(date) * 24 + hours) * 60 + minutes - offset) * 60_000 + seconds * 1000 + millis
  );
}

export const isInstantWithOffset = (value: string): boolean => instantMillis(value) !== undefined;
