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
    errors.push(...prefixErrors(path, checkBookingAgainstTrip(booking, trip)));
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

  trip.stays.forEach((stay, stayIndex) => {
    // Guests: participants of confirmed bookings who take this stay (no stayIds: all stays).
    const guests = new Set(
      bookings
        .filter((booking) => booking.status === 'confirmed')
        .flatMap((booking) => booking.participants)
        .filter((participant) => participant.stayIds?.includes(stay.id) ?? true)
        .map((participant) => participant.id),
    );
    stay.rooms.forEach((room, roomIndex) => {
      room.occupantIds.forEach((occupantId, occupantIndex) => {
        if (!guests.has(occupantId)) {
          errors.push({
            path: `trip.stays[${stayIndex}].rooms[${roomIndex}].occupantIds[${occupantIndex}]`,
            rule: RULES.occupantNotGuest,
          });
        }
      });
    });
    errors.push(...prefixErrors('trip', checkRoomingOfStay(trip, stayIndex)));
  });
  return errors;
}
