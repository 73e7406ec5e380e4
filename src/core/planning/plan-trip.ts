import { hash } from 'node:crypto';
import type { Contract, ScheduleEvent, ScheduleMoment } from '../contracts/contract.js';
import { durationMs } from '../contracts/schedule-moments.js';
import type { FieldCatalogue } from '../fields/field-catalogue.js';
import type { Booking } from '../model/booking.js';
import type { Trip } from '../model/trip.js';
import type { MinimizedUnit, UnitRef } from '../projection/minimized-unit.js';
import { projectAllUnits, type Restrictions } from '../projection/project-unit.js';

/** What one send of a contract for one unit should be: when, until when, with what data. */
export interface PlannedSend {
  readonly contractId: string;
  readonly contractVersion: number;
  readonly unit: UnitRef;
  readonly recipientId: string;
  /** Index of the contract's `schedule.send` moment. */
  readonly moment: number;
  /** When it falls due (ISO instant, UTC). */
  readonly dueAt: string;
  /** The last moment it may leave; past it, a pending send is missed, never sent late. */
  readonly deadline: string;
  /** sha256 of the minimized payload: what decides whether a change needs a resend. */
  readonly digest: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A trip's first calendar day: its `startDate`, or a stay's check-in if earlier. */
function tripFirstDay(trip: Trip): string {
  let first = trip.startDate;
  for (const stay of trip.stays) if (stay.checkIn < first) first = stay.checkIn;
  return first;
}

/**
 * When a trip begins, the mirror of `tripEndTime`: the start of its first day (midnight, UTC;
 * a stay may check in before `startDate`) or its first scheduled departure, whichever is
 * earlier — an outbound flight may leave before it too (a trip dated by its days at the
 * destination, a long-haul flight the evening before), and the group is travelling then.
 */
export function tripStartTime(trip: Trip): number {
  let start = Date.parse(`${tripFirstDay(trip)}T00:00:00Z`);
  for (const flight of trip.flights) {
    const departure = Date.parse(flight.departure.scheduledAt);
    if (Number.isFinite(departure) && departure < start) start = departure;
  }
  return start;
}

/** A trip's last calendar day: its `endDate`, or a stay's check-out if later. */
export function tripLastDay(trip: Trip): string {
  let last = trip.endDate;
  for (const stay of trip.stays) if (stay.checkOut > last) last = stay.checkOut;
  return last;
}

/**
 * When a trip is over: the end of its last day (the next midnight, UTC; a stay may check out
 * after `endDate`) or its last scheduled arrival, whichever is later — a return flight may
 * land after it too.
 */
export function tripEndTime(trip: Trip): number {
  let end = Date.parse(`${tripLastDay(trip)}T00:00:00Z`) + DAY_MS;
  for (const flight of trip.flights) {
    const arrival = Date.parse(flight.arrival.scheduledAt);
    if (Number.isFinite(arrival) && arrival > end) end = arrival;
  }
  return end;
}

/**
 * When an event of a unit happens, in epoch milliseconds. Flight times are instants; stay
 * and trip days are calendar dates, taken from the start of the day in UTC (a day's
 * precision is what their schedules need) — the end of a stay (`stay.checkOut`) is the end
 * of its last day, the check-out day (the next midnight, UTC); the start of a trip the start
 * of its first day or its first departure (`tripStartTime`), the end of a trip the end of its
 * last day or its last arrival (`tripEndTime`).
 * `booking.confirmed` is the moment the unit is planned.
 */
export function eventTime(
  event: ScheduleEvent,
  trip: Trip,
  unit: UnitRef,
  plannedAt: number,
): number | undefined {
  const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`);
  switch (event) {
    case 'flight.departure': {
      const flight = trip.flights.find((f) => unit.kind === 'flight' && f.id === unit.id);
      return flight === undefined ? undefined : Date.parse(flight.departure.scheduledAt);
    }
    case 'stay.checkIn':
    case 'stay.checkOut': {
      const stay = trip.stays.find((s) => unit.kind === 'stay' && s.id === unit.id);
      if (stay === undefined) return undefined;
      // The check-out day is the stay's last (the group is there that morning, the current
      // stay counts it, and a trip ending with the stay ends at the end of it): the stay ends
      // at the end of that day, as `trip.end` does — not at its start, which is the evening
      // before in the Americas, before the guests leave.
      return event === 'stay.checkIn' ? dayStart(stay.checkIn) : dayStart(stay.checkOut) + DAY_MS;
    }
    case 'trip.start':
      return tripStartTime(trip);
    case 'trip.end':
      return tripEndTime(trip);
    case 'booking.confirmed':
      return plannedAt;
  }
}

export function momentTime(
  moment: ScheduleMoment,
  trip: Trip,
  unit: UnitRef,
  plannedAt: number,
): number | undefined {
  const at = eventTime(moment.event, trip, unit, plannedAt);
  if (at === undefined) return undefined;
  const offset = durationMs(moment.offset);
  return moment.direction === 'before'
    ? at - offset
    : moment.direction === 'after'
      ? at + offset
      : at;
}

/** sha256 of the minimized payload in a stable form: equal data, equal digest. */
export function payloadDigest(payload: MinimizedUnit): string {
  // The one-shot `hash`: no Hash object per digest (a transmission takes several).
  return hash('sha256', JSON.stringify(payload), 'hex');
}

export interface PlanInput {
  readonly trip: Trip;
  readonly bookings: readonly Booking[];
  readonly contracts: readonly Contract[];
  readonly catalogue: FieldCatalogue;
  /** The moment of planning (epoch ms): `booking.confirmed` sends fall due now. */
  readonly now: number;
  /** Restrictions of processing in force: their participants leave the contracts' units. */
  readonly restricted?: Restrictions;
}

/**
 * Every send the contracts call for on a trip: for each contract with a planned schedule,
 * each unit (row scoping applies: a unit without participants has no send), each moment of
 * its schedule — with the digest of the data it would carry now. On-demand contracts
 * (emergency release) plan nothing. Pure and deterministic.
 */
export function planTrip(input: PlanInput): PlannedSend[] {
  const sends: PlannedSend[] = [];
  for (const contract of input.contracts) {
    const schedule = contract.schedule;
    if (schedule.kind !== 'planned') continue;
    const units = projectAllUnits({
      trip: input.trip,
      bookings: input.bookings,
      contract,
      catalogue: input.catalogue,
      ...(input.restricted === undefined ? {} : { restricted: input.restricted }),
    });
    for (const unit of units) {
      if (unit.participantIds.length === 0) continue;
      const deadline = momentTime(schedule.until, input.trip, unit.unit, input.now);
      if (deadline === undefined) continue;
      const digest = payloadDigest(unit.payload);
      schedule.send.forEach((moment, index) => {
        const due = momentTime(moment, input.trip, unit.unit, input.now);
        if (due === undefined) return;
        sends.push({
          contractId: contract.id,
          contractVersion: contract.version,
          unit: unit.unit,
          recipientId: unit.recipient.id,
          moment: index,
          dueAt: new Date(Math.min(due, deadline)).toISOString(),
          deadline: new Date(deadline).toISOString(),
          digest,
        });
      });
    }
  }
  return sends;
}
