import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  ApiCursor,
  ApiIdFilter,
  ApiLimit,
  ApiPeriodBound,
  LIST_LIMIT,
} from '../../http/openapi-query.js';
import { IsNotBeforeFrom, IsPeriodBound } from '../../shared/period-bound.js';

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const OUTCOMES = ['released', 'refused'] as const;
const CURSOR_MAX = 200;

/** `GET /v1/emergency/requests` filters (ops, auditor); every one optional. */
export class ListEmergencyRequestsQuery {
  @ApiIdFilter(ID, 'requests of this client')
  @IsOptional()
  @Matches(ID)
  clientId?: string;

  @ApiIdFilter(ID, 'requests of this insurer')
  @IsOptional()
  @Matches(ID)
  insurerId?: string;

  @ApiIdFilter(ID, 'requests about this participant')
  @IsOptional()
  @Matches(ID)
  participantId?: string;

  @ApiPropertyOptional({ enum: OUTCOMES, enumName: 'EmergencyOutcome' })
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: 'released' | 'refused';

  /** Inclusive: a date (`2027-07-01`) or an instant with an offset. */
  @ApiPeriodBound('from', 'requests received')
  @IsOptional()
  @IsPeriodBound()
  from?: string;

  /** Exclusive. */
  @ApiPeriodBound('to', 'requests received')
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
