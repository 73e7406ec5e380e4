import { describe, expect, it } from 'vitest';
import { deliveryFileName } from './delivery-file-name.js';
import { parseUnitKey } from './render-unit.js';
import type { UnitRef } from './minimized-unit.js';

const TRANSMISSION = '0b8e4a52-6f1d-4c3e-9a7b-2d5f8c1e3a90';

function unitOf(key: string): UnitRef {
  const unit = parseUnitKey(key);
  if (unit === undefined) throw new Error(`not a unit key: ${key}`);
  return unit;
}

const nameOf = (key: string, fields: readonly string[], suffix = 'csv'): string =>
  deliveryFileName({ fields }, unitOf(key), TRANSMISSION, suffix);

describe('deliveryFileName', () => {
  it('should name a flight and a stay by their id, whatever the contract lists', () => {
    expect(nameOf('flight:F1', ['participant.surname'], 'part01.edi')).toBe(
      `flight-F1.${TRANSMISSION}.part01.edi`,
    );
    expect(nameOf('stay:S1', [], 'xml')).toBe(`stay-S1.${TRANSMISSION}.xml`);
  });

  it('should name a trip unit by its kind alone when the contract does not list trip.id', () => {
    expect(nameOf('trip:T-2027-NYC-01', ['trip.startDate', 'participant.surname'])).toBe(
      `trip.${TRANSMISSION}.csv`,
    );
  });

  it('should name a trip unit by its id when the contract lists trip.id', () => {
    expect(nameOf('trip:T-2027-NYC-01', ['trip.startDate', 'trip.id'])).toBe(
      `trip-T-2027-NYC-01.${TRANSMISSION}.csv`,
    );
  });

  it('should keep the insurer part, with or without the trip id', () => {
    const key = 'trip:T-2027-NYC-01:insurer:INS-A';
    expect(nameOf(key, ['participant.surname'])).toBe(`trip.insurer-INS-A.${TRANSMISSION}.csv`);
    expect(nameOf(key, ['trip.id'])).toBe(`trip-T-2027-NYC-01.insurer-INS-A.${TRANSMISSION}.csv`);
  });

  it('should name a participant unit by its id only when the contract lists participant.id', () => {
    const key = 'participant:B-1001-1:insurer:INS-A';
    expect(nameOf(key, ['participant.surname'], 'json')).toBe(
      `participant.insurer-INS-A.${TRANSMISSION}.json`,
    );
    expect(nameOf(key, ['participant.id'], 'json')).toBe(
      `participant-B-1001-1.insurer-INS-A.${TRANSMISSION}.json`,
    );
  });

  it('should name a booking unit by its reference only when the contract lists booking.reference', () => {
    expect(nameOf('booking:K7Q2ZX', ['booking.customer.email'])).toBe(
      `booking.${TRANSMISSION}.csv`,
    );
    expect(nameOf('booking:K7Q2ZX', ['booking.reference'])).toBe(
      `booking-K7Q2ZX.${TRANSMISSION}.csv`,
    );
  });

  it('should not take another unit kind’s id field for its own', () => {
    // `participant.id` listed says nothing of the trip's id, nor `trip.id` of a booking's.
    expect(nameOf('trip:T-1', ['participant.id', 'booking.reference'])).toBe(
      `trip.${TRANSMISSION}.csv`,
    );
    expect(nameOf('booking:K7Q2ZX', ['trip.id', 'participant.id'])).toBe(
      `booking.${TRANSMISSION}.csv`,
    );
    expect(nameOf('participant:P-1', ['trip.id', 'booking.reference'])).toBe(
      `participant.${TRANSMISSION}.csv`,
    );
  });

  it('should give each part and each transmission a name of its own, the same on every call', () => {
    const unit = unitOf('participant:P-1');
    const names = [
      deliveryFileName({ fields: [] }, unit, TRANSMISSION, 'part01.edi'),
      deliveryFileName({ fields: [] }, unit, TRANSMISSION, 'part02.edi'),
      deliveryFileName({ fields: [] }, unit, 'another-transmission', 'part01.edi'),
    ];
    expect(new Set(names).size).toBe(3);
    expect(deliveryFileName({ fields: [] }, unit, TRANSMISSION, 'part01.edi')).toBe(names[0]);
  });
});
