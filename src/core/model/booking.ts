import type { Address, CountryCode, IsoDate } from './trip.js';

export type BookingStatus = 'confirmed' | 'cancelled';
export const BOOKING_STATUSES: readonly BookingStatus[] = ['confirmed', 'cancelled'];

export type ParticipantRole = 'participant' | 'leader' | 'staff';
export const PARTICIPANT_ROLES: readonly ParticipantRole[] = ['participant', 'leader', 'staff'];

export type Gender = 'F' | 'M' | 'X' | 'U';
export const GENDERS: readonly Gender[] = ['F', 'M', 'X', 'U'];

export type DocumentType = 'passport' | 'identity-card' | 'visa' | 'residence-permit';
export const DOCUMENT_TYPES: readonly DocumentType[] = [
  'passport',
  'identity-card',
  'visa',
  'residence-permit',
];

export interface NameOnDocument {
  /** The MRZ spelling: A–Z and spaces. */
  readonly surname: string;
  readonly givenNames: string;
}

export interface TravelDocument {
  readonly type: DocumentType;
  /** Upper-cased, `[A-Z0-9]{5,20}`. */
  readonly number: string;
  readonly issuingCountry: CountryCode;
  readonly expiryDate: IsoDate;
  readonly issueDate?: IsoDate;
  readonly nameOnDocument?: NameOnDocument;
}

export interface Person {
  readonly givenNames: string;
  readonly surname: string;
}

export interface Customer extends Person {
  readonly email: string;
  readonly phone: string;
  readonly address: Address;
}

export interface LegalRepresentative extends Person {
  readonly relationship: string;
  readonly phone: string;
  readonly email?: string;
}

export interface EmergencyContact {
  readonly name: string;
  readonly relationship: string;
  readonly phone: string;
}

export interface Health {
  readonly allergies: readonly string[];
  readonly conditions: readonly string[];
  readonly medications: readonly string[];
  readonly bloodType?: string;
  readonly notes?: string;
}

export interface Insurance {
  readonly insurerId: string;
  readonly policyNumber: string;
}

/** The consents a participant (or the legal representative of a minor) recorded. */
export interface Consents {
  readonly shareMealWithProviders: boolean;
  readonly shareAssistanceWithProviders: boolean;
  readonly shareHealthWithInsurer: boolean;
  readonly image: boolean;
  readonly voice: boolean;
}
export type ConsentFlag = keyof Consents;
export const CONSENT_FLAGS: readonly ConsentFlag[] = [
  'shareMealWithProviders',
  'shareAssistanceWithProviders',
  'shareHealthWithInsurer',
  'image',
  'voice',
];

export interface PlaceOfBirth {
  readonly city?: string;
  readonly country: CountryCode;
}

export interface Participant extends Person {
  readonly id: string;
  readonly role: ParticipantRole;
  /** Absent: every flight of the trip. */
  readonly flightIds?: readonly string[];
  /** Absent: every stay of the trip. */
  readonly stayIds?: readonly string[];
  readonly gender: Gender;
  readonly dateOfBirth: IsoDate;
  readonly nationality: CountryCode;
  readonly countryOfResidence: CountryCode;
  readonly placeOfBirth?: PlaceOfBirth;
  readonly email?: string;
  readonly phone?: string;
  readonly address?: Address;
  readonly documents: readonly TravelDocument[];
  readonly redressNumber?: string;
  readonly knownTravelerNumber?: string;
  readonly legalRepresentatives: readonly LegalRepresentative[];
  readonly emergencyContacts: readonly EmergencyContact[];
  readonly health?: Health;
  readonly meal?: string;
  readonly assistance: readonly string[];
  readonly insurance?: Insurance;
  readonly consents: Consents;
  /** Never disclosed to any recipient; kept only so that a booking round-trips. */
  readonly marketing?: Readonly<Record<string, unknown>>;
  /** Internal; never disclosed. */
  readonly notes?: string;
}

export interface Booking {
  readonly reference: string;
  readonly tripId: string;
  readonly revision: number;
  readonly status: BookingStatus;
  readonly customer: Customer;
  /** Internal; never disclosed. */
  readonly notes?: string;
  readonly participants: readonly Participant[];
}
