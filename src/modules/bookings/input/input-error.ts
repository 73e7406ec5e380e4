import { MAX_PROBLEMS } from './problem-budget.js';

/**
 * Input errors name where (`participants[2].documents[0].expiryDate`) and which rule was
 * broken — never the value found (DESIGN.md: "bad input gets a clear error"). Every rule
 * text is defined here, by code, so an error can only ever carry one of these strings.
 */
export interface InputError {
  readonly path: string;
  readonly rule: string;
}

const knownRules = new Set<string>();

/** Registers a rule text; the error mapper only lets registered texts through. */
function rule(text: string): string {
  knownRules.add(text);
  return text;
}

export const isKnownRule = (text: string): boolean => knownRules.has(text);

/** The rule of the 422 refusal: a booking carrying anything that looks like a card number. */
export const PAYMENT_DATA_RULE = rule('payment data is not accepted');

export const maxCharsRule = (max: number): string => rule(`must be at most ${max} characters`);
export const minItemsRule = (min: number): string =>
  rule(`must have at least ${min} item${min === 1 ? '' : 's'}`);
export const maxItemsRule = (max: number): string => rule(`must have at most ${max} items`);
export const maxPropertiesRule = (max: number): string =>
  rule(`must have at most ${max} properties`);
export const oneOfRule = (values: readonly string[]): string =>
  rule(`must be one of ${values.join(', ')}`);

export const RULES = {
  // shape
  required: rule('required'),
  notNull: rule('must not be null'),
  object: rule('must be an object'),
  array: rule('must be an array'),
  string: rule('must be a string'),
  empty: rule('must not be empty'),
  boolean: rule('must be true or false'),
  revision: rule('must be an integer of at least 1'),
  unknownProperty: rule('unknown property'),
  tooDeep: rule('nested too deeply'),
  tooManyProblems: rule(`more than ${MAX_PROBLEMS} problems: the document was not checked further`),
  invalid: rule('invalid value'),
  // formats
  id: rule('must be 1 to 64 characters among A-Z a-z 0-9 . _ -'),
  hotelId: rule('must be 1 to 16 characters among A-Z a-z 0-9 . _ -'),
  date: rule('must be a date YYYY-MM-DD'),
  instant: rule('must be an ISO 8601 date-time with the local UTC offset, +hh:mm or -hh:mm'),
  country: rule('must be an ISO 3166-1 alpha-3 code (or an ICAO 9303 one, such as XXA)'),
  airport: rule('must be an IATA airport code of 3 capital letters'),
  carrier: rule('must be an IATA airline designator of 2 capital letters or digits'),
  flightNumber: rule('must be 1 to 4 digits and an optional capital letter'),
  pnr: rule('must be 6 letters or digits'),
  documentNumber: rule('must be 5 to 20 letters A-Z or digits'),
  personName: rule('letters, apostrophes, hyphens and single spaces only'),
  mrzName: rule('capital letters A-Z and single spaces only'),
  controlCharacters: rule('must not contain control characters'),
  email: rule('must be an email address'),
  phone: rule('must be an international phone number: + then 6 to 15 digits'),
  postalCode: rule('must be letters, digits, spaces and hyphens'),
  ssrCode: rule('must be an IATA code of 4 capital letters'),
  bloodType: rule('must be one of A+, A-, B+, B-, AB+, AB-, O+, O-'),
  programmeNumber: rule('must be 1 to 25 letters or digits'),
  policyNumber: rule('must be 1 to 40 letters, digits, spaces or . / _ -'),
  // trip
  tripIdOfPath: rule('must equal the trip id of the request path'),
  endBeforeStart: rule('must not be before startDate'),
  duplicateFlightId: rule('must be unique among the flights of the trip'),
  arrivalNotAfterDeparture: rule('must be after the departure in absolute time'),
  duplicateStayId: rule('must be unique among the stays of the trip'),
  checkOutNotAfterCheckIn: rule('must be after checkIn'),
  duplicateRoomId: rule('must be unique among the rooms of the stay'),
  occupantInTwoRooms: rule('participant already in a room of this stay'),
  occupantNotGuest: rule('must be a participant of a confirmed booking taking this stay'),
  // booking
  referenceOfPath: rule('must equal the booking reference of the request path'),
  tripNotFound: rule('must name a stored trip'),
  tripIdOfTrip: rule('must equal the id of the trip'),
  duplicateReference: rule('booking reference already used in this trip'),
  duplicateParticipantId: rule('must be unique among the participants of the booking'),
  participantIdInOtherBooking: rule('participant id already used in another booking of the trip'),
  dateOfBirthInFuture: rule('must not be in the future'),
  issueAfterExpiry: rule('must not be after expiryDate'),
  unknownFlight: rule('must name a flight of the trip'),
  unknownStay: rule('must name a stay of the trip'),
  legalRepresentativeRequired: rule('at least one is required for a minor'),
  supervisorMinor: rule('leaders and staff must be adults on the trip startDate'),
} as const;

/** `prefixPath('bookings[3]', 'participants[0].id')` → `bookings[3].participants[0].id`. */
export function prefixPath(prefix: string, path: string): string {
  if (path === '') return prefix;
  if (prefix === '' || path.startsWith('[')) return `${prefix}${path}`;
  return `${prefix}.${path}`;
}

export const prefixErrors = (prefix: string, errors: readonly InputError[]): InputError[] =>
  errors.map((error) => ({ path: prefixPath(prefix, error.path), rule: error.rule }));

/**
 * At most `MAX_PROBLEMS` problems, in their order, and a last one saying there were more:
 * the rules between fields (duplicates…) can find one per item of a list.
 */
export const capProblems = (errors: readonly InputError[]): InputError[] =>
  errors.length <= MAX_PROBLEMS
    ? [...errors]
    : [...errors.slice(0, MAX_PROBLEMS), { path: '', rule: RULES.tooManyProblems }];
