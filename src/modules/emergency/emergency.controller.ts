import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS } from '../http/openapi-errors.js';
import type { Response } from 'express';
import { Roles } from '../auth/access.decorators.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import type { EmergencyReceipt } from './emergency.repository.js';
import { ListEmergencyRequestsQuery } from './dto/list-emergency-requests.query.js';
import {
  EmergencyReceiptView,
  EmergencyRequestPage,
  EmergencyRequestRecord,
} from './dto/emergency-request.view.js';
import { EMERGENCY_REQUEST_JSON_SCHEMA } from './emergency-request.js';
import { EmergencyService, RateLimited, type EmergencyRequestView } from './emergency.service.js';

/**
 * `POST /v1/emergency/requests` (role `insurer`): the insurer-emergency contract's JSON for
 * the caller's insured participant, or 404 for anything else. The body is taken as
 * `unknown` and validated by the service (paths and rules, never the values).
 */
@ApiTags('emergency')
@ApiExtraModels(EmergencyReceiptView, EmergencyRequestRecord)
@Roles('insurer')
@Controller('v1/emergency')
export class EmergencyController {
  constructor(private readonly emergency: EmergencyService) {}

  @Post('requests')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Emergency release of an insured participant’s data',
    description:
      'Vital interests (GDPR Art. 6(1)(d), 9(2)(c)): the insurer-emergency contract’s JSON for the caller’s insured participant, recorded in the register before it is answered. At most 20 requests in any 60 seconds per client.',
  })
  @ApiBody({
    description:
      'The request; `dateOfBirth` names the participant meant when several insured share the policy number. Unknown properties are refused.',
    schema: EMERGENCY_REQUEST_JSON_SCHEMA,
  })
  @ApiOkResponse({
    description:
      'the emergency contract’s JSON for the participant; `Passerelle-Register-Entry` names the register entry of the release, `Passerelle-Request-Id` the request',
    content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
    headers: {
      'Passerelle-Register-Entry': { schema: { type: 'string', format: 'uuid' } },
      'Passerelle-Request-Id': { schema: { type: 'string', format: 'uuid' } },
    },
  })
  @ApiErrors({
    400: 'BAD_REQUEST: the body breaks the rules above (each path and rule named, never the value), or is not valid JSON',
    404: 'NOT_FOUND: unknown policy, another insurer’s, a cancelled booking, a date of birth that matches none, or outside the trip’s window — one answer for all, at the same moment',
    ...BODY_ERRORS,
    422: 'UNPROCESSABLE: several of the caller’s insured share the policy number (`dateOfBirth` needed), or the participant’s data is incomplete for the emergency contract (the fields named, no value)',
    429: 'RATE_LIMITED: over 20 requests in 60 seconds; see `Retry-After`',
    503: 'REGISTER_UNAVAILABLE: the request could not be recorded, nothing was released; SERVICE_UNAVAILABLE: no emergency contract is configured',
  })
  async request(
    @Body() body: unknown,
    @CurrentClient() client: ApiClient,
    @Res() response: Response,
  ): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    try {
      const release = await this.emergency.request(client, body);
      response
        .status(200)
        .setHeader('Content-Type', `${release.mediaType}; charset=utf-8`)
        .setHeader('Passerelle-Register-Entry', release.registerEntryId)
        .setHeader('Passerelle-Request-Id', release.requestId)
        .send(release.body);
    } catch (error) {
      if (error instanceof RateLimited) {
        response.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      throw error;
    }
  }

  @Get('requests')
  @Roles('ops', 'auditor')
  @ApiOperation({
    summary: 'Emergency requests, for operations and the DPO',
    description:
      'Every request, newest first, with its outcome, refusal reason and what the agent wrote (null once the booking was erased). The read is recorded in the register (an `ops-action` naming the reader and the participants shown) before the answer leaves.',
  })
  @ApiOkResponse({ type: EmergencyRequestPage })
  @ApiErrors({
    400: 'BAD_REQUEST: a filter that is not valid, an unknown parameter, a `to` before `from`, a `limit` out of range, or a cursor the API did not issue; details name each parameter and rule',
    503: 'REGISTER_UNAVAILABLE: the read could not be recorded; nothing is shown',
  })
  list(
    @Query() query: ListEmergencyRequestsQuery,
    @CurrentClient() client: ApiClient,
  ): Promise<{ items: EmergencyRequestView[]; nextCursor: string | null }> {
    return this.emergency.list(
      client,
      {
        ...(query.clientId === undefined ? {} : { clientId: query.clientId }),
        ...(query.insurerId === undefined ? {} : { insurerId: query.insurerId }),
        ...(query.participantId === undefined ? {} : { participantId: query.participantId }),
        ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
        ...(query.from === undefined ? {} : { from: new Date(query.from) }),
        ...(query.to === undefined ? {} : { to: new Date(query.to) }),
      },
      query.cursor,
      query.limit ?? 50,
    );
  }

  @Get('requests/:id')
  @Roles('insurer', 'ops', 'auditor')
  @ApiOperation({
    summary: 'One emergency request',
    description:
      'For the insurer that made it, the receipt of its request (`Passerelle-Request-Id`): outcome and register entry, no data. For ops and auditors, the whole record; the read is recorded in the register.',
  })
  @ApiParam({ name: 'id', description: 'the request’s id', format: 'uuid' })
  @ApiOkResponse({
    description: 'the receipt (insurer) or the whole record (ops, auditor)',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(EmergencyReceiptView) },
        { $ref: getSchemaPath(EmergencyRequestRecord) },
      ],
    },
  })
  @ApiErrors({
    404: 'NOT_FOUND: no such request (for an insurer: none of its own)',
    503: 'REGISTER_UNAVAILABLE: the read (ops, auditor) could not be recorded; nothing is shown',
  })
  one(
    @Param('id') id: string,
    @CurrentClient() client: ApiClient,
  ): Promise<EmergencyReceipt | EmergencyRequestView> {
    return this.emergency.one(client, id);
  }
}
