import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
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
import { EmergencyService, RateLimited } from './emergency.service.js';

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
      '{ policyNumber, incidentReference, reason (a sentence), requestedBy (the agent) }',
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

  @Get('requests/:id')
  @ApiOkResponse({
    description:
      'the receipt of one of this client’s releases (`Passerelle-Request-Id`): its outcome and register entry; no data',
  })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such request of this client' })
  receipt(@Param('id') id: string, @CurrentClient() client: ApiClient): Promise<EmergencyReceipt> {
    return this.emergency.receipt(client, id);
  }
}
