import { describe, expect, it } from 'vitest';
import { airimpDateOf, localDateOf } from './airimp-date.js';

describe('airimpDateOf', () => {
  it.each([
    ['2027-01-05', '05JAN27'],
    ['2027-02-05', '05FEB27'],
    ['2011-03-04', '04MAR11'],
    ['2027-04-30', '30APR27'],
    ['2027-05-31', '31MAY27'],
    ['2027-06-30', '30JUN27'],
    ['2027-07-01', '01JUL27'],
    ['2027-08-15', '15AUG27'],
    ['2027-09-09', '09SEP27'],
    ['2027-10-10', '10OCT27'],
    ['2027-11-11', '11NOV27'],
    ['2027-12-25', '25DEC27'],
  ])('should write %s in English upper case as %s', (isoDate, expected) => {
    expect(airimpDateOf(isoDate)).toBe(expected);
  });

  it('should write the two last digits of the year, leaving the century to the reader', () => {
    expect(airimpDateOf('1960-05-12')).toBe('12MAY60');
    expect(airimpDateOf('2011-05-12')).toBe('12MAY11');
    // A 1925 grandparent and a 2025 baby write the same year (formats.md §8 item 15).
    expect(airimpDateOf('1925-12-31')).toBe('31DEC25');
    expect(airimpDateOf('2025-12-31')).toBe('31DEC25');
  });

  it('should accept leap days only in leap years', () => {
    expect(airimpDateOf('2000-02-29')).toBe('29FEB00');
    expect(airimpDateOf('2004-02-29')).toBe('29FEB04');
    expect(airimpDateOf('1900-02-29')).toBeUndefined();
    expect(airimpDateOf('2027-02-29')).toBeUndefined();
  });

  it.each(['2027-13-01', '2027-00-10', '2027-04-31', '2027-01-00', '27-01-01', '2027-1-1', ''])(
    'should refuse %j, which is not a calendar date',
    (text) => {
      expect(airimpDateOf(text)).toBeUndefined();
    },
  );
});

describe('localDateOf', () => {
  it('should read the local date from the offset, not from UTC', () => {
    // 30 June 22:30 in UTC, but 1 July in Paris.
    expect(localDateOf('2027-07-01T00:30:00+02:00')).toBe('2027-07-01');
    // 1 July 03:30 in UTC, but still 30 June in New York.
    expect(localDateOf('2027-06-30T23:30:00-04:00')).toBe('2027-06-30');
    expect(localDateOf('2027-07-01T10:30+02:00')).toBe('2027-07-01');
    expect(localDateOf('2027-07-01T10:30:00.250Z')).toBe('2027-07-01');
  });

  it.each(['2027-07-01T10:30:00', '2027-07-01', 'tomorrow', '2027-07-01T10:30:00+0200'])(
    'should refuse %j, which has no explicit offset',
    (text) => {
      expect(localDateOf(text)).toBeUndefined();
    },
  );
});
