import {
  DOCUMENT_TYPES,
  GENDERS,
  PARTICIPANT_ROLES,
  type DocumentType,
  type Gender,
  type ParticipantRole,
} from '../../../core/model/booking.js';
import { RULES } from '../input/input-error.js';
import { isMrzName } from '../input/text.js';
import { AddressDto } from './address.dto.js';
import {
  BooleanField,
  calendarDate,
  describedCheck,
  email,
  FreeObjectField,
  freeText,
  NestedArrayField,
  NestedField,
  oneOf,
  personName,
  phone,
  StringArrayField,
  StringField,
} from './input-decorators.js';
import {
  bloodType,
  country,
  documentNumber,
  id,
  policyNumber,
  programmeNumber,
  ssrCode,
} from './input-patterns.js';

/** The MRZ spelling; the length bound is that of person names. */
const mrzName = describedCheck(
  (value) => (value.length <= 70 && isMrzName(value) ? undefined : RULES.mrzName),
  { maxLength: 70, description: 'the MRZ spelling: A–Z words, single spaces' },
);

export class PlaceOfBirthDto {
  @StringField(freeText(100), { optional: true })
  city?: string;

  @StringField(country)
  country!: string;
}

export class NameOnDocumentDto {
  @StringField(mrzName)
  surname!: string;

  @StringField(mrzName)
  givenNames!: string;
}

export class TravelDocumentDto {
  @StringField(oneOf(DOCUMENT_TYPES))
  type!: DocumentType;

  @StringField(documentNumber, { upperCase: true })
  number!: string;

  @StringField(country)
  issuingCountry!: string;

  @StringField(calendarDate)
  expiryDate!: string;

  @StringField(calendarDate, { optional: true })
  issueDate?: string;

  @NestedField(() => NameOnDocumentDto, { optional: true })
  nameOnDocument?: NameOnDocumentDto;
}

export class LegalRepresentativeDto {
  @StringField(personName)
  givenNames!: string;

  @StringField(personName)
  surname!: string;

  @StringField(freeText(100))
  relationship!: string;

  @StringField(phone)
  phone!: string;

  @StringField(email, { optional: true })
  email?: string;
}

export class EmergencyContactDto {
  @StringField(freeText(100))
  name!: string;

  @StringField(freeText(100))
  relationship!: string;

  @StringField(phone)
  phone!: string;
}

/** Special category data (GDPR Art. 9). */
export class HealthDto {
  @StringArrayField(freeText(200))
  allergies!: string[];

  @StringArrayField(freeText(200))
  conditions!: string[];

  @StringArrayField(freeText(200))
  medications!: string[];

  @StringField(bloodType, { optional: true })
  bloodType?: string;

  @StringField(freeText(2000), { optional: true })
  notes?: string;
}

export class InsuranceDto {
  @StringField(id)
  insurerId!: string;

  @StringField(policyNumber)
  policyNumber!: string;
}

/** All five are required: a missing consent is not a refusal, it is an incomplete record. */
export class ConsentsDto {
  @BooleanField()
  shareMealWithProviders!: boolean;

  @BooleanField()
  shareAssistanceWithProviders!: boolean;

  @BooleanField()
  shareHealthWithInsurer!: boolean;

  @BooleanField()
  image!: boolean;

  @BooleanField()
  voice!: boolean;
}

export class ParticipantDto {
  @StringField(id)
  id!: string;

  @StringField(oneOf(PARTICIPANT_ROLES))
  role!: ParticipantRole;

  @StringArrayField(id, { optional: true })
  flightIds?: string[];

  @StringArrayField(id, { optional: true })
  stayIds?: string[];

  @StringField(personName)
  givenNames!: string;

  @StringField(personName)
  surname!: string;

  @StringField(oneOf(GENDERS))
  gender!: Gender;

  @StringField(calendarDate)
  dateOfBirth!: string;

  @StringField(country)
  nationality!: string;

  @StringField(country)
  countryOfResidence!: string;

  @NestedField(() => PlaceOfBirthDto, { optional: true })
  placeOfBirth?: PlaceOfBirthDto;

  @StringField(email, { optional: true })
  email?: string;

  @StringField(phone, { optional: true })
  phone?: string;

  @NestedField(() => AddressDto, { optional: true })
  address?: AddressDto;

  @NestedArrayField(() => TravelDocumentDto)
  documents!: TravelDocumentDto[];

  @StringField(programmeNumber, { optional: true, upperCase: true })
  redressNumber?: string;

  @StringField(programmeNumber, { optional: true, upperCase: true })
  knownTravelerNumber?: string;

  /** Absent: none; at least one is required for a minor (checked against the trip). */
  @NestedArrayField(() => LegalRepresentativeDto, { optional: true })
  legalRepresentatives?: LegalRepresentativeDto[];

  @NestedArrayField(() => EmergencyContactDto, { optional: true })
  emergencyContacts?: EmergencyContactDto[];

  @NestedField(() => HealthDto, { optional: true })
  health?: HealthDto;

  /** IATA meal code; religion or health may be inferred from it (Art. 9). */
  @StringField(ssrCode, { optional: true })
  meal?: string;

  /** IATA assistance codes (health, Art. 9). Absent: none. */
  @StringArrayField(ssrCode, { optional: true })
  assistance?: string[];

  @NestedField(() => InsuranceDto, { optional: true })
  insurance?: InsuranceDto;

  @NestedField(() => ConsentsDto)
  consents!: ConsentsDto;

  /** Kept so that a booking round-trips; never disclosed to any recipient. */
  @FreeObjectField({ optional: true })
  marketing?: Record<string, unknown>;

  /** Internal; never disclosed. */
  @StringField(freeText(2000), { optional: true })
  notes?: string;
}
