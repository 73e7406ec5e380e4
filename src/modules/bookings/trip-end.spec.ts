import { describe, expect, it } from 'vitest';
import type { Trip } from '../../core/model/trip.js';
import { aStay } from '../../../test/support/builders.js';
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
  it('should end a trip when its endDate ends in the latest zone (UTC−12) when no flight lands later', () => {
    expect(tripEndsAt(trip('2027-07-12', ['2027-07-12T07:55:00+02:00'])).toISOString()).toBe(
      '2027-07-13T12:00:00.000Z',
    );
  });

  it('should end a trip with its last stay when that checks out after its endDate', () => {
    const staying: Trip = {
      ...trip('2027-07-12', []),
      stays: [aStay('S1', 'USA', { checkOut: '2027-07-30' })],
    };
    expect(tripEndsAt(staying).toISOString()).toBe('2027-07-31T12:00:00.000Z');
  });

  it('should end a trip at its last arrival when that is later', () => {
    expect(tripEndsAt(trip('2027-07-12', ['2027-07-13T08:00:00-10:00'])).toISOString()).toBe(
      '2027-07-13T18:00:00.000Z',
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
