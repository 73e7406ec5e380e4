import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import {
  ApiIdFilter,
  ListCursor,
  ListLimit,
  PeriodFrom,
  PeriodTo,
} from '../../http/openapi-query.js';

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
  @PeriodFrom('requests received')
  from?: string;

  /** Exclusive. */
  @PeriodTo('requests received')
  to?: string;

  @ListCursor(CURSOR_MAX)
  cursor?: string;

  @ListLimit()
  limit?: number;
}
