import type {
  Booking,
  Consents,
  Customer,
  EmergencyContact,
  Health,
  LegalRepresentative,
  Participant,
  TravelDocument,
} from '../../../core/model/booking.js';
import type { Address, Flight, FlightPoint, Room, Stay, Trip } from '../../../core/model/trip.js';
import type { AddressDto } from '../dto/address.dto.js';
import type { BookingDto, CustomerDto } from '../dto/booking.dto.js';
import type {
  ConsentsDto,
  EmergencyContactDto,
  HealthDto,
  LegalRepresentativeDto,
  ParticipantDto,
  TravelDocumentDto,
} from '../dto/participant.dto.js';
import type { FlightDto, FlightPointDto, RoomDto, StayDto, TripDto } from '../dto/trip.dto.js';

/**
 * Validated DTOs as the core's plain types: fresh plain objects, absent optionals left out
 * (never an `undefined` key), absent lists that mean "none" defaulted to `[]`.
 */

/** `{ key: value }` when the value is present, `{}` otherwise, for spreading. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

const toAddress = (dto: AddressDto): Address => ({
  lines: [...dto.lines],
  ...optional('postalCode', dto.postalCode),
  city: dto.city,
  ...optional('region', dto.region),
  country: dto.country,
});

const toFlightPoint = (dto: FlightPointDto): FlightPoint => ({
  airport: dto.airport,
  country: dto.country,
  scheduledAt: dto.scheduledAt,
});

const toFlight = (dto: FlightDto): Flight => ({
  id: dto.id,
  carrier: dto.carrier,
  flightNumber: dto.flightNumber,
  departure: toFlightPoint(dto.departure),
  arrival: toFlightPoint(dto.arrival),
  ...optional('pnr', dto.pnr),
});

const toRoom = (dto: RoomDto): Room => ({
  id: dto.id,
  type: dto.type,
  occupantIds: [...dto.occupantIds],
});

const toStay = (dto: StayDto): Stay => ({
  id: dto.id,
  hotel: { id: dto.hotel.id, name: dto.hotel.name, address: toAddress(dto.hotel.address) },
  checkIn: dto.checkIn,
  checkOut: dto.checkOut,
  board: dto.board,
  rooms: (dto.rooms ?? []).map(toRoom),
});

export const toTrip = (dto: TripDto): Trip => ({
  id: dto.id,
  revision: dto.revision,
  name: dto.name,
  status: dto.status,
  startDate: dto.startDate,
  endDate: dto.endDate,
  flights: dto.flights.map(toFlight),
  stays: dto.stays.map(toStay),
});

const toDocument = (dto: TravelDocumentDto): TravelDocument => ({
  type: dto.type,
  number: dto.number,
  issuingCountry: dto.issuingCountry,
  expiryDate: dto.expiryDate,
  ...optional('issueDate', dto.issueDate),
  ...optional(
    'nameOnDocument',
    dto.nameOnDocument && {
      surname: dto.nameOnDocument.surname,
      givenNames: dto.nameOnDocument.givenNames,
    },
  ),
});

const toLegalRepresentative = (dto: LegalRepresentativeDto): LegalRepresentative => ({
  givenNames: dto.givenNames,
  surname: dto.surname,
  relationship: dto.relationship,
  phone: dto.phone,
  ...optional('email', dto.email),
});

const toEmergencyContact = (dto: EmergencyContactDto): EmergencyContact => ({
  name: dto.name,
  relationship: dto.relationship,
  phone: dto.phone,
});

const toHealth = (dto: HealthDto): Health => ({
  allergies: [...dto.allergies],
  conditions: [...dto.conditions],
  medications: [...dto.medications],
  ...optional('bloodType', dto.bloodType),
  ...optional('notes', dto.notes),
});

const toConsents = (dto: ConsentsDto): Consents => ({
  shareMealWithProviders: dto.shareMealWithProviders,
  shareAssistanceWithProviders: dto.shareAssistanceWithProviders,
  shareHealthWithInsurer: dto.shareHealthWithInsurer,
  image: dto.image,
  voice: dto.voice,
});

/** A deep copy of a free JSON value made only of plain objects and arrays. */
function toPlainJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toPlainJson(item)] as const),
    );
  }
  return value;
}

const toParticipant = (dto: ParticipantDto): Participant => ({
  id: dto.id,
  role: dto.role,
  ...optional('flightIds', dto.flightIds && [...dto.flightIds]),
  ...optional('stayIds', dto.stayIds && [...dto.stayIds]),
  givenNames: dto.givenNames,
  surname: dto.surname,
  gender: dto.gender,
  dateOfBirth: dto.dateOfBirth,
  nationality: dto.nationality,
  countryOfResidence: dto.countryOfResidence,
  ...optional(
    'placeOfBirth',
    dto.placeOfBirth && {
      ...optional('city', dto.placeOfBirth.city),
      country: dto.placeOfBirth.country,
    },
  ),
  ...optional('email', dto.email),
  ...optional('phone', dto.phone),
  ...optional('address', dto.address && toAddress(dto.address)),
  documents: dto.documents.map(toDocument),
  ...optional('redressNumber', dto.redressNumber),
  ...optional('knownTravelerNumber', dto.knownTravelerNumber),
  legalRepresentatives: (dto.legalRepresentatives ?? []).map(toLegalRepresentative),
  emergencyContacts: (dto.emergencyContacts ?? []).map(toEmergencyContact),
  ...optional('health', dto.health && toHealth(dto.health)),
  ...optional('meal', dto.meal),
  assistance: [...(dto.assistance ?? [])],
  ...optional(
    'insurance',
    dto.insurance && {
      insurerId: dto.insurance.insurerId,
      policyNumber: dto.insurance.policyNumber,
    },
  ),
  consents: toConsents(dto.consents),
  ...optional(
    'marketing',
    dto.marketing && (toPlainJson(dto.marketing) as Readonly<Record<string, unknown>>),
  ),
  ...optional('notes', dto.notes),
});

const toCustomer = (dto: CustomerDto): Customer => ({
  givenNames: dto.givenNames,
  surname: dto.surname,
  email: dto.email,
  phone: dto.phone,
  address: toAddress(dto.address),
});

export const toBooking = (dto: BookingDto): Booking => ({
  reference: dto.reference,
  tripId: dto.tripId,
  revision: dto.revision,
  status: dto.status,
  customer: toCustomer(dto.customer),
  ...optional('notes', dto.notes),
  participants: dto.participants.map(toParticipant),
});
