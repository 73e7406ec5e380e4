import type { Trip } from '../../core/model/trip.js';
import { tripEndTime, tripLastDay } from '../../core/planning/plan-trip.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The latest time zone, UTC−12: a calendar day ends there 12 hours after it ends in UTC. */
const LATEST_ZONE_MS = 12 * 60 * 60 * 1000;

/**
 * When a trip is over, for retention: the end of its last day (its `endDate`, or a stay's
 * check-out if later) in the latest time zone of the world (UTC−12) or its last scheduled
 * arrival, whichever is later — the trip carries no
 * zone, so retention starts counting only once no zone can still be on the trip.
 */
export function tripEndsAt(trip: Trip): Date {
  const lastDayEnds = Date.parse(`${tripLastDay(trip)}T00:00:00Z`) + DAY_MS + LATEST_ZONE_MS;
  return new Date(Math.max(lastDayEnds, tripEndTime(trip)));
}

/** The instant before which a trip must have ended for its bookings to be erased. */
export const retentionCutoff = (now: Date, retentionDays: number): Date =>
  new Date(now.getTime() - retentionDays * DAY_MS);
