import { describe, expect, it } from 'vitest';
import type { Trip } from '../../core/model/trip.js';
import { retentionCutoff, tripEndsAt } from './trip-end.js';

const trip = (endDate: string, arrivals: readonly string[]): Trip => ({
  id: 'T-1',
  revision: 1,
  name: 'Trip',
  status: 'scheduled',
  startDate: '2027-07-01',
  endDate,
  flights: arrivals.map((scheduledAt, index) => ({
    id: `F${index}`,
    carrier: 'AF',
    flightNumber: '1',
    departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-01T10:00:00+02:00' },
    arrival: { airport: 'JFK', country: 'USA', scheduledAt },
  })),
  stays: [],
});

describe('tripEndsAt', () => {
  it('should end a trip at the midnight (UTC) after its endDate when no flight lands later', () => {
    expect(tripEndsAt(trip('2027-07-12', ['2027-07-12T07:55:00+02:00'])).toISOString()).toBe(
      '2027-07-13T00:00:00.000Z',
    );
  });

  it('should end a trip at its last arrival when that is later than its endDate', () => {
    expect(tripEndsAt(trip('2027-07-12', ['2027-07-12T23:30:00-10:00'])).toISOString()).toBe(
      '2027-07-13T09:30:00.000Z',
    );
  });
});

describe('retentionCutoff', () => {
  it('should be the given number of days before now', () => {
    expect(retentionCutoff(new Date('2027-08-12T00:00:00Z'), 30).toISOString()).toBe(
      '2027-07-13T00:00:00.000Z',
    );
  });
});
