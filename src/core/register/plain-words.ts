import {
  LEGAL_BASIS_ARTICLE,
  SPECIAL_CATEGORY_ARTICLE,
  type LegalBasis,
  type SpecialCategoryCondition,
  type TransferSafeguard,
} from '../contracts/contract.js';
import { isCountryCode } from '../model/country-codes.js';
import { isInEea } from '../model/countries.js';

/** Words a parent understands, with the article a lawyer looks for. */
const LEGAL_BASIS_WORDS: Readonly<Partial<Record<string, string>>> &
  Readonly<Record<LegalBasis, string>> = {
  consent: 'your consent',
  contract: 'necessary to carry out the travel contract',
  'legal-obligation': 'a legal obligation of the association',
  'vital-interests': 'to protect the vital interests of the participant (an emergency)',
  'public-interest': 'a task carried out in the public interest',
  'legitimate-interests': 'the legitimate interests of the association',
};

const CONDITION_WORDS: Readonly<Partial<Record<string, string>>> &
  Readonly<Record<SpecialCategoryCondition, string>> = {
  'explicit-consent': 'your explicit consent',
  'employment-social-protection': 'employment and social protection law',
  'vital-interests': 'to protect vital interests when consent cannot be given',
  'not-for-profit-body': 'the activities of a not-for-profit body',
  'made-public': 'data made public by the person',
  'legal-claims': 'to establish, exercise or defend legal claims',
  'substantial-public-interest': 'a substantial public interest',
  'health-care': 'medical care',
  'public-health': 'public health',
  'archiving-research': 'archiving, research or statistics',
};

const SAFEGUARD_WORDS: Readonly<Partial<Record<string, string>>> &
  Readonly<Record<TransferSafeguard, string>> = {
  adequacy: 'the country has an adequacy decision of the European Commission (GDPR Art. 45)',
  scc: 'standard contractual clauses (GDPR Art. 46(2)(c))',
  bcr: 'binding corporate rules (GDPR Art. 47)',
  'art49-consent': 'your explicit consent to the transfer (GDPR Art. 49(1)(a))',
  'art49-contract':
    'the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
  'art49-public-interest': 'important reasons of public interest (GDPR Art. 49(1)(d))',
  'art49-legal-claims': 'legal claims (GDPR Art. 49(1)(e))',
  'art49-vital-interests': 'to protect vital interests (GDPR Art. 49(1)(f))',
};

const RECIPIENT_WORDS: Readonly<Record<string, string>> = {
  airline: 'airline',
  hotel: 'hotel',
  insurer: 'insurer',
  authority: 'public authority',
  transport: 'transport or activity provider',
};

export const legalBasisInWords = (basis: string): string => {
  const words = LEGAL_BASIS_WORDS[basis];
  return words === undefined
    ? basis
    : `${words} (GDPR ${LEGAL_BASIS_ARTICLE[basis as LegalBasis]})`;
};

export const conditionInWords = (condition: string): string => {
  const words = CONDITION_WORDS[condition];
  return words === undefined
    ? condition
    : `${words} (GDPR ${SPECIAL_CATEGORY_ARTICLE[condition as SpecialCategoryCondition]})`;
};

export const safeguardInWords = (safeguard: string): string =>
  SAFEGUARD_WORDS[safeguard] ?? safeguard;

export const recipientCategoryInWords = (category: string): string =>
  RECIPIENT_WORDS[category] ?? category;

/**
 * What a field naming people other than the unit's participants (`namesOthers`) disclosed
 * about one of them, for that person's own report: their category's label would speak of
 * someone else (`trip.leaders.phone` is `contact.third-party`, the legal representatives').
 */
const NAMED_AS_OTHER_WORDS: Readonly<Partial<Record<string, string>>> = {
  'trip.leaders.name': 'name, as a leader of the group',
  'trip.leaders.phone': 'telephone number, as a leader of the group',
};

export const namedAsOtherInWords = (fieldId: string): string | undefined =>
  NAMED_AS_OTHER_WORDS[fieldId];

/**
 * Where the data went, for a parent. A country the register does not record (`unknown`: a
 * carrier's or an insurer's seat, which the unit does not tell) is said to be unrecorded —
 * not outside the EEA — and its safeguard as applying if it is.
 */
export function transferInWords(
  transfer: { readonly country: string; readonly safeguard: string } | undefined,
): string {
  if (transfer === undefined || isInEea(transfer.country))
    return 'within the European Economic Area';
  const safeguard = safeguardInWords(transfer.safeguard);
  return isCountryCode(transfer.country)
    ? `to ${transfer.country}, outside the European Economic Area — safeguard: ${safeguard}`
    : `the recipient’s country is not recorded; if it is outside the European Economic Area, the safeguard is: ${safeguard}`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
