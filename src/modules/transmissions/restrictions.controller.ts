import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import { ApiErrors, BODY_ERRORS } from '../http/openapi-errors.js';
import { LIST_LIMIT } from '../http/openapi-query.js';
import { checkParticipantId, PARTICIPANT_ID } from '../shared/participant-id.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import {
  ListRestrictionsQuery,
  RestrictAnswer,
  RestrictBody,
  RestrictionPage,
  RestrictionView,
} from './dto/restriction.dto.js';
import { OpsActionBody } from './dto/transmission.dto.js';
import { RestrictionsService, type Restriction } from './restrictions.service.js';

const PARTICIPANT_PARAM = {
  name: 'participantId',
  description: 'the participant’s id',
  schema: { type: 'string', pattern: PARTICIPANT_ID.source },
} as const;

const REASON_400 =
  'BAD_REQUEST: a participant id that is not one; no `reason`, or one shorter than 3 or longer than 500 characters (trimmed) or with control or text-direction characters; an unknown property, or a body that is not valid JSON';

/**
 * Restrictions of processing (GDPR Art. 18): operations put and lift them on the DPO's word
 * (role `ops`, a reason each time, recorded); operations and the auditor read them.
 */
@ApiTags('subjects')
@Roles('ops', 'auditor')
@Controller('v1')
export class RestrictionsController {
  constructor(private readonly restrictions: RestrictionsService) {}

  @Get('restrictions')
  @ApiOperation({
    summary: 'The restrictions of processing in force',
    description: 'By participant id; follow `nextCursor` for the next page.',
  })
  @ApiOkResponse({ type: RestrictionPage })
  @ApiErrors({ 400: 'BAD_REQUEST: a cursor the API did not issue, a limit out of 1–200' })
  list(@Query() query: ListRestrictionsQuery): Promise<RestrictionPage> {
    return this.restrictions.list(query.cursor, query.limit ?? LIST_LIMIT.default);
  }

  @Get('subjects/:participantId/restriction')
  @ApiOperation({ summary: 'A data subject’s restriction of processing, if one is in force' })
  @ApiParam(PARTICIPANT_PARAM)
  @ApiOkResponse({ type: RestrictionView })
  @ApiErrors({
    400: 'BAD_REQUEST: a participant id that is not one',
    404: 'NOT_FOUND: no restriction in force for this participant',
  })
  async get(@Param('participantId') participantId: string): Promise<Restriction> {
    checkParticipantId(participantId);
    const restriction = await this.restrictions.get(participantId);
    if (restriction === undefined) throw notRestricted();
    return restriction;
  }

  @Put('subjects/:participantId/restriction')
  @Roles('ops')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Restrict the processing of a data subject’s data (Art. 18)',
    description:
      'While it is in force the participant leaves every scheduled send but those of the contracts in `exceptions` (each on an Art. 18(2) ground); recipients already served are resent their lists without them under `resend: on-change` (past the last moment, the delivery is raised as outdated). The same restriction again changes nothing; other exceptions replace the earlier ones. Emergency releases to insurers are not held back (vital interests). Recorded in the register (`ops-action`) with the client and the reason, in the same transaction; a participant not (yet) in any booking may be restricted too.',
  })
  @ApiParam(PARTICIPANT_PARAM)
  @ApiOkResponse({ type: RestrictAnswer, description: 'the restriction in force' })
  @ApiErrors({
    400: `${REASON_400}; an exception naming a contract not loaded or on demand (an emergency release is never held back), or one twice, or with an unknown ground`,
    ...BODY_ERRORS,
    503: 'REGISTER_UNAVAILABLE: the restriction could not be recorded; nothing changed',
  })
  async restrict(
    @Param('participantId') participantId: string,
    @Body() body: RestrictBody,
    @CurrentClient() client: ApiClient,
  ): Promise<RestrictAnswer> {
    checkParticipantId(participantId);
    const { restriction, changed } = await this.restrictions.restrict(
      participantId,
      body.reason,
      body.exceptions ?? [],
      client,
    );
    return { ...restriction, changed };
  }

  @Delete('subjects/:participantId/restriction')
  @Roles('ops')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Lift a restriction of processing',
    description:
      'The participant is planned back into the sends they had left. Recorded in the register (`ops-action`) with the client and the reason (in the body), in the same transaction.',
  })
  @ApiParam(PARTICIPANT_PARAM)
  @ApiNoContentResponse({ description: 'lifted' })
  @ApiErrors({
    400: REASON_400,
    404: 'NOT_FOUND: no restriction in force for this participant',
    ...BODY_ERRORS,
    503: 'REGISTER_UNAVAILABLE: the lifting could not be recorded; nothing changed',
  })
  async lift(
    @Param('participantId') participantId: string,
    @Body() body: OpsActionBody,
    @CurrentClient() client: ApiClient,
  ): Promise<void> {
    checkParticipantId(participantId);
    if (!(await this.restrictions.lift(participantId, body.reason, client))) throw notRestricted();
  }
}

const notRestricted = (): PasserelleError =>
  new PasserelleError('NOT_FOUND', 'no restriction in force for this participant');
