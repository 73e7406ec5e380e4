import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, Matches, ValidateNested } from 'class-validator';
import { ListCursor, ListLimit } from '../../http/openapi-query.js';
import { OpsActionBody } from './transmission.dto.js';

/**
 * The grounds on which Art. 18(2) lets a restricted subject's data be processed beyond
 * storage: their consent, legal claims, the protection of another person's rights, an
 * important public interest of the Union or a Member State.
 */
export const RESTRICTION_GROUNDS = [
  'consent',
  'legal-claims',
  'protection-of-others',
  'public-interest',
] as const;
export type RestrictionGround = (typeof RESTRICTION_GROUNDS)[number];

const CONTRACT_ID = /^[a-z0-9-]{1,64}$/;
/** More exceptions than contracts make no sense; the bound keeps a body small. */
const MAX_EXCEPTIONS = 50;

/** A contract still sent for a restricted subject, and the Art. 18(2) ground for it. */
export class RestrictionExceptionBody {
  @ApiProperty({ pattern: CONTRACT_ID.source, example: 'us-apis' })
  @Matches(CONTRACT_ID)
  contractId!: string;

  @ApiProperty({ enum: RESTRICTION_GROUNDS, enumName: 'RestrictionGround', example: 'consent' })
  @IsIn(RESTRICTION_GROUNDS)
  ground!: RestrictionGround;
}

/** `PUT /v1/subjects/{participantId}/restriction`. */
export class RestrictBody extends OpsActionBody {
  @ApiPropertyOptional({
    type: [RestrictionExceptionBody],
    maxItems: MAX_EXCEPTIONS,
    description:
      'the contracts that still send the subject’s data, each on an Art. 18(2) ground (e.g. the border-control data of a subject who still travels, with their consent); none by default',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXCEPTIONS)
  @ValidateNested({ each: true })
  @Type(() => RestrictionExceptionBody)
  exceptions?: RestrictionExceptionBody[];
}

/** A restriction in force. */
export class RestrictionView {
  @ApiProperty() readonly participantId!: string;
  @ApiProperty({ format: 'date-time' }) readonly restrictedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'when its exceptions last changed' })
  readonly updatedAt!: string;
  @ApiProperty({ type: [RestrictionExceptionBody] })
  readonly exceptions!: readonly { readonly contractId: string; readonly ground: string }[];
}

/** `PUT …/restriction`'s answer: the restriction, and whether this request changed it. */
export class RestrictAnswer extends RestrictionView {
  @ApiProperty({ description: 'false when the same restriction was already in force' })
  readonly changed!: boolean;
}

export class RestrictionPage {
  @ApiProperty({ type: [RestrictionView] }) readonly items!: RestrictionView[];
  @ApiProperty({ type: String, nullable: true }) readonly nextCursor!: string | null;
}

/** `GET /v1/restrictions`. */
export class ListRestrictionsQuery {
  @ListCursor(200)
  cursor?: string;

  @ListLimit()
  limit?: number;
}
