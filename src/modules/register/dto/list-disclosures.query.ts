import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { OUTCOME_OF_EVENT } from '../../../core/register/register-entry.js';
import { IsNotBeforeFrom, IsPeriodBound } from '../../shared/period-bound.js';

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** `GET /v1/disclosures` filters (interfaces.md); every one optional. */
export class ListDisclosuresQuery {
  @IsOptional() @Matches(ID) subjectId?: string;
  @IsOptional() @Matches(ID) recipientId?: string;
  @IsOptional() @Matches(/^[a-z0-9-]{1,64}$/) contractId?: string;
  @IsOptional() @Matches(ID) tripId?: string;
  @IsOptional() @Matches(ID) transmissionId?: string;
  @IsOptional() @IsIn(Object.values(OUTCOME_OF_EVENT)) outcome?: string;
  /** Inclusive: a date (`2027-07-01`, from 00:00 UTC) or an instant with a time and a zone. */
  @IsOptional() @IsPeriodBound() from?: string;
  /** Exclusive. */
  @IsOptional() @IsPeriodBound() @IsNotBeforeFrom() to?: string;
  @IsOptional() @MaxLength(64) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class ReportFormatQuery {
  @IsOptional() @IsIn(['json', 'html']) format?: 'json' | 'html';
}

export class RopaQuery {
  @IsOptional() @IsIn(['json', 'csv', 'html']) format?: 'json' | 'csv' | 'html';
  @IsOptional() @IsPeriodBound() from?: string;
  @IsOptional() @IsPeriodBound() @IsNotBeforeFrom() to?: string;
}
