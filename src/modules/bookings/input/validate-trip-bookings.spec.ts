import { describe, expect, it } from 'vitest';
import type { Booking } from '../../../core/model/booking.js';
import type { Trip } from '../../../core/model/trip.js';
import {
  edit,
  edits,
  REMOVE,
  sampleBookings,
  sampleTrip,
  type Json,
  type JsonObject,
} from '../../../../test/support/input-documents.js';
import { RULES, validateBooking, validateTrip, validateTripBookings } from './validate-input.js';

const TODAY = '2027-01-15';

function tripOf(raw: JsonObject): Trip {
  const result = validateTrip(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

/** Bookings validated on their own (no trip), so that only the cross-document rules speak. */
function bookingsOf(raws: readonly JsonObject[]): Booking[] {
  return raws.map((raw) => {
    const result = validateBooking(raw, { today: TODAY });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.value;
  });
}

const withBooking = (index: number, path: string, value: Json | typeof REMOVE): JsonObject[] =>
  sampleBookings().map((raw, i) => (i === index ? edit(raw, path, value) : raw));

describe('validateTripBookings', () => {
  it('should find nothing when given the sample trip and bookings', () => {
    expect(validateTripBookings(tripOf(sampleTrip()), bookingsOf(sampleBookings()))).toEqual([]);
  });

  it('should refuse a participant id when another booking of the trip already uses it', () => {
    const bookings = bookingsOf(withBooking(2, 'participants[0].id', 'B-1001-2'));
    expect(validateTripBookings(tripOf(sampleTrip()), bookings)).toEqual([
      { path: 'bookings[2].participants[0].id', rule: RULES.participantIdInOtherBooking },
      // B-1003-1 no longer exists, so its room assignment names nobody.
      { path: 'trip.stays[0].rooms[1].occupantIds[1]', rule: RULES.occupantNotGuest },
    ]);
  });

  it('should refuse a booking reference when an earlier booking of the trip has it', () => {
    const raws = sampleBookings();
    const again = edits(raws[1]!, [
      ['reference', 'B-1001'],
      ['participants[0].id', 'B-1002-9'],
    ]);
    expect(validateTripBookings(tripOf(sampleTrip()), bookingsOf([...raws, again]))).toEqual([
      { path: 'bookings[4].reference', rule: RULES.duplicateReference },
    ]);
  });

  it('should refuse a room occupant when the booking is cancelled', () => {
    const bookings = bookingsOf(withBooking(1, 'status', 'cancelled'));
    expect(validateTripBookings(tripOf(sampleTrip()), bookings)).toEqual([
      { path: 'trip.stays[0].rooms[0].occupantIds[1]', rule: RULES.occupantNotGuest },
    ]);
  });

  it('should refuse a room occupant when the participant does not take that stay', () => {
    const bookings = bookingsOf(withBooking(3, 'participants[0].stayIds', []));
    expect(validateTripBookings(tripOf(sampleTrip()), bookings)).toEqual([
      { path: 'trip.stays[0].rooms[2].occupantIds[0]', rule: RULES.occupantNotGuest },
    ]);
  });

  it('should accept a room occupant when the participant names the stay explicitly', () => {
    const bookings = bookingsOf(withBooking(3, 'participants[0].stayIds', ['S1']));
    expect(validateTripBookings(tripOf(sampleTrip()), bookings)).toEqual([]);
  });

  it('should refuse a room occupant when no booking has that participant', () => {
    const trip = tripOf(
      edit(sampleTrip(), 'stays[0].rooms[2].occupantIds', ['B-STAFF-07-1', 'B-9999-1']),
    );
    expect(validateTripBookings(trip, bookingsOf(sampleBookings()))).toEqual([
      { path: 'trip.stays[0].rooms[2].occupantIds[1]', rule: RULES.occupantNotGuest },
    ]);
  });

  it('should refuse a second room for a participant when the stay already has one for them', () => {
    // Built directly: validateTrip already refuses it inside the trip document.
    const trip = tripOf(sampleTrip());
    const stay = trip.stays[0];
    if (stay === undefined) throw new Error('the sample has a stay');
    const doubled: Trip = {
      ...trip,
      stays: [
        { ...stay, rooms: [...stay.rooms, { id: 'R4', type: 'SGL', occupantIds: ['B-1001-1'] }] },
      ],
    };
    expect(validateTripBookings(doubled, bookingsOf(sampleBookings()))).toEqual([
      { path: 'trip.stays[0].rooms[3].occupantIds[0]', rule: RULES.occupantInTwoRooms },
    ]);
  });

  it('should ask for a legal representative when a new trip start date makes a participant a minor', () => {
    const bookings = bookingsOf(withBooking(3, 'participants[0].dateOfBirth', '2009-06-15'));
    expect(validateTripBookings(tripOf(sampleTrip()), bookings)).toEqual([]);
    const earlier = tripOf(edits(sampleTrip(), [['startDate', '2027-06-01']]));
    expect(validateTripBookings(earlier, bookings)).toEqual([
      { path: 'bookings[3].participants[0].role', rule: RULES.supervisorMinor },
      {
        path: 'bookings[3].participants[0].legalRepresentatives',
        rule: RULES.legalRepresentativeRequired,
      },
    ]);
  });

  it('should refuse references to flights and stays when the trip no longer has them', () => {
    const bookings = bookingsOf(withBooking(2, 'participants[0].flightIds', ['F1', 'F2']));
    const oneWay = tripOf(edit(sampleTrip(), 'flights[1]', REMOVE));
    expect(validateTripBookings(oneWay, bookings)).toEqual([
      { path: 'bookings[2].participants[0].flightIds[1]', rule: RULES.unknownFlight },
    ]);
  });

  it('should refuse a booking when it belongs to another trip', () => {
    const bookings = bookingsOf(withBooking(0, 'tripId', 'T-OTHER'));
    expect(validateTripBookings(tripOf(sampleTrip()), bookings)).toEqual([
      { path: 'bookings[0].tripId', rule: RULES.tripIdOfTrip },
    ]);
  });

  it('should check 80 participants taking each of 5,000 stays in well under a second', () => {
    const sample = tripOf(sampleTrip());
    const stayIds = Array.from({ length: 5000 }, (_, index) => `S${index}`);
    const trip: Trip = {
      ...sample,
      stays: stayIds.map((id) => ({ ...sample.stays[0]!, id, rooms: [] })),
    };
    const [base] = bookingsOf([sampleBookings()[3]!]);
    const participant = base!.participants[0]!;
    const bookings: Booking[] = Array.from({ length: 2 }, (_, b) => ({
      ...base!,
      reference: `B-${b}`,
      participants: Array.from({ length: 40 }, (_, p) => ({
        ...participant,
        id: `P-${b}-${p}`,
        stayIds,
      })),
    }));
    const started = performance.now();
    expect(validateTripBookings(trip, bookings)).toEqual([]);
    // Each stay looked for its guests in every participant's list of stays: 5,000 × 80 ×
    // 5,000 comparisons, seconds under the trip's lock at every PUT of the trip or a booking.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
