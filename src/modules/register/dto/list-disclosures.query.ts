import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { OUTCOME_OF_EVENT } from '../../../core/register/register-entry.js';
import {
  ApiIdFilter,
  ListCursor,
  ListLimit,
  PeriodFrom,
  PeriodTo,
} from '../../http/openapi-query.js';

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
  @PeriodFrom('entries that occurred')
  from?: string;

  /** Exclusive. */
  @PeriodTo('entries that occurred')
  to?: string;

  @ListCursor(CURSOR_MAX)
  cursor?: string;

  @ListLimit()
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

  @PeriodFrom('what was disclosed')
  from?: string;

  @PeriodTo('what was disclosed')
  to?: string;
}
