import { Body, Controller, Delete, HttpCode, Param, Put, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/access.decorators.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import { BookingsService } from './bookings.service.js';

export interface PutTripAnswer {
  readonly id: string;
  readonly revision: number;
  readonly created: boolean;
  readonly changed: boolean;
}

export interface PutBookingAnswer {
  readonly reference: string;
  readonly tripId: string;
  readonly revision: number;
  readonly created: boolean;
  readonly changed: boolean;
}

/**
 * Ingest from the booking system. Bodies are taken as `unknown`: the input model
 * (input-model.md) validates them, not the global ValidationPipe — a parameter typed
 * `unknown` has the metatype `Object`, which the pipe passes through untouched. The JSON
 * parser refuses bodies over 1 MiB (413) before this is reached.
 */
@ApiTags('ingest')
@Roles('ingest')
@Controller('v1')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Put('trips/:id')
  @ApiBody({ description: 'A trip (input-model.md)', schema: { type: 'object' } })
  @ApiCreatedResponse({ description: 'the trip was created' })
  @ApiOkResponse({ description: 'the trip was updated, or this revision was already stored' })
  @ApiConflictResponse({ description: 'STALE_REVISION' })
  @ApiUnprocessableEntityResponse({
    description: 'PAYMENT_DATA_REFUSED, or UNPROCESSABLE: stored bookings would become invalid',
  })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE: over 1 MiB' })
  async putTrip(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentClient() client: ApiClient,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PutTripAnswer> {
    const result = await this.bookings.putTrip(body, id, client);
    response.status(result.created ? 201 : 200);
    return {
      id: result.trip.id,
      revision: result.trip.revision,
      created: result.created,
      changed: result.changed,
    };
  }

  @Put('bookings/:reference')
  @ApiBody({ description: 'A booking (input-model.md)', schema: { type: 'object' } })
  @ApiCreatedResponse({ description: 'the booking was created (stored encrypted)' })
  @ApiOkResponse({ description: 'the booking was updated, or this revision was already stored' })
  @ApiConflictResponse({ description: 'STALE_REVISION' })
  @ApiUnprocessableEntityResponse({
    description:
      'PAYMENT_DATA_REFUSED, or UNPROCESSABLE: the trip is not stored, the reference was erased, or the booking conflicts with its trip or the trip’s other bookings',
  })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE: over 1 MiB' })
  async putBooking(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @CurrentClient() client: ApiClient,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PutBookingAnswer> {
    const result = await this.bookings.putBooking(body, reference, client);
    response.status(result.created ? 201 : 200);
    return {
      reference,
      tripId: result.tripId,
      revision: result.revision,
      created: result.created,
      changed: result.changed,
    };
  }

  @Delete('bookings/:reference')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'erased (or already erased): the key is destroyed, the register keeps the ids',
  })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no booking with this reference' })
  async deleteBooking(
    @Param('reference') reference: string,
    @CurrentClient() client: ApiClient,
  ): Promise<void> {
    await this.bookings.deleteBooking(reference, client);
  }
}
