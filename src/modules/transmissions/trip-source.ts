import type { Kysely } from 'kysely';
import type { Booking } from '../../core/model/booking.js';
import type { Trip } from '../../core/model/trip.js';
import type { Restrictions } from '../../core/projection/project-unit.js';
import type { Database } from '../../database/schema.js';

/** A trip, its bookings (decrypted) and the restrictions of processing of their participants. */
export interface SourcedTrip {
  readonly trip: Trip;
  readonly bookings: Booking[];
  readonly restricted: Restrictions;
}

/** Where the planner and the worker read trips and their (decrypted) bookings. */
export interface TripSource {
  /** `within`: read in that transaction (the planner reads under the trip's plan lock). */
  loadTrip(tripId: string, within?: Kysely<Database>): Promise<SourcedTrip | undefined>;
  /** Several at once (one round trip); those not stored are absent. */
  loadTrips(tripIds: readonly string[]): Promise<Map<string, SourcedTrip>>;
  listTripIds(): Promise<string[]>;
  /** The trips with a booking not erased: those whose data can still be sent. */
  listTripIdsWithLiveBookings(): Promise<string[]>;
  /** Called after every effective change of a trip or one of its bookings. */
  onTripChanged(listener: (tripId: string) => Promise<void>): void;
}

export const TRIP_SOURCE = Symbol('TRIP_SOURCE');
