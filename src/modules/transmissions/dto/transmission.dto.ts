import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsNotBeforeFrom, IsPeriodBound } from '../../shared/period-bound.js';
import { TRANSMISSION_STATUSES } from '../../../core/planning/reconcile-plan.js';

/** `GET /v1/transmissions` filters (interfaces.md). */
export class ListTransmissionsQuery {
  @IsOptional() @Matches(/^[A-Za-z0-9._-]{1,64}$/) tripId?: string;
  @IsOptional() @Matches(/^[a-z0-9-]{1,64}$/) contractId?: string;
  @IsOptional() @IsIn(TRANSMISSION_STATUSES) status?: string;
  /** Due at or after (a date or an instant with its offset). */
  @IsOptional() @IsPeriodBound() from?: string;
  /** Due before. */
  @IsOptional() @IsPeriodBound() @IsNotBeforeFrom() to?: string;
  @IsOptional() @MaxLength(200) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

/** An operator's action needs a reason: it goes into the register with their name. */
export class OpsActionBody {
  // Trimmed first: blank space is not a reason.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}
