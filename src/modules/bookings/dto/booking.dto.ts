import { BOOKING_STATUSES, type BookingStatus } from '../../../core/model/booking.js';
import { AddressDto } from './address.dto.js';
import {
  email,
  freeText,
  NestedArrayField,
  NestedField,
  oneOf,
  personName,
  phone,
  RevisionField,
  StringField,
} from './input-decorators.js';
import { id } from './input-patterns.js';
import { ParticipantDto } from './participant.dto.js';

/**
 * The booking document of `PUT /v1/bookings/{reference}` (input-model.md). Shape and
 * formats only: rules that need the trip, the clock or several fields are checked on the
 * converted booking (input/check-booking.ts).
 */

/** The payer, or the legal representative who booked. */
export class CustomerDto {
  @StringField(personName)
  givenNames!: string;

  @StringField(personName)
  surname!: string;

  @StringField(email)
  email!: string;

  @StringField(phone)
  phone!: string;

  @NestedField(() => AddressDto)
  address!: AddressDto;
}

export class BookingDto {
  @StringField(id)
  reference!: string;

  @StringField(id)
  tripId!: string;

  @RevisionField()
  revision!: number;

  @StringField(oneOf(BOOKING_STATUSES))
  status!: BookingStatus;

  @NestedField(() => CustomerDto)
  customer!: CustomerDto;

  /** Internal; never disclosed. */
  @StringField(freeText(2000), { optional: true })
  notes?: string;

  @NestedArrayField(() => ParticipantDto, { min: 1, max: 60 })
  participants!: ParticipantDto[];
}
