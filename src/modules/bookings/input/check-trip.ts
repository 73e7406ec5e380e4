import { instantMillis, isCalendarDate } from './calendar.js';
import { RULES, type InputError } from './input-error.js';
import { isId, itemsOf, propertyOf, validString } from './loose-read.js';

/**
 * Rules between fields of a trip: the path id, dates in order, unique ids, one room per
 * participant and stay. The trip may be partly malformed (see loose-read.ts): a rule runs
 * only on the fields it needs that are well formed.
 */
export function checkTrip(trip: unknown, pathId?: string): InputError[] {
  const errors: InputError[] = [];
  const id = validString(propertyOf(trip, 'id'), isId);
  if (pathId !== undefined && id !== undefined && id !== pathId) {
    errors.push({ path: 'id', rule: RULES.tripIdOfPath });
  }
  // Dates are YYYY-MM-DD, so their text order is their calendar order.
  const startDate = validString(propertyOf(trip, 'startDate'), isCalendarDate);
  const endDate = validString(propertyOf(trip, 'endDate'), isCalendarDate);
  if (startDate !== undefined && endDate !== undefined && endDate < startDate) {
    errors.push({ path: 'endDate', rule: RULES.endBeforeStart });
  }

  const flightIds = new Set<string>();
  itemsOf(propertyOf(trip, 'flights')).forEach((flight, index) => {
    const flightId = validString(propertyOf(flight, 'id'), isId);
    if (flightId !== undefined && flightIds.has(flightId)) {
      errors.push({ path: `flights[${index}].id`, rule: RULES.duplicateFlightId });
    }
    if (flightId !== undefined) flightIds.add(flightId);
    // Each side carries its airport's offset: compare absolute times, not local clocks.
    const departure = instantOf(propertyOf(flight, 'departure'));
    const arrival = instantOf(propertyOf(flight, 'arrival'));
    if (departure !== undefined && arrival !== undefined && arrival <= departure) {
      errors.push({
        path: `flights[${index}].arrival.scheduledAt`,
        rule: RULES.arrivalNotAfterDeparture,
      });
    }
  });

  const stayIds = new Set<string>();
  itemsOf(propertyOf(trip, 'stays')).forEach((stay, index) => {
    const path = `stays[${index}]`;
    const stayId = validString(propertyOf(stay, 'id'), isId);
    if (stayId !== undefined && stayIds.has(stayId)) {
      errors.push({ path: `${path}.id`, rule: RULES.duplicateStayId });
    }
    if (stayId !== undefined) stayIds.add(stayId);
    const checkIn = validString(propertyOf(stay, 'checkIn'), isCalendarDate);
    const checkOut = validString(propertyOf(stay, 'checkOut'), isCalendarDate);
    if (checkIn !== undefined && checkOut !== undefined && checkOut <= checkIn) {
      errors.push({ path: `${path}.checkOut`, rule: RULES.checkOutNotAfterCheckIn });
    }
    const roomIds = new Set<string>();
    itemsOf(propertyOf(stay, 'rooms')).forEach((room, roomIndex) => {
      const roomId = validString(propertyOf(room, 'id'), isId);
      if (roomId !== undefined && roomIds.has(roomId)) {
        errors.push({ path: `${path}.rooms[${roomIndex}].id`, rule: RULES.duplicateRoomId });
      }
      if (roomId !== undefined) roomIds.add(roomId);
    });
    // One by one: spread as arguments, 150,000 of them overflowed the call stack (a 500).
    for (const error of checkRoomingOfStay(trip, index)) errors.push(error);
  });
  return errors;
}

const instantOf = (point: unknown): number | undefined => {
  const scheduledAt = propertyOf(point, 'scheduledAt');
  return typeof scheduledAt === 'string' ? instantMillis(scheduledAt) : undefined;
};

/** A participant sleeps in at most one room of a stay: later mentions are errors. */
export function checkRoomingOfStay(trip: unknown, stayIndex: number): InputError[] {
  const errors: InputError[] = [];
  const seen = new Set<string>();
  const stay = itemsOf(propertyOf(trip, 'stays'))[stayIndex];
  itemsOf(propertyOf(stay, 'rooms')).forEach((room, roomIndex) => {
    itemsOf(propertyOf(room, 'occupantIds')).forEach((occupant, occupantIndex) => {
      const occupantId = validString(occupant, isId);
      if (occupantId === undefined) return;
      if (seen.has(occupantId)) {
        errors.push({
          path: `stays[${stayIndex}].rooms[${roomIndex}].occupantIds[${occupantIndex}]`,
          rule: RULES.occupantInTwoRooms,
        });
      }
      seen.add(occupantId);
    });
  });
  return errors;
}
