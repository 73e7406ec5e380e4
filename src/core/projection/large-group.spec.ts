import { describe, expect, it } from 'vitest';
import { generateTrip } from '../../../bench/generate-trip.js';
import { shippedCatalogue, shippedContracts } from '../../../test/support/shipped-catalog.js';
import type { Contract } from '../contracts/contract.js';
import type { Booking } from '../model/booking.js';
import { projectAllUnits } from './project-unit.js';

/** The bookings, each behind a proxy counting the reads of its `reference`. */
function countingReferences(bookings: readonly Booking[]): {
  bookings: Booking[];
  reads: () => number;
} {
  let reads = 0;
  const proxied = bookings.map(
    (booking) =>
      new Proxy(booking, {
        get(target, property, receiver) {
          if (property === 'reference') reads += 1;
          return Reflect.get(target, property, receiver) as unknown;
        },
      }),
  );
  return { bookings: proxied, reads: () => reads };
}

describe('projection of a large group', () => {
  const catalogue = shippedCatalogue();
  const enrollment = shippedContracts().contract('insurer-enrollment');
  // The same contract per booking, as one confirming each family's cover would be.
  const perBooking: Contract = {
    ...enrollment,
    unit: 'booking',
    scope: { ...enrollment.scope, insuredBy: undefined },
  };

  it('should make one unit per booking with its own participants, in reference order', () => {
    const { trip, bookings } = generateTrip(400);
    const units = projectAllUnits({ trip, bookings, contract: perBooking, catalogue });
    expect(units.map((unit) => unit.unit.id)).toEqual(
      bookings.map((booking) => booking.reference).sort(),
    );
    for (const unit of units) {
      const booking = bookings.find((b) => b.reference === unit.unit.id);
      expect(unit.participantIds).toEqual(booking?.participants.map((p) => p.id).sort());
    }
  });

  it('should read each booking reference a bounded number of times when grouping by booking', () => {
    const generated = generateTrip(400);
    const { bookings, reads } = countingReferences(generated.bookings);
    projectAllUnits({ trip: generated.trip, bookings, contract: perBooking, catalogue });
    // Filtering every member for each of the 160 bookings read a reference 64,000 times.
    expect(reads()).toBeLessThan(20 * 400);
  });

  it('should report each expired passport once per participant of a 400-passenger flight', () => {
    const { trip, bookings } = generateTrip(400);
    const expired = bookings.map((booking) => ({
      ...booking,
      participants: booking.participants.map((participant) => ({
        ...participant,
        documents: participant.documents.map((document) => ({
          ...document,
          expiryDate: '2027-01-01',
        })),
      })),
    }));
    const contract = shippedContracts().contract('us-apis');
    const [outbound] = projectAllUnits({
      trip,
      bookings: expired,
      contract,
      catalogue,
      requiredFields: ['participant.documents.passport.number'],
      qualityRules: ['passport-valid-for-flight'],
    });
    const subjects = outbound?.errors.map((error) => error.subject) ?? [];
    expect(new Set(subjects).size).toBe(400);
    expect(subjects).toHaveLength(400);
  });
});
