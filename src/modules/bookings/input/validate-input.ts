import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidatorOptions } from 'class-validator';
import type { Booking } from '../../../core/model/booking.js';
import type { Trip } from '../../../core/model/trip.js';
import { fail, ok, type Result } from '../../../core/shared/result.js';
import { BookingDto } from '../dto/booking.dto.js';
import { TripDto } from '../dto/trip.dto.js';
import { isCalendarDate } from './calendar.js';
import { checkBooking, checkBookingAgainstTrip } from './check-booking.js';
import { checkTrip } from './check-trip.js';
import { capProblems, PAYMENT_DATA_RULE, RULES, type InputError } from './input-error.js';
import { findPaymentCardPaths } from './payment-card.js';
import { withinProblemBudget } from './problem-budget.js';
import { sanitizeJson } from './sanitize-json.js';
import { toInputErrors } from './validation-errors.js';
import { toBooking, toTrip } from './to-core.js';

/**
 * The input model (input-model.md): raw JSON trips and bookings in, the core's plain types
 * out — or every problem found, each as a path and a rule, never a value. Pure: the date of
 * today is an argument. Shape and formats are checked by the DTOs; the rules between fields,
 * the clock and the trip run beside them on whatever is well formed, so that one answer
 * names every problem. A document converts only when nothing at all is wrong.
 */

export { validateTripBookings } from './check-trip-bookings.js';
export { findPaymentCardPaths } from './payment-card.js';
export {
  capProblems,
  isKnownRule,
  PAYMENT_DATA_RULE,
  prefixErrors,
  prefixPath,
  RULES,
  type InputError,
} from './input-error.js';

/** As NestJS's ValidationPipe is configured (STYLE.md), plus one rule per property. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: true },
};

interface Shape<T> {
  /** The document as class-transformer read it (trimmed), or `undefined` if not an object. */
  readonly dto: T | undefined;
  readonly errors: readonly InputError[];
}

function validateShape<T extends object>(dtoClass: new () => T, raw: unknown): Shape<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { dto: undefined, errors: [{ path: '', rule: RULES.object }] };
  }
  const sanitized = sanitizeJson(raw);
  // The document itself refused (too many properties): nothing more to look at.
  if (sanitized.value === null) return { dto: undefined, errors: sanitized.errors };
  const dto = plainToInstance(dtoClass, sanitized.value);
  const found = withinProblemBudget(() => toInputErrors(validateSync(dto, VALIDATOR_OPTIONS)));
  if (found === undefined) {
    return {
      dto: undefined,
      errors: [...sanitized.errors, { path: '', rule: RULES.tooManyProblems }],
    };
  }
  // A value sanitizeJson refused is left out (null): its refusal says why, not `must not be null`.
  const refused = new Set(sanitized.errors.map((error) => error.path));
  return {
    dto,
    errors: [...sanitized.errors, ...found.filter((error) => !refused.has(error.path))],
  };
}

export interface ValidateTripOptions {
  /** The `{tripId}` of `PUT /v1/trips/{tripId}`: the body's `id` must equal it. */
  readonly pathId?: string;
}

export function validateTrip(
  raw: unknown,
  options: ValidateTripOptions = {},
): Result<Trip, InputError> {
  const { dto, errors } = validateShape(TripDto, raw);
  if (dto === undefined) return fail(capProblems(errors));
  // The rules between fields run beside the shape errors, on what is well formed.
  const allErrors = [...errors, ...checkTrip(dto, options.pathId)];
  return allErrors.length > 0 ? fail(capProblems(allErrors)) : ok(toTrip(dto));
}

export interface ValidateBookingOptions {
  /** The booking's trip, when known: references and minors are checked against it. */
  readonly trip?: Trip;
  /** `YYYY-MM-DD`, the day against which dates of birth must not be in the future. */
  readonly today: string;
  /** The `{reference}` of `PUT /v1/bookings/{reference}`: the body's must equal it. */
  readonly pathReference?: string;
}

/**
 * A booking carrying anything that looks like a card number is refused with only
 * `payment data is not accepted` errors (a 422 for the API) and nothing else is looked at.
 */
export function validateBooking(
  raw: unknown,
  options: ValidateBookingOptions,
): Result<Booking, InputError> {
  if (!isCalendarDate(options.today)) {
    throw new TypeError('validateBooking: options.today must be a date YYYY-MM-DD');
  }
  const cardPaths = findPaymentCardPaths(raw);
  if (cardPaths.length > 0) {
    return fail(cardPaths.map((path) => ({ path, rule: PAYMENT_DATA_RULE })));
  }
  const { dto, errors } = validateShape(BookingDto, raw);
  if (dto === undefined) return fail(capProblems(errors));
  // The rules between fields run beside the shape errors, on what is well formed.
  const allErrors = [
    ...errors,
    ...checkBooking(dto, { today: options.today, pathReference: options.pathReference }),
    ...(options.trip === undefined ? [] : checkBookingAgainstTrip(dto, options.trip)),
  ];
  return allErrors.length > 0 ? fail(capProblems(allErrors)) : ok(toBooking(dto));
}

/** Whether errors are the payment-data refusal (422), rather than malformed input (400). */
export const isPaymentDataRefusal = (errors: readonly InputError[]): boolean =>
  errors.length > 0 && errors.every((error) => error.rule === PAYMENT_DATA_RULE);
