import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/access.decorators.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import type { EmergencyReceipt } from './emergency.repository.js';
import { ListEmergencyRequestsQuery } from './dto/list-emergency-requests.query.js';
import { EmergencyService, RateLimited, type EmergencyRequestView } from './emergency.service.js';

/**
 * `POST /v1/emergency/requests` (role `insurer`): the insurer-emergency contract's JSON for
 * the caller's insured participant, or 404 for anything else. The body is taken as
 * `unknown` and validated by the service (paths and rules, never the values).
 */
@ApiTags('emergency')
@Roles('insurer')
@Controller('v1/emergency')
export class EmergencyController {
  constructor(private readonly emergency: EmergencyService) {}

  @Post('requests')
  @HttpCode(200)
  @ApiBody({
    description:
      '{ policyNumber, incidentReference, reason (a sentence), requestedBy (the agent), dateOfBirth? (YYYY-MM-DD: which of several insured sharing the policy number) }',
    schema: { type: 'object' },
  })
  @ApiOkResponse({
    description:
      'the emergency contract’s JSON for the participant; `Passerelle-Register-Entry` names the register entry of the release',
  })
  @ApiNotFoundResponse({
    description:
      'NOT_FOUND: unknown policy, another insurer’s, a cancelled booking, or outside the trip’s window — one answer for all',
  })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED: see `Retry-After`' })
  @ApiServiceUnavailableResponse({
    description: 'REGISTER_UNAVAILABLE: the request could not be recorded; nothing was released',
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
  @ApiOkResponse({
    description:
      'emergency requests, newest first, with their outcome, refusal reason and what the agent wrote; the read is recorded in the register',
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
  @ApiOkResponse({
    description:
      'for the insurer that made it, the receipt of a release (`Passerelle-Request-Id`): outcome and register entry, no data; for ops and auditors, the whole record (the read is recorded)',
  })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such request (of this client)' })
  one(
    @Param('id') id: string,
    @CurrentClient() client: ApiClient,
  ): Promise<EmergencyReceipt | EmergencyRequestView> {
    return this.emergency.one(client, id);
  }
}
