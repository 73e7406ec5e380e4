import type { Booking } from '../../../core/model/booking.js';
import type { Trip } from '../../../core/model/trip.js';
import { checkBookingAgainstTrip } from './check-booking.js';
import { checkRoomingOfStay } from './check-trip.js';
import { prefixErrors, RULES, type InputError } from './input-error.js';

/**
 * Rules across a trip and all its bookings. Paths say which document: `trip.` for the
 * trip, `bookings[i].` for the i-th booking given. A duplicate is reported where it occurs
 * the second time, so a caller checking an incoming document puts it last.
 */
export function validateTripBookings(trip: Trip, bookings: readonly Booking[]): InputError[] {
  const errors: InputError[] = [];

  const references = new Set<string>();
  const participantIds = new Set<string>();
  bookings.forEach((booking, index) => {
    const path = `bookings[${index}]`;
    // One by one, not spread as arguments: a list of 150,000 overflowed the call stack.
    for (const error of prefixErrors(path, checkBookingAgainstTrip(booking, trip))) {
      errors.push(error);
    }
    if (references.has(booking.reference)) {
      errors.push({ path: `${path}.reference`, rule: RULES.duplicateReference });
    }
    references.add(booking.reference);
    booking.participants.forEach((participant, participantIndex) => {
      if (participantIds.has(participant.id)) {
        errors.push({
          path: `${path}.participants[${participantIndex}].id`,
          rule: RULES.participantIdInOtherBooking,
        });
      }
      participantIds.add(participant.id);
    });
  });

  // Guests: participants of confirmed bookings who take the stay (no stayIds: all stays),
  // gathered once for all stays — each stay searching every participant's list of stays
  // took seconds for a trip of 3,000 stays, under the trip's lock.
  const confirmed = bookings
    .filter((booking) => booking.status === 'confirmed')
    .flatMap((booking) => booking.participants);
  const guestsOfEveryStay = new Set(
    confirmed.filter((participant) => participant.stayIds === undefined).map(({ id }) => id),
  );
  const guestsByStay = new Map<string, Set<string>>();
  for (const participant of confirmed) {
    for (const stayId of participant.stayIds ?? []) {
      const guests = guestsByStay.get(stayId) ?? new Set<string>();
      guests.add(participant.id);
      guestsByStay.set(stayId, guests);
    }
  }

  trip.stays.forEach((stay, stayIndex) => {
    const guests = guestsByStay.get(stay.id);
    stay.rooms.forEach((room, roomIndex) => {
      room.occupantIds.forEach((occupantId, occupantIndex) => {
        if (!guestsOfEveryStay.has(occupantId) && guests?.has(occupantId) !== true) {
          errors.push({
            path: `trip.stays[${stayIndex}].rooms[${roomIndex}].occupantIds[${occupantIndex}]`,
            rule: RULES.occupantNotGuest,
          });
        }
      });
    });
    for (const error of prefixErrors('trip', checkRoomingOfStay(trip, stayIndex))) {
      errors.push(error);
    }
  });
  return errors;
}
