import { PARTICIPANT_ROLES } from '../../../core/model/booking.js';
import { isMinorOnTrip } from '../../../core/model/derive-facts.js';
import type { Trip } from '../../../core/model/trip.js';
import { isCalendarDate } from './calendar.js';
import { RULES, type InputError } from './input-error.js';
import { isId, itemsOf, propertyOf, validString } from './loose-read.js';

/**
 * Rules between fields of a booking, and against the clock. The booking may be partly
 * malformed (see loose-read.ts): a rule runs only on the fields it needs that are well
 * formed. Dates are YYYY-MM-DD, so their text order is their calendar order.
 */
export function checkBooking(
  booking: unknown,
  options: { readonly today: string; readonly pathReference?: string | undefined },
): InputError[] {
  const errors: InputError[] = [];
  const reference = validString(propertyOf(booking, 'reference'), isId);
  if (
    options.pathReference !== undefined &&
    reference !== undefined &&
    reference !== options.pathReference
  ) {
    errors.push({ path: 'reference', rule: RULES.referenceOfPath });
  }
  const participantIds = new Set<string>();
  itemsOf(propertyOf(booking, 'participants')).forEach((participant, index) => {
    const path = `participants[${index}]`;
    const id = validString(propertyOf(participant, 'id'), isId);
    if (id !== undefined && participantIds.has(id)) {
      errors.push({ path: `${path}.id`, rule: RULES.duplicateParticipantId });
    }
    if (id !== undefined) participantIds.add(id);
    const dateOfBirth = validString(propertyOf(participant, 'dateOfBirth'), isCalendarDate);
    if (dateOfBirth !== undefined && dateOfBirth > options.today) {
      errors.push({ path: `${path}.dateOfBirth`, rule: RULES.dateOfBirthInFuture });
    }
    itemsOf(propertyOf(participant, 'documents')).forEach((document, documentIndex) => {
      const issueDate = validString(propertyOf(document, 'issueDate'), isCalendarDate);
      const expiryDate = validString(propertyOf(document, 'expiryDate'), isCalendarDate);
      if (issueDate !== undefined && expiryDate !== undefined && issueDate > expiryDate) {
        errors.push({
          path: `${path}.documents[${documentIndex}].issueDate`,
          rule: RULES.issueAfterExpiry,
        });
      }
    });
  });
  return errors;
}

const isSupervisorRole = (role: unknown): boolean =>
  typeof role === 'string' &&
  role !== 'participant' &&
  (PARTICIPANT_ROLES as readonly string[]).includes(role);

/**
 * Rules that need the booking's trip: it names the trip, its flights and stays, and a minor
 * (under 18 on the trip's start date) has a legal representative. Checked when a booking
 * arrives and again when its trip changes (a new start date can make a participant a minor).
 */
export function checkBookingAgainstTrip(booking: unknown, trip: Trip): InputError[] {
  const errors: InputError[] = [];
  const tripId = validString(propertyOf(booking, 'tripId'), isId);
  if (tripId !== undefined && tripId !== trip.id) {
    errors.push({ path: 'tripId', rule: RULES.tripIdOfTrip });
  }
  const flightIds = new Set(trip.flights.map((flight) => flight.id));
  const stayIds = new Set(trip.stays.map((stay) => stay.id));
  itemsOf(propertyOf(booking, 'participants')).forEach((participant, index) => {
    const path = `participants[${index}]`;
    itemsOf(propertyOf(participant, 'flightIds')).forEach((item, flightIndex) => {
      const flightId = validString(item, isId);
      if (flightId !== undefined && !flightIds.has(flightId)) {
        errors.push({ path: `${path}.flightIds[${flightIndex}]`, rule: RULES.unknownFlight });
      }
    });
    itemsOf(propertyOf(participant, 'stayIds')).forEach((item, stayIndex) => {
      const stayId = validString(item, isId);
      if (stayId !== undefined && !stayIds.has(stayId)) {
        errors.push({ path: `${path}.stayIds[${stayIndex}]`, rule: RULES.unknownStay });
      }
    });
    const dateOfBirth = validString(propertyOf(participant, 'dateOfBirth'), isCalendarDate);
    if (dateOfBirth === undefined || !isMinorOnTrip({ dateOfBirth }, trip)) return;
    // input-model.md: "leaders and staff are adults who supervise".
    if (isSupervisorRole(propertyOf(participant, 'role'))) {
      errors.push({ path: `${path}.role`, rule: RULES.supervisorMinor });
    }
    // Absent means none; a malformed list is already refused by its shape.
    const representatives = propertyOf(participant, 'legalRepresentatives');
    if (
      representatives === undefined ||
      (Array.isArray(representatives) && representatives.length === 0)
    ) {
      errors.push({
        path: `${path}.legalRepresentatives`,
        rule: RULES.legalRepresentativeRequired,
      });
    }
  });
  return errors;
}
