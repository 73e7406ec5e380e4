import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { TRANSMISSION_STATUSES } from '../../../core/planning/reconcile-plan.js';
import {
  ApiIdFilter,
  ListCursor,
  ListLimit,
  PeriodFrom,
  PeriodTo,
} from '../../http/openapi-query.js';

const TRIP_ID = /^[A-Za-z0-9._-]{1,64}$/;
const CONTRACT_ID = /^[a-z0-9-]{1,64}$/;
const CURSOR_MAX = 200;

/** `GET /v1/transmissions` filters (interfaces.md). */
export class ListTransmissionsQuery {
  @ApiIdFilter(TRIP_ID, 'the trip')
  @IsOptional()
  @Matches(TRIP_ID)
  tripId?: string;

  @ApiIdFilter(CONTRACT_ID, 'the contract')
  @IsOptional()
  @Matches(CONTRACT_ID)
  contractId?: string;

  @ApiPropertyOptional({ enum: TRANSMISSION_STATUSES, enumName: 'TransmissionStatus' })
  @IsOptional()
  @IsIn(TRANSMISSION_STATUSES)
  status?: string;

  /** Due at or after (a date or an instant with its offset). */
  @PeriodFrom('due')
  from?: string;

  /** Due before. */
  @PeriodTo('due')
  to?: string;

  @ListCursor(CURSOR_MAX)
  cursor?: string;

  @ListLimit()
  limit?: number;
}

const REASON = { min: 3, max: 500 } as const;

/**
 * Control characters (C0, C1, DEL — NUL among them, which PostgreSQL cannot store: it was
 * answered 503 as if the register were down), lone surrogates, line and paragraph separators,
 * and the marks, embeddings, overrides and isolates that reorder text: a reason is one line,
 * and it must read in the register, the CLI and the DPO's pages as it is stored.
 */
const CONTROL = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** The constraint's name gives the rule's words: "must not contain control characters". */
const HasNoControlCharacters = (): PropertyDecorator =>
  ValidateBy({
    name: 'mustNotContainControlCharacters',
    validator: { validate: (value: unknown) => typeof value !== 'string' || !CONTROL.test(value) },
  });

/** An operator's action needs a reason: it goes into the register with their name. */
export class OpsActionBody {
  @ApiProperty({
    type: String,
    minLength: REASON.min,
    maxLength: REASON.max,
    description:
      'why: recorded in the register with the client’s id (leading and trailing spaces do not count); one line, no control or text-direction characters',
    example: 'the hotel asked for the list a day early',
  })
  // Trimmed first: blank space is not a reason.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(REASON.min)
  @MaxLength(REASON.max)
  @HasNoControlCharacters()
  reason!: string;
}
