import { Body, Controller, Delete, HttpCode, Param, Put, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors, BODY_ERRORS } from '../http/openapi-errors.js';
import { Roles } from '../auth/access.decorators.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import { BookingsService } from './bookings.service.js';
import { BookingDto } from './dto/booking.dto.js';
import { TripDto } from './dto/trip.dto.js';
import { ID_PATTERN } from './input/loose-read.js';

/** The answer to `PUT /v1/trips/{id}` (a class for the OpenAPI document). */
export class PutTripAnswer {
  @ApiProperty() readonly id!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) readonly revision!: number;
  @ApiProperty({ description: 'true with 201, false with 200' }) readonly created!: boolean;
  @ApiProperty({ description: 'false when the same revision came again unchanged' })
  readonly changed!: boolean;
}

/** The answer to `PUT /v1/bookings/{reference}`. */
export class PutBookingAnswer {
  @ApiProperty() readonly reference!: string;
  @ApiProperty() readonly tripId!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) readonly revision!: number;
  @ApiProperty({ description: 'true with 201, false with 200' }) readonly created!: boolean;
  @ApiProperty({ description: 'false when the same revision came again unchanged' })
  readonly changed!: boolean;
}

const INPUT_400 = (code: 'TRIP_INVALID' | 'BOOKING_INVALID', what: string): string =>
  `${code}: the ${what} breaks the input model (shape, formats, rules between its fields, ` +
  `an id that is not the path's); details name every path and rule. BAD_REQUEST: the body ` +
  `is not valid JSON, or nested deeper than 32 levels`;

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
  @ApiOperation({
    summary: 'Create or update a trip',
    description:
      'Revisioned: a higher revision replaces the stored one; the same revision with the same content is a no-op (200, `changed: false`). Nothing is stored when anything is refused.',
  })
  @ApiParam({
    name: 'id',
    description: 'the trip’s id, as in the body',
    schema: { type: 'string', pattern: ID_PATTERN.source },
  })
  @ApiBody({
    description: 'A trip (input-model.md); unknown properties are refused',
    type: TripDto,
  })
  @ApiCreatedResponse({ description: 'the trip was created', type: PutTripAnswer })
  @ApiOkResponse({
    description: 'the trip was updated, or this revision was already stored',
    type: PutTripAnswer,
  })
  @ApiErrors({
    400: INPUT_400('TRIP_INVALID', 'trip'),
    409: 'STALE_REVISION: a lower revision than the stored one, or the stored revision with a different content',
    ...BODY_ERRORS,
    422: 'PAYMENT_DATA_REFUSED: something that looks like a card number; UNPROCESSABLE: stored bookings would become invalid',
  })
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
  @ApiOperation({
    summary: 'Create or update a booking',
    description:
      'Revisioned like trips; stored encrypted. Nothing is stored when anything is refused.',
  })
  @ApiParam({
    name: 'reference',
    description: 'the booking’s reference, as in the body',
    schema: { type: 'string', pattern: ID_PATTERN.source },
  })
  @ApiBody({
    description: 'A booking (input-model.md); unknown properties are refused',
    type: BookingDto,
  })
  @ApiCreatedResponse({
    description: 'the booking was created (stored encrypted)',
    type: PutBookingAnswer,
  })
  @ApiOkResponse({
    description: 'the booking was updated, or this revision was already stored',
    type: PutBookingAnswer,
  })
  @ApiErrors({
    400: INPUT_400('BOOKING_INVALID', 'booking'),
    409: 'STALE_REVISION: a lower revision than the stored one, or the stored revision with a different content',
    ...BODY_ERRORS,
    422: 'PAYMENT_DATA_REFUSED: something that looks like a card number; UNPROCESSABLE: the trip is not stored or ended before the retention period, the reference was erased, or the booking conflicts with its trip or the trip’s other bookings',
  })
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
  @ApiOperation({
    summary: 'Erase a booking',
    description:
      'The booking’s key and ciphertext are destroyed and its participants leave every pending transmission; the register records the erasure (ids only) first, naming the recipients the participants’ data reached (`detail.recipientIds`: to be told of the erasure, GDPR Art. 19; listed by `GET /v1/subjects/{participantId}/recipients`).',
  })
  @ApiNoContentResponse({
    description: 'erased (or already erased): the key is destroyed, the register keeps the ids',
  })
  @ApiErrors({
    404: 'NOT_FOUND: no booking was ever stored under this reference',
    503: 'REGISTER_UNAVAILABLE: the erasure could not be recorded; nothing was erased',
  })
  async deleteBooking(
    @Param('reference') reference: string,
    @CurrentClient() client: ApiClient,
  ): Promise<void> {
    await this.bookings.deleteBooking(reference, client);
  }
}
