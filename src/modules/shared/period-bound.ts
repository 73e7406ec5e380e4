import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** `2027-07-01`, or an instant with a time and a zone: `2027-07-01T10:00Z`, `…T10:00:00.5+02:00`. */
export const PERIOD_BOUND =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A calendar date or an instant, as `toDate` reads them. ISO 8601 also writes week dates
 * (`2027-W01-1`) and ordinal dates (`2027-182`), which `IsISO8601` lets through but `Date`
 * cannot read: PostgreSQL was then handed an invalid date (a 500). A day that does not
 * exist (`2027-02-30`) is refused too: `Date` would roll it over to March.
 */
export function isPeriodBound(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = PERIOD_BOUND.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return year >= 1 && day >= 1 && day <= days;
}

/**
 * The rule's name is the constraint name, which the validation pipe turns into the words
 * of the error: "must be a date or an instant with a time".
 */
export const IsPeriodBound = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    { name: 'mustBeADateOrAnInstantWithATime', validator: { validate: isPeriodBound } },
    options,
  );

/** The instant a bound stands for: a date from 00:00 UTC, an instant as written. */
export function periodBoundTime(bound: string): number {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(bound) ? `${bound}T00:00:00Z` : bound).getTime();
}

/**
 * On a period's `to`: it must not be before the `from` of the same query. An inverted
 * period matches nothing, and was answered as an empty list — as if nothing had happened
 * in it. Checked only when both are bounds (`IsPeriodBound` names any other value); the
 * constraint name gives the rule's words: "must not be before from".
 */
export const IsNotBeforeFrom = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'mustNotBeBeforeFrom',
      validator: {
        validate: (value: unknown, args?: ValidationArguments): boolean => {
          const from = (args?.object as { readonly from?: unknown } | undefined)?.from;
          if (!isPeriodBound(value) || !isPeriodBound(from)) return true;
          return periodBoundTime(value) >= periodBoundTime(from);
        },
      },
    },
    options,
  );
