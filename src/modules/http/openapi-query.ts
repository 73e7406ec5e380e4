import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsNotBeforeFrom, IsPeriodBound, PERIOD_BOUND } from '../shared/period-bound.js';

/**
 * OpenAPI descriptions of the query parameters every list shares, written beside the
 * validators they describe (the DTOs use the same bounds): `limit`, `cursor`, `from`, `to`.
 */

/** `limit`: 1 to 200; the lists answer 50 when it is absent (interfaces.md). */
export const LIST_LIMIT = { min: 1, max: 200, default: 50 } as const;

export const ApiLimit = (): PropertyDecorator =>
  ApiPropertyOptional({
    type: 'integer',
    minimum: LIST_LIMIT.min,
    maximum: LIST_LIMIT.max,
    default: LIST_LIMIT.default,
    description: `items per page; a larger one is refused (400), not cut`,
  });

/** The characters of a cursor the API issues (base64url). */
const CURSOR = /^[A-Za-z0-9_-]+$/;

export const ApiCursor = (maxLength: number): PropertyDecorator =>
  ApiPropertyOptional({
    type: String,
    maxLength,
    pattern: CURSOR.source,
    description:
      'the `nextCursor` of the page before; a cursor the API did not issue is refused (400)',
  });

/** `from` (inclusive) or `to` (exclusive, not before `from`) of a period. */
export const ApiPeriodBound = (bound: 'from' | 'to', what: string): PropertyDecorator =>
  ApiPropertyOptional({
    type: String,
    pattern: PERIOD_BOUND.source,
    description:
      `${what} ${bound === 'from' ? 'at or after' : 'before'} this: a date (\`2027-07-01\`, ` +
      `from 00:00 UTC) or an instant with a time and an offset (\`2027-07-01T10:00:00+02:00\`)` +
      (bound === 'to' ? '; not before `from`' : ''),
    example: bound === 'from' ? '2027-07-01' : '2027-08-01T00:00:00Z',
  });

/** An identifier filter, as the DTO's pattern checks it. */
export const ApiIdFilter = (pattern: RegExp, description: string): PropertyDecorator =>
  ApiPropertyOptional({ type: String, pattern: pattern.source, description });

/** A list's `limit`, validated and described in one place. */
export const ListLimit = (): PropertyDecorator =>
  applyDecorators(
    ApiLimit(),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(LIST_LIMIT.min),
    Max(LIST_LIMIT.max),
  );

/** A list's `cursor`, validated and described in one place. */
export const ListCursor = (maxLength: number): PropertyDecorator =>
  applyDecorators(
    ApiCursor(maxLength),
    IsOptional(),
    MaxLength(maxLength),
    // Decoding skips what is not base64url: `czo1!!` read as the cursor `czo1`.
    Matches(CURSOR, { message: 'cursor must be a cursor the API issued' }),
  );

/** A period's `from` (inclusive), validated and described in one place. */
export const PeriodFrom = (what: string): PropertyDecorator =>
  applyDecorators(ApiPeriodBound('from', what), IsOptional(), IsPeriodBound());

/** A period's `to` (exclusive, not before `from`), validated and described in one place. */
export const PeriodTo = (what: string): PropertyDecorator =>
  applyDecorators(ApiPeriodBound('to', what), IsOptional(), IsPeriodBound(), IsNotBeforeFrom());
