import type { Booking, Participant } from '../src/core/model/booking.js';
import type { Trip } from '../src/core/model/trip.js';

/**
 * Trip `n` of the benchmark: the NYC sample with ids of its own (trip, flights, stays, rooms,
 * booking references, participants), so that every trip plans transmissions of its own.
 */
export function tripVariant(
  sample: { readonly trip: Trip; readonly bookings: readonly Booking[] },
  n: number,
): { trip: Trip; bookings: Booking[] } {
  const own = (id: string) => `N${n}-${id}`;
  const trip: Trip = {
    ...sample.trip,
    id: `T-BENCH-${n}`,
    flights: sample.trip.flights.map((flight) => ({ ...flight, id: own(flight.id) })),
    stays: sample.trip.stays.map((stay) => ({
      ...stay,
      id: own(stay.id),
      rooms: stay.rooms.map((room) => ({
        ...room,
        id: own(room.id),
        occupantIds: room.occupantIds.map(own),
      })),
    })),
  };
  const participant = (p: Participant): Participant => ({
    ...p,
    id: own(p.id),
    ...(p.flightIds === undefined ? {} : { flightIds: p.flightIds.map(own) }),
    ...(p.stayIds === undefined ? {} : { stayIds: p.stayIds.map(own) }),
  });
  const bookings = sample.bookings.map((booking) => ({
    ...booking,
    reference: own(booking.reference),
    tripId: trip.id,
    participants: booking.participants.map(participant),
  }));
  return { trip, bookings };
}
