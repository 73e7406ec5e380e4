import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantMillis, isCalendarDate, isInstantWithOffset } from './calendar.js';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

describe('isCalendarDate', () => {
  it.each(['2027-07-01', '2024-02-29', '2000-02-29', '1999-12-31', '2027-04-30'])(
    'should accept %s when it is a real calendar day',
    (date) => {
      expect(isCalendarDate(date)).toBe(true);
    },
  );

  it.each([
    '2027-02-29',
    '1900-02-29',
    '2027-04-31',
    '2027-13-01',
    '2027-00-10',
    '2027-01-00',
    '2027-1-01',
    '27-01-01',
    '2027/01/01',
    '2027-01-01T00:00:00Z',
    ' 2027-01-01',
    '0000-01-01',
  ])('should refuse %s when it is not a YYYY-MM-DD calendar day', (date) => {
    expect(isCalendarDate(date)).toBe(false);
  });

  it('should agree with the Gregorian calendar when given any year, month and day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          const utc = new Date(Date.UTC(year, month - 1, day));
          const exists = utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day;
          expect(isCalendarDate(`${year}-${pad(month)}-${pad(day)}`)).toBe(exists);
        },
      ),
    );
  });
});

describe('instantMillis', () => {
  it('should accept an instant when it carries a +hh:mm or -hh:mm offset', () => {
    expect(isInstantWithOffset('2027-07-01T10:30:00+02:00')).toBe(true);
    expect(isInstantWithOffset('2027-07-01T12:45:00-04:00')).toBe(true);
    expect(isInstantWithOffset('2027-07-01T12:45+05:45')).toBe(true);
    expect(isInstantWithOffset('2027-07-01T12:45:10.250+00:00')).toBe(true);
  });

  it.each([
    ['2027-07-01T10:30:00Z', 'a bare Z carries no local offset'],
    ['2027-07-01T10:30:00-00:00', 'the offset is "unknown" (RFC 3339)'],
    ['2027-07-01T10:30:00', 'there is no offset'],
    ['2027-07-01 10:30:00+02:00', 'the separator is not T'],
    ['2027-07-01T10:30:00+0200', 'the offset has no colon'],
    ['2027-07-01T24:00:00+02:00', 'the hour does not exist'],
    ['2027-07-01T10:60:00+02:00', 'the minute does not exist'],
    ['2027-02-30T10:00:00+02:00', 'the day does not exist'],
    ['2027-07-01T10:30:00+15:00', 'the offset is beyond +14:00'],
  ])('should refuse %s when %s', (instant) => {
    expect(isInstantWithOffset(instant)).toBe(false);
  });

  it('should compare instants in absolute time when their offsets differ', () => {
    // Paris 10:30 (+02:00) is 08:30Z; New York 04:45 (-04:00) is 08:45Z.
    const paris = instantMillis('2027-07-01T10:30:00+02:00') ?? 0;
    const newYork = instantMillis('2027-07-01T04:45:00-04:00') ?? 0;
    expect(newYork - paris).toBe(15 * 60_000);
  });

  it('should agree with Date.parse when given any valid instant with an offset', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2200-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 4, max: 14 * 4 }).filter((quarters) => quarters !== 0),
        (date, quarters) => {
          const offsetMinutes = quarters * 15;
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString();
          const sign = offsetMinutes < 0 ? '-' : '+';
          const absolute = Math.abs(offsetMinutes);
          const text = `${local.slice(0, 23)}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
          const origin = instantMillis('1970-01-01T00:00:00+00:00') ?? 0;
          expect((instantMillis(text) ?? Number.NaN) - origin).toBe(Date.parse(text));
        },
      ),
    );
  });
});
