import type { ConsentFlag, ParticipantRole } from '../model/booking.js';
import type { UnitKind } from '../fields/field-readers.js';

/** GDPR Art. 6(1): the lawful basis of a disclosure. */
export type LegalBasis =
  | 'consent'
  | 'contract'
  | 'legal-obligation'
  | 'vital-interests'
  | 'public-interest'
  | 'legitimate-interests';
export const LEGAL_BASES: readonly LegalBasis[] = [
  'consent',
  'contract',
  'legal-obligation',
  'vital-interests',
  'public-interest',
  'legitimate-interests',
];
export const LEGAL_BASIS_ARTICLE: Readonly<Record<LegalBasis, string>> = {
  consent: 'Art. 6(1)(a)',
  contract: 'Art. 6(1)(b)',
  'legal-obligation': 'Art. 6(1)(c)',
  'vital-interests': 'Art. 6(1)(d)',
  'public-interest': 'Art. 6(1)(e)',
  'legitimate-interests': 'Art. 6(1)(f)',
};

/** GDPR Art. 9(2): the condition lifting the ban on special-category data. */
export type SpecialCategoryCondition =
  | 'explicit-consent'
  | 'employment-social-protection'
  | 'vital-interests'
  | 'not-for-profit-body'
  | 'made-public'
  | 'legal-claims'
  | 'substantial-public-interest'
  | 'health-care'
  | 'public-health'
  | 'archiving-research';
export const SPECIAL_CATEGORY_CONDITIONS: readonly SpecialCategoryCondition[] = [
  'explicit-consent',
  'employment-social-protection',
  'vital-interests',
  'not-for-profit-body',
  'made-public',
  'legal-claims',
  'substantial-public-interest',
  'health-care',
  'public-health',
  'archiving-research',
];
export const SPECIAL_CATEGORY_ARTICLE: Readonly<Record<SpecialCategoryCondition, string>> = {
  'explicit-consent': 'Art. 9(2)(a)',
  'employment-social-protection': 'Art. 9(2)(b)',
  'vital-interests': 'Art. 9(2)(c)',
  'not-for-profit-body': 'Art. 9(2)(d)',
  'made-public': 'Art. 9(2)(e)',
  'legal-claims': 'Art. 9(2)(f)',
  'substantial-public-interest': 'Art. 9(2)(g)',
  'health-care': 'Art. 9(2)(h)',
  'public-health': 'Art. 9(2)(i)',
  'archiving-research': 'Art. 9(2)(j)',
};

/** GDPR Chapter V: the safeguard for a transfer outside the EEA. */
export type TransferSafeguard =
  | 'adequacy'
  | 'scc'
  | 'bcr'
  | 'art49-consent'
  | 'art49-contract'
  | 'art49-public-interest'
  | 'art49-legal-claims'
  | 'art49-vital-interests';
export const TRANSFER_SAFEGUARDS: readonly TransferSafeguard[] = [
  'adequacy',
  'scc',
  'bcr',
  'art49-consent',
  'art49-contract',
  'art49-public-interest',
  'art49-legal-claims',
  'art49-vital-interests',
];

export type RecipientCategory = 'airline' | 'hotel' | 'insurer' | 'authority' | 'transport';
export const RECIPIENT_CATEGORIES: readonly RecipientCategory[] = [
  'airline',
  'hotel',
  'insurer',
  'authority',
  'transport',
];

/** The value a contract writes when the unit decides: the carrier, the hotel, the insurer. */
export const FROM_UNIT = 'from-unit';

export interface ContractRecipient {
  /** A fixed id, or `from-unit`. */
  readonly id: string;
  readonly name: string;
  readonly category: RecipientCategory;
  /** An alpha-3 code, or `from-unit`. */
  readonly country: string;
}

export interface SpecialCategoryRule {
  readonly condition: SpecialCategoryCondition;
  /** The data categories this rule covers; absent: every special category the contract lists. */
  readonly categories?: readonly string[];
  /** The participant consent that must be true, when the condition is consent. */
  readonly consentFlag?: ConsentFlag;
}

export interface ContractScope {
  readonly roles: readonly ParticipantRole[];
  /**
   * Flight units only: keep the flights into or out of one of these countries — departing
   * from one of them or arriving in one, but not departing from and arriving in the same
   * country: border programmes (CBP APIS, CARICOM APIS) cover international flights only.
   */
  readonly flightsTouching?: readonly string[];
  /**
   * With `flightsTouching`: `include` keeps the domestic flights of those countries too (TSA
   * Secure Flight covers US domestic flights); absent or `exclude`, they are left out.
   */
  readonly domesticFlights?: 'include' | 'exclude';
  /** Insurer contracts: one unit per insurer, holding only the participants it insures. */
  readonly insuredBy?: 'recipient';
}

export type ScheduleEvent =
  | 'flight.departure'
  | 'stay.checkIn'
  | 'stay.checkOut'
  | 'trip.start'
  | 'trip.end'
  | 'booking.confirmed';
export const SCHEDULE_EVENTS: readonly ScheduleEvent[] = [
  'flight.departure',
  'stay.checkIn',
  'stay.checkOut',
  'trip.start',
  'trip.end',
  'booking.confirmed',
];

/** A moment relative to an event of the unit; `offset` is an ISO 8601 duration. */
export interface ScheduleMoment {
  readonly event: ScheduleEvent;
  readonly direction: 'before' | 'after' | 'at';
  readonly offset: string;
}

export type Schedule =
  | {
      readonly kind: 'planned';
      /** Each moment plans a transmission. */
      readonly send: readonly ScheduleMoment[];
      /** Send again when the minimized payload changes, until `until`. */
      readonly resend: 'on-change' | 'never';
      /** The last moment a transmission may leave; default: the first moment's event. */
      readonly until: ScheduleMoment;
    }
  | {
      readonly kind: 'on-demand';
      /** The window in which a request may be answered. */
      readonly from: ScheduleMoment;
      readonly until: ScheduleMoment;
    };

export type TransportType = 'outbox' | 'sftp' | 'https' | 'api-response';
export const TRANSPORT_TYPES: readonly TransportType[] = [
  'outbox',
  'sftp',
  'https',
  'api-response',
];

export interface Contract {
  readonly id: string;
  readonly version: number;
  readonly recipient: ContractRecipient;
  readonly purpose: string;
  readonly legalBasis: LegalBasis;
  readonly specialCategories: readonly SpecialCategoryRule[];
  readonly transfer?: { readonly safeguard: TransferSafeguard; readonly note?: string };
  readonly unit: UnitKind;
  readonly scope: ContractScope;
  /** The allow-list, in the order the contract gives it. */
  readonly fields: readonly string[];
  readonly format: { readonly type: string; readonly options: Readonly<Record<string, unknown>> };
  readonly transport: {
    readonly type: TransportType;
    readonly endpoint?: string;
    /** Attempts before a final failure (exponential backoff between them); default 5. */
    readonly maxAttempts?: number;
  };
  readonly schedule: Schedule;
  /** What the recipient is asked to keep, e.g. `P30D after stay.checkOut`. */
  readonly retention: string;
}
