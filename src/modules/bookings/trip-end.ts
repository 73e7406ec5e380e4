import type { Trip } from '../../core/model/trip.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When a trip is over, for retention: the end of its `endDate` (the next midnight, UTC) or
 * the last scheduled arrival, whichever is later — so that no zone of the world is still on
 * the trip when its retention period starts counting.
 */
export function tripEndsAt(trip: Trip): Date {
  let end = Date.parse(`${trip.endDate}T00:00:00Z`) + DAY_MS;
  for (const flight of trip.flights) {
    const arrival = Date.parse(flight.arrival.scheduledAt);
    if (Number.isFinite(arrival) && arrival > end) end = arrival;
  }
  return new Date(end);
}

/** The instant before which a trip must have ended for its bookings to be erased. */
export const retentionCutoff = (now: Date, retentionDays: number): Date =>
  new Date(now.getTime() - retentionDays * DAY_MS);
