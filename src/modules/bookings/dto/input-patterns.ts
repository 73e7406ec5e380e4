import { RULES } from '../input/input-error.js';
import { ID_PATTERN } from '../input/loose-read.js';
import { isCountryCode } from '../../../core/model/country-codes.js';
import { describedCheck, matches, type StringCheck } from './input-decorators.js';

/** Identifiers from the booking system: trips, bookings, flights, stays, rooms, participants. */
export const id = matches(ID_PATTERN, RULES.id);
/** A code of the list: ISO 3166-1 alpha-3, and ICAO 9303's own (`XXA` stateless, `UNK`…). */
export const country: StringCheck = describedCheck(
  (value) => (isCountryCode(value) ? undefined : RULES.country),
  { description: 'a country code: ISO 3166-1 alpha-3, or ICAO 9303’s own (`XXA`, `UNK`…)' },
);
export const airport = matches(/^[A-Z]{3}$/, RULES.airport);
/** IATA airline designators: two letters or digits, never two digits (`AF`, `U2`, `9W`). */
export const carrier = matches(/^(?![0-9]{2})[A-Z0-9]{2}$/, RULES.carrier);
export const flightNumber = matches(/^[0-9]{1,4}[A-Z]?$/, RULES.flightNumber);
/** Upper-cased before the check, as record locators are case-insensitive. */
export const pnr = matches(/^[A-Z0-9]{6}$/, RULES.pnr);
/** It travels as the OpenTravel `HotelCode`. */
export const hotelId = matches(/^[A-Za-z0-9._-]{1,16}$/, RULES.hotelId);
export const postalCode = matches(
  /^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,14}[A-Za-z0-9])?$/,
  RULES.postalCode,
);
/** Upper-cased before the check. */
export const documentNumber = matches(/^[A-Z0-9]{5,20}$/, RULES.documentNumber);
/** IATA special service request codes (meals `VGML`, assistance `WCHR`…). */
export const ssrCode = matches(/^[A-Z]{4}$/, RULES.ssrCode);
export const bloodType = matches(/^(?:A|B|AB|O)[+-]$/, RULES.bloodType);
/** DHS redress and trusted-traveler numbers, upper-cased before the check. */
export const programmeNumber = matches(/^[A-Z0-9]{1,25}$/, RULES.programmeNumber);
export const policyNumber = matches(/^[A-Za-z0-9 ./_-]{1,40}$/, RULES.policyNumber);
