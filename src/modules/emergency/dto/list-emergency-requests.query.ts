import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsNotBeforeFrom, IsPeriodBound } from '../../shared/period-bound.js';

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** `GET /v1/emergency/requests` filters (ops, auditor); every one optional. */
export class ListEmergencyRequestsQuery {
  @IsOptional() @Matches(ID) clientId?: string;
  @IsOptional() @Matches(ID) insurerId?: string;
  @IsOptional() @Matches(ID) participantId?: string;
  @IsOptional() @IsIn(['released', 'refused']) outcome?: 'released' | 'refused';
  /** Inclusive: a date (`2027-07-01`) or an instant with an offset. */
  @IsOptional() @IsPeriodBound() from?: string;
  /** Exclusive. */
  @IsOptional() @IsPeriodBound() @IsNotBeforeFrom() to?: string;
  @IsOptional() @MaxLength(200) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
