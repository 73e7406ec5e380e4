import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { OUTCOME_OF_EVENT } from '../../../core/register/register-entry.js';
import {
  ApiCursor,
  ApiIdFilter,
  ApiLimit,
  ApiPeriodBound,
  LIST_LIMIT,
} from '../../http/openapi-query.js';
import { IsNotBeforeFrom, IsPeriodBound } from '../../shared/period-bound.js';

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const CONTRACT_ID = /^[a-z0-9-]{1,64}$/;
const OUTCOMES = Object.values(OUTCOME_OF_EVENT);
const CURSOR_MAX = 64;

/** `GET /v1/disclosures` filters (interfaces.md); every one optional. */
export class ListDisclosuresQuery {
  @ApiIdFilter(ID, 'entries about this data subject (participant id)')
  @IsOptional()
  @Matches(ID)
  subjectId?: string;

  @ApiIdFilter(ID, 'entries of this recipient')
  @IsOptional()
  @Matches(ID)
  recipientId?: string;

  @ApiIdFilter(CONTRACT_ID, 'entries of this contract')
  @IsOptional()
  @Matches(CONTRACT_ID)
  contractId?: string;

  @ApiIdFilter(ID, 'entries of this trip')
  @IsOptional()
  @Matches(ID)
  tripId?: string;

  @ApiIdFilter(ID, 'entries of this transmission')
  @IsOptional()
  @Matches(ID)
  transmissionId?: string;

  @ApiPropertyOptional({
    enum: OUTCOMES,
    enumName: 'RegisterOutcome',
    description: 'what the entry says happened (one per event kind)',
  })
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: string;

  /** Inclusive: a date (`2027-07-01`, from 00:00 UTC) or an instant with a time and a zone. */
  @ApiPeriodBound('from', 'entries that occurred')
  @IsOptional()
  @IsPeriodBound()
  from?: string;

  /** Exclusive. */
  @ApiPeriodBound('to', 'entries that occurred')
  @IsOptional()
  @IsPeriodBound()
  @IsNotBeforeFrom()
  to?: string;

  @ApiCursor(CURSOR_MAX)
  @IsOptional()
  @MaxLength(CURSOR_MAX)
  cursor?: string;

  @ApiLimit()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(LIST_LIMIT.min)
  @Max(LIST_LIMIT.max)
  limit?: number;
}

const REPORT_FORMATS = ['json', 'html'] as const;

export class ReportFormatQuery {
  @ApiPropertyOptional({
    enum: REPORT_FORMATS,
    default: 'json',
    description: '`html`: a printable page for a parent',
  })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: 'json' | 'html';
}

const ROPA_FORMATS = ['json', 'csv', 'html'] as const;

export class RopaQuery {
  @ApiPropertyOptional({ enum: ROPA_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(ROPA_FORMATS)
  format?: 'json' | 'csv' | 'html';

  @ApiPeriodBound('from', 'what was disclosed')
  @IsOptional()
  @IsPeriodBound()
  from?: string;

  @ApiPeriodBound('to', 'what was disclosed')
  @IsOptional()
  @IsPeriodBound()
  @IsNotBeforeFrom()
  to?: string;
}
