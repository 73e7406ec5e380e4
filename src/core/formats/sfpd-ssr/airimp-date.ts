/**
 * Dates as IATA AIRIMP free text writes them: `DDMMMYY`, English upper-case month
 * abbreviations (`04MAR11`), whatever the server's locale. The two-digit year leaves the
 * century to the reader: by AIRIMP practice a date of birth that would lie in the future is
 * read one century back (a 1925 and a 2025 birth both write `25`).
 */
const MONTHS = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
] as const;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * An ISO instant as the input model writes it: the airport's own offset, always explicit.
 * Seconds and fractions are optional; `Z` is the offset `+00:00`.
 */
const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `2011-03-04` → `04MAR11`; undefined when the text is not a real calendar date. */
export function airimpDateOf(isoDate: string): string | undefined {
  const match = ISO_DATE.exec(isoDate);
  if (match === null) return undefined;
  const [, yearText = '', monthText = '', dayText = ''] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${dayText}${MONTHS[month - 1] ?? ''}${yearText.slice(2)}`;
}

/**
 * The local calendar date of an instant, as written in its own offset — the airport's —
 * and never through the server's time zone: `2027-07-01T00:30:00+02:00` is the 1st of July
 * even though it is still the 30th of June in UTC. Undefined without an explicit offset.
 */
export function localDateOf(instant: string): string | undefined {
  return ISO_INSTANT.exec(instant)?.[1];
}
