import {
  BOARDS,
  ROOM_TYPES,
  TRIP_STATUSES,
  type Board,
  type RoomType,
  type TripStatus,
} from '../../../core/model/trip.js';
import { AddressDto } from './address.dto.js';
import {
  calendarDate,
  freeText,
  instantWithOffset,
  NestedArrayField,
  NestedField,
  oneOf,
  RevisionField,
  StringArrayField,
  StringField,
} from './input-decorators.js';
import { airport, carrier, country, flightNumber, hotelId, id, pnr } from './input-patterns.js';

/**
 * The trip document of `PUT /v1/trips/{tripId}` (input-model.md). Shape and formats only:
 * rules between fields (dates in order, unique ids) are checked on the converted trip.
 */

export class FlightPointDto {
  @StringField(airport)
  airport!: string;

  @StringField(country)
  country!: string;

  @StringField(instantWithOffset)
  scheduledAt!: string;
}

export class FlightDto {
  @StringField(id)
  id!: string;

  @StringField(carrier)
  carrier!: string;

  @StringField(flightNumber)
  flightNumber!: string;

  @NestedField(() => FlightPointDto)
  departure!: FlightPointDto;

  @NestedField(() => FlightPointDto)
  arrival!: FlightPointDto;

  @StringField(pnr, { optional: true, upperCase: true })
  pnr?: string;
}

export class HotelDto {
  @StringField(hotelId)
  id!: string;

  @StringField(freeText(200))
  name!: string;

  @NestedField(() => AddressDto)
  address!: AddressDto;
}

export class RoomDto {
  @StringField(id)
  id!: string;

  @StringField(oneOf(ROOM_TYPES))
  type!: RoomType;

  @StringArrayField(id)
  occupantIds!: string[];
}

export class StayDto {
  @StringField(id)
  id!: string;

  @NestedField(() => HotelDto)
  hotel!: HotelDto;

  @StringField(calendarDate)
  checkIn!: string;

  @StringField(calendarDate)
  checkOut!: string;

  @StringField(oneOf(BOARDS))
  board!: Board;

  @NestedArrayField(() => RoomDto, { optional: true })
  rooms?: RoomDto[];
}

export class TripDto {
  @StringField(id)
  id!: string;

  @RevisionField()
  revision!: number;

  @StringField(freeText(200))
  name!: string;

  @StringField(oneOf(TRIP_STATUSES))
  status!: TripStatus;

  @StringField(calendarDate)
  startDate!: string;

  @StringField(calendarDate)
  endDate!: string;

  @NestedArrayField(() => FlightDto)
  flights!: FlightDto[];

  @NestedArrayField(() => StayDto)
  stays!: StayDto[];
}
