import { z } from 'zod';
import type { FieldValue } from '../../fields/field-value.js';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import { parseWithSchema } from '../../shared/parse-with-schema.js';
import { fail, ok, type Result } from '../../shared/result.js';
import type { FormatError, PayloadFormat, RenderContext, RenderedFile } from '../payload-format.js';
import {
  DEFAULT_SERVICE_CHARACTERS,
  isUnoa,
  parseServiceCharacters,
  segmentWriter,
  unaSegment,
  type DataElement,
  type SegmentWriter,
  type ServiceCharacters,
} from './edifact-syntax.js';
import { passengerName, toUnoaText } from './paxlst-text.js';

/**
 * UN/EDIFACT PAXLST (passenger list) for advance passenger information, following the
 * WCO/IATA/ICAO API-PNR guide's profile (UNH association `IATA`), directory D.02B or D.05B;
 * segment order per the guide's air subset (formats.md §1.6): UNH BGM NAD+MS COM
 * TDT LOC DTM LOC DTM {NAD+FL ATT DTM LOC.. NAT RFF DOC DTM LOC} CNT UNT. Every part is a
 * complete interchange (UNA UNB UNG UNH … UNT UNE UNZ) in its own file.
 */

const alpha3 = z.string().regex(/^[A-Z]{3}$/);
const LEVEL_A =
  'must be written in level A (UNOA): upper case, digits, space and . , - ( ) / = \' + : ? ! " % & * ; < >';
const levelAEmail = (email: string): string => email.toUpperCase().replace('@', '.AT.');
const party = z.strictObject({
  /** Interchange sender or recipient id (an..35, level A). */
  id: z.string().regex(/^[A-Z0-9 .\-()/*]{1,35}$/),
  /** Code qualifier, e.g. `ZZ` (mutually defined). */
  qualifier: z
    .string()
    .regex(/^[A-Z0-9]{1,4}$/)
    .optional(),
});

const optionsSchema = z.strictObject({
  /** The directory agreed with the recipient. */
  directory: z.enum(['02B', '05B']),
  /** The six UNA characters: component, element, decimal, release, repetition, terminator. */
  serviceCharacters: z
    .string()
    .default(":+.? '")
    .refine((text) => parseServiceCharacters(text) !== undefined, {
      error:
        'must be six distinct level-A service characters (component, element, decimal, release, repetition or space, terminator)',
    }),
  sender: party,
  recipient: party,
  /** UNB 0026, e.g. `APIS`. */
  applicationReference: z
    .string()
    .regex(/^[A-Z0-9]{1,14}$/)
    .optional(),
  /** Whether to wrap the message in a functional group (UNG/UNE). */
  group: z.boolean().default(true),
  /** The gender codes the recipient accepts; any other is a data-quality error. */
  genders: z
    .array(z.enum(['M', 'F', 'U', 'X']))
    .min(1)
    .default(['M', 'F']),
  maxPassengersPerPart: z.int().min(1).max(999).default(15),
  /** A part larger than this is split again with fewer passengers. */
  maxBytesPerPart: z.int().min(500).optional(),
  /** The reporting party (NAD+MS, COM): the sender's operations contact. */
  reportingParty: z.strictObject({
    name: z.string().min(1).max(35).refine(isUnoa, { error: LEVEL_A }),
    phone: z.string().min(1).max(35).refine(isUnoa, { error: LEVEL_A }).optional(),
    /** Written `NAME.AT.DOMAIN`, as the guide does: level A has no `@`. */
    email: z
      .string()
      .min(3)
      .max(100)
      .refine((email) => isUnoa(levelAEmail(email)), { error: LEVEL_A })
      .optional(),
  }),
  /** Arrivals in these countries carry the destination address in NAD+FL (CBP: USA). */
  destinationAddressCountries: z.array(alpha3).default([]),
  /** Arrivals in these countries carry LOC+22, the place of clearance (CBP: USA). */
  clearanceCountries: z.array(alpha3).default([]),
  /** `DOC+P:110:111`: the CBP code-list reference on document types. */
  documentCodeList: z.boolean().default(false),
  /** A line break after each segment terminator, for people reading the file. */
  lineBreaks: z.boolean().default(true),
});
export type PaxlstOptions = z.infer<typeof optionsSchema>;

const PASSENGER_FIELDS = [
  'participant.surname',
  'participant.givenNames',
  'participant.gender',
  'participant.dateOfBirth',
  'participant.nationality',
  'participant.documents.passport.number',
  'participant.documents.passport.issuingCountry',
  'participant.documents.passport.expiryDate',
] as const;
const FLIGHT_FIELDS = [
  'flight.carrier',
  'flight.flightNumber',
  'flight.departure',
  'flight.arrival',
] as const;

/** Where the guide puts a value (D05B element limits, formats.md §1.8). */
const LIMITS = {
  name: 35,
  documentNumber: 35,
  flightId: 17,
  street: 35,
  city: 35,
  region: 9,
  regionName: 70,
  postcode: 17,
} as const;

class PassengerErrors {
  errors: FormatError[] = [];
  /** `undefined` for a problem of the flight rather than of one passenger. */
  constructor(private readonly participant: number | undefined) {}
  add(field: string, rule: string): void {
    this.errors.push({
      code: 'PAXLST_DATA',
      path: field,
      field,
      rule,
      ...(this.participant === undefined ? {} : { participant: this.participant }),
    });
  }
}

const text = (values: Readonly<Record<string, FieldValue>>, id: string): string | undefined => {
  const value = values[id];
  return typeof value === 'string' ? value : undefined;
};
const record = (
  values: Readonly<Record<string, FieldValue>>,
  id: string,
): Readonly<Record<string, FieldValue>> | undefined => {
  const value = values[id];
  return value !== undefined && typeof value === 'object' && !Array.isArray(value)
    ? (value as Readonly<Record<string, FieldValue>>)
    : undefined;
};

const COUNTRY = /^[A-Z]{3}$/;
/** An instant with the airport's own offset, always explicit (input-model.md). */
const LOCAL_INSTANT =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `2011-03-04` → `110304`. */
const yymmdd = (date: string): string =>
  `${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}`;
/**
 * The airport's local date and time, read from the instant as written (its offset is the
 * airport's): `2027-07-01T10:30:00+02:00` → `2707011030`. Never converted through a zone,
 * so daylight-saving changes and midnight crossings need no table.
 */
const localYymmddhhmm = (instant: string): string =>
  `${yymmdd(instant.slice(0, 10))}${instant.slice(11, 13)}${instant.slice(14, 16)}`;
/** UNB/UNG preparation date and time, in UTC (our convention, documented). */
function utcDateTime(instant: string): [string, string] {
  const utc = new Date(Date.parse(instant)).toISOString();
  return [yymmdd(utc.slice(0, 10)), `${utc.slice(11, 13)}${utc.slice(14, 16)}`];
}

interface FlightHeader {
  readonly carrier: string;
  readonly flightId: string;
  readonly from: { readonly airport: string; readonly country: string; readonly at: string };
  readonly to: { readonly airport: string; readonly country: string; readonly at: string };
  readonly pnr?: string;
  readonly destinationAddress?: Readonly<Record<string, FieldValue>>;
}

function flightHeader(unit: MinimizedUnit): Result<FlightHeader, FormatError> {
  const carrier = text(unit.values, 'flight.carrier');
  const number = text(unit.values, 'flight.flightNumber');
  const departure = record(unit.values, 'flight.departure');
  const arrival = record(unit.values, 'flight.arrival');
  const point = (value: Readonly<Record<string, FieldValue>> | undefined) => {
    const airport = value === undefined ? undefined : text(value, 'airport');
    const country = value === undefined ? undefined : text(value, 'country');
    const at = value === undefined ? undefined : text(value, 'scheduledAt');
    return airport === undefined || country === undefined || at === undefined
      ? undefined
      : { airport, country, at };
  };
  const from = point(departure);
  const to = point(arrival);
  if (carrier === undefined || number === undefined || from === undefined || to === undefined) {
    const missing = FLIGHT_FIELDS.filter((id) => unit.values[id] === undefined);
    return fail(
      missing.map((field) => ({ code: 'PAXLST_DATA', path: field, field, rule: 'required' })),
    );
  }
  // DTM 189/232 and the 0068 key are read from the instant as written (its offset is the
  // airport's): anything else would write a malformed or an invented local time.
  const times = [
    { field: 'flight.departure', at: from.at },
    { field: 'flight.arrival', at: to.at },
  ].filter(({ at }) => !LOCAL_INSTANT.test(at));
  if (times.length > 0) {
    return fail(
      times.map(({ field }) => ({
        code: 'PAXLST_DATA',
        path: `${field}.scheduledAt`,
        field,
        rule: 'must be an ISO 8601 instant with an explicit offset',
      })),
    );
  }
  const flightId = `${carrier}${number}`;
  if (flightId.length > LIMITS.flightId || !isUnoa(flightId)) {
    return fail([
      {
        code: 'PAXLST_DATA',
        path: 'flight.flightNumber',
        field: 'flight.flightNumber',
        rule: 'flight id must be at most 17 level-A characters',
      },
    ]);
  }
  const pnr = text(unit.values, 'flight.pnr');
  const destinationAddress = record(unit.values, 'flight.destinationAddress');
  return ok({
    carrier,
    flightId,
    from,
    to,
    ...(pnr === undefined ? {} : { pnr }),
    ...(destinationAddress === undefined ? {} : { destinationAddress }),
  });
}

/** Splits a text into at most `count` chunks of `width`, at spaces where possible. */
function wrap(value: string, width: number, count: number): string[] | undefined {
  const chunks: string[] = [];
  let rest = value.trim();
  while (rest.length > 0) {
    if (chunks.length === count) return undefined;
    if (rest.length <= width) {
      chunks.push(rest);
      break;
    }
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > 0 ? cut : width;
    chunks.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  return chunks;
}

/** The NAD+FL address elements (street, city, region, postcode, country) of a hotel address. */
function addressElements(
  hotel: Readonly<Record<string, FieldValue>>,
  errors: PassengerErrors,
): DataElement[] {
  const field = 'flight.destinationAddress';
  const address = record(hotel, 'address');
  if (address === undefined) return [];
  const lines = address.lines;
  const street = toUnoaText(
    Array.isArray(lines) ? lines.filter((l): l is string => typeof l === 'string').join(' ') : '',
  );
  const city = toUnoaText(text(address, 'city') ?? '');
  const region = toUnoaText(text(address, 'region') ?? '');
  const postcode = toUnoaText(text(address, 'postalCode') ?? '');
  const country = text(address, 'country') ?? '';
  if (!street.ok || !city.ok || !region.ok || !postcode.ok) {
    errors.add(field, 'the address holds characters that level A (UNOA) cannot write');
    return [];
  }
  // NAD 3207 is an..3, and the guide's countries are ISO 3166-1 alpha-3 (never `US`).
  if (!COUNTRY.test(country)) {
    errors.add(field, 'the country must be ISO 3166-1 alpha-3');
    return [];
  }
  const streetComponents = wrap(street.value, LIMITS.street, 4);
  if (streetComponents === undefined) {
    errors.add(field, 'the street does not fit four components of 35 characters');
    return [];
  }
  if (
    city.value.length > LIMITS.city ||
    postcode.value.length > LIMITS.postcode ||
    region.value.length > LIMITS.regionName
  ) {
    errors.add(field, 'the city (35), region (70) or postal code (17) is too long');
    return [];
  }
  // C819: a short region is a code (3229), a longer one a name (3228).
  const regionElement =
    region.value === ''
      ? ''
      : region.value.length <= LIMITS.region && /^[A-Z0-9]+$/.test(region.value)
        ? region.value
        : ['', '', '', region.value];
  return [streetComponents, city.value, regionElement, postcode.value, country];
}

export interface PassengerBlock {
  /** The passenger's segments, written. */
  readonly text: string;
  readonly segmentCount: number;
}

/** What every passenger of the flight shares, written once per unit. */
interface FlightSegments {
  /** The NAD+FL address elements, already released and joined (empty when none). */
  readonly address: string;
  /** LOC+22, LOC+178, LOC+179, written, with line ends. */
  readonly places: string;
  readonly placeCount: number;
  /** RFF+AVF when the PNR is allowed, written. */
  readonly reference: string;
  readonly referenceCount: number;
  /** The fixed start of each passenger segment, written once for the unit's separators. */
  readonly written: PassengerSegmentStarts;
}

interface PassengerSegmentStarts {
  readonly component: string;
  /** Segment terminator and line break. */
  readonly end: string;
  readonly nad: string;
  readonly att: string;
  readonly dateOfBirth: string;
  readonly residence: string;
  readonly nationality: string;
  readonly document: string;
  readonly expiry: string;
  readonly issuer: string;
}

function passengerSegmentStarts(
  options: PaxlstOptions,
  sc: ServiceCharacters,
): PassengerSegmentStarts {
  const { element: e, component: c } = sc;
  return {
    component: c,
    end: sc.segment + (options.lineBreaks ? '\n' : ''),
    nad: `NAD${e}FL${e}${e}${e}`,
    att: `ATT${e}2${e}${e}`,
    dateOfBirth: `DTM${e}329${c}`,
    residence: `LOC${e}174${e}`,
    nationality: `NAT${e}2${e}`,
    document: `DOC${e}${options.documentCodeList ? `P${c}110${c}111` : 'P'}${e}`,
    expiry: `DTM${e}36${c}`,
    issuer: `LOC${e}91${e}`,
  };
}

function flightSegments(
  header: FlightHeader,
  options: PaxlstOptions,
  writer: SegmentWriter,
  sc: ServiceCharacters,
): Result<FlightSegments, FormatError> {
  let address = '';
  if (
    options.destinationAddressCountries.includes(header.to.country) &&
    header.destinationAddress !== undefined
  ) {
    const errors = new PassengerErrors(undefined);
    const elements = addressElements(header.destinationAddress, errors);
    if (errors.errors.length > 0) return fail(errors.errors);
    // Written as the tail of a NAD+FL segment: element separator before each element.
    const written = writer.segment('', elements);
    address = written.slice(0, written.length - sc.segment.length);
  }
  const end = options.lineBreaks ? '\n' : '';
  const places = [
    ...(options.clearanceCountries.includes(header.to.country)
      ? [writer.segment('LOC', ['22', header.to.airport])]
      : []),
    writer.segment('LOC', ['178', header.from.airport]),
    writer.segment('LOC', ['179', header.to.airport]),
  ];
  const reference = header.pnr === undefined ? [] : [writer.segment('RFF', [['AVF', header.pnr]])];
  return ok({
    address,
    places: places.map((segment) => segment + end).join(''),
    placeCount: places.length,
    reference: reference.map((segment) => segment + end).join(''),
    referenceCount: reference.length,
    written: passengerSegmentStarts(options, sc),
  });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DOCUMENT_NUMBER = /^[A-Z0-9]{1,35}$/;
const WELL_FORMED =
  /^[A-Z0-9]{1,35}\|\d{4}-\d{2}-\d{2}\|\d{4}-\d{2}-\d{2}\|[A-Z]{3}\|[A-Z]{3}\|[A-Z]{3}$/;

/**
 * One passenger's segments. Every value here is checked to be letters, digits and spaces
 * (document names are A–Z words; dates, codes and numbers are checked below), which no UNA
 * may use as a service character, so they are written without the release pass: this runs
 * once per passenger and is the format's hot path.
 */
function passengerBlock(
  values: Readonly<Record<string, FieldValue>>,
  index: number,
  flight: FlightSegments,
  options: PaxlstOptions,
): Result<PassengerBlock, FormatError> {
  const errors = new PassengerErrors(index);
  // Each value is read once: lookups by field id are most of this function's cost.
  const gender = text(values, 'participant.gender');
  const documentNumber = text(values, 'participant.documents.passport.number');
  const dateOfBirth = text(values, 'participant.dateOfBirth');
  const expiry = text(values, 'participant.documents.passport.expiryDate');
  const nationality = text(values, 'participant.nationality');
  const issuer = text(values, 'participant.documents.passport.issuingCountry');
  const residence = text(values, 'participant.countryOfResidence');
  if (
    gender === undefined ||
    documentNumber === undefined ||
    dateOfBirth === undefined ||
    expiry === undefined ||
    nationality === undefined ||
    issuer === undefined
  ) {
    for (const field of PASSENGER_FIELDS)
      if (values[field] === undefined) errors.add(field, 'required');
    return fail(errors.errors);
  }

  const name = passengerName(values, LIMITS.name);
  if (!name.ok) {
    for (const error of name.errors) errors.add(error.path, error.rule);
    return fail(errors.errors);
  }
  if (!(options.genders as readonly string[]).includes(gender)) {
    errors.add('participant.gender', `the recipient accepts only ${options.genders.join(', ')}`);
  }
  // One pattern for the common case; the checks one by one only to word a problem.
  const checked = `${documentNumber}|${dateOfBirth}|${expiry}|${nationality}|${issuer}|${residence ?? 'FRA'}`;
  if (!WELL_FORMED.test(checked)) {
    if (!DOCUMENT_NUMBER.test(documentNumber)) {
      errors.add('participant.documents.passport.number', 'must be at most 35 letters and digits');
    }
    if (!DATE.test(dateOfBirth)) errors.add('participant.dateOfBirth', 'must be a date YYYY-MM-DD');
    if (!DATE.test(expiry))
      errors.add('participant.documents.passport.expiryDate', 'must be a date YYYY-MM-DD');
    if (!COUNTRY.test(nationality))
      errors.add('participant.nationality', 'must be ISO 3166-1 alpha-3');
    if (!COUNTRY.test(issuer))
      errors.add('participant.documents.passport.issuingCountry', 'must be ISO 3166-1 alpha-3');
    if (residence !== undefined && !COUNTRY.test(residence))
      errors.add('participant.countryOfResidence', 'must be ISO 3166-1 alpha-3');
  }
  if (errors.errors.length > 0) return fail(errors.errors);

  const { surname, first, rest } = name.value;
  const w = flight.written;
  const written =
    `${w.nad}${surname}${w.component}${first}${rest === '' ? '' : w.component + rest}${flight.address}${w.end}` +
    `${w.att}${gender}${w.end}${w.dateOfBirth}${yymmdd(dateOfBirth)}${w.end}${flight.places}` +
    (residence === undefined ? '' : `${w.residence}${residence}${w.end}`) +
    `${w.nationality}${nationality}${w.end}${flight.reference}${w.document}${documentNumber}${w.end}` +
    `${w.expiry}${yymmdd(expiry)}${w.end}${w.issuer}${issuer}${w.end}`;
  return ok({
    text: written,
    segmentCount: 7 + flight.placeCount + (residence === undefined ? 0 : 1) + flight.referenceCount,
  });
}

export interface PartPlan {
  readonly passengers: readonly PassengerBlock[];
}

/** Writes one part — a complete interchange — for a part number, its flag and passengers. */
type PartBuilder = (plan: PartPlan, number: number, flag: 'C' | 'F' | '') => string;

/**
 * Prepares what every part of the flight shares (the message header after UNH, the
 * preparation time, CNT) once, so that a part costs only its envelope and passengers.
 * `flag` is `C` (first of several), `F` (last, or the only one) or '' (a middle part).
 */
function partBuilder(
  total: number,
  header: FlightHeader,
  options: PaxlstOptions,
  writer: SegmentWriter,
  context: RenderContext,
): PartBuilder {
  const segment = (tag: string, ...elements: DataElement[]) => writer.segment(tag, elements);
  const separator = options.lineBreaks ? '\n' : '';
  const [date, time] = utcDateTime(context.preparedAt);
  const sender = [options.sender.id, options.sender.qualifier ?? ''];
  const recipient = [options.recipient.id, options.recipient.qualifier ?? ''];
  const { name, phone, email } = options.reportingParty;
  const contact = [
    ...(phone === undefined ? [] : [[phone, 'TE']]),
    ...(email === undefined ? [] : [[levelAEmail(email), 'EM']]),
  ];
  const departure = localYymmddhhmm(header.from.at);
  const accessReference = `${header.flightId}/${departure.slice(0, 6)}/${departure.slice(6)}`;
  const body = [
    segment('BGM', '745'),
    segment('NAD', 'MS', '', '', name),
    ...(contact.length > 0 ? [segment('COM', ...contact)] : []),
    segment('TDT', '20', header.flightId, '', '', header.carrier),
    segment('LOC', '125', header.from.airport),
    segment('DTM', ['189', departure, '201']),
    segment('LOC', '87', header.to.airport),
    segment('DTM', ['232', localYymmddhhmm(header.to.at), '201']),
  ];
  const bodyText = body.map((s) => s + separator).join('');
  // The guide's CNT+42 is the flight's total, repeated in every part.
  const count = segment('CNT', ['42', String(total)]) + separator;
  const una = unaSegment(writer.serviceCharacters) + separator;
  return (plan, number, flag) => {
    const partNumber = String(number).padStart(2, '0');
    const reference = `${context.reference}${partNumber}`;
    let passengers = '';
    let passengerSegments = 0;
    for (const passenger of plan.passengers) {
      passengers += passenger.text;
      passengerSegments += passenger.segmentCount;
    }
    const envelope = [
      segment(
        'UNB',
        ['UNOA', '4'],
        sender,
        recipient,
        [date, time],
        reference,
        ...(options.applicationReference === undefined ? [] : ['', options.applicationReference]),
      ),
      ...(options.group
        ? [
            segment('UNG', 'PAXLST', sender, recipient, [date, time], reference, 'UN', [
              'D',
              options.directory,
            ]),
          ]
        : []),
      segment(
        'UNH',
        reference,
        ['PAXLST', 'D', options.directory, 'UN', 'IATA'],
        accessReference,
        flag === '' ? partNumber : [partNumber, flag],
      ),
    ];
    // UNT counts UNH to UNT inclusive.
    const closing = [
      segment('UNT', String(1 + body.length + passengerSegments + 2), reference),
      ...(options.group ? [segment('UNE', '1', reference)] : []),
      segment('UNZ', '1', reference),
    ];
    return `${una}${envelope.join(separator)}${separator}${bodyText}${passengers}${count}${closing.join(separator)}${separator}`;
  };
}

/**
 * Groups passengers into parts: at most `maxPassengersPerPart`, and under the byte cap. A
 * part's size is its envelope's (measured once, without passengers) plus its passengers'
 * texts, so a part is filled passenger by passenger; only the UNT count, whose digits grow
 * with the part, is left to the measure of the part as planned, which then takes passengers
 * off until it fits. Measuring every candidate slice, from the most passengers a part may
 * hold down, wrote the part again for each passenger it shed: quadratic in the flight with
 * a byte cap and a high passenger limit.
 */
export function planParts(
  passengers: readonly PassengerBlock[],
  options: Pick<PaxlstOptions, 'maxPassengersPerPart' | 'maxBytesPerPart'>,
  measure: (plan: PartPlan, number: number) => number,
): Result<PartPlan[], FormatError> {
  const plans: PartPlan[] = [];
  let start = 0;
  while (start < passengers.length) {
    let count = Math.min(options.maxPassengersPerPart, passengers.length - start);
    if (options.maxBytesPerPart !== undefined) {
      const cap = options.maxBytesPerPart;
      const number = plans.length + 1;
      let size = measure({ passengers: [] }, number);
      let fitting = 0;
      while (fitting < count) {
        const next = passengers[start + fitting];
        if (next === undefined || size + next.text.length > cap) break;
        size += next.text.length;
        fitting += 1;
      }
      count = fitting;
      while (
        count > 0 &&
        measure({ passengers: passengers.slice(start, start + count) }, number) > cap
      )
        count -= 1;
      if (count === 0) {
        return fail([
          {
            code: 'PAXLST_TOO_LARGE',
            path: 'format.options.maxBytesPerPart',
            rule: 'one passenger alone does not fit the byte limit',
          },
        ]);
      }
    }
    plans.push({ passengers: passengers.slice(start, start + count) });
    start += count;
  }
  // UNH 0070 is n..2.
  if (plans.length > 99) {
    return fail([
      {
        code: 'PAXLST_TOO_LARGE',
        path: 'format.options.maxPassengersPerPart',
        rule: `the flight needs ${plans.length} parts; PAXLST allows at most 99`,
      },
    ]);
  }
  return ok(plans);
}

export const paxlstFormat: PayloadFormat<PaxlstOptions> = {
  type: 'paxlst',
  standard:
    'UN/EDIFACT PAXLST D.02B/D.05B, WCO/IATA/ICAO API-PNR Implementation Guide profile (UNH association IATA)',
  units: ['flight'],
  parseOptions: (raw) => parseWithSchema(optionsSchema, raw, 'FORMAT_OPTIONS_INVALID'),
  emits: (options) => [
    ...PASSENGER_FIELDS,
    'participant.documents.passport.nameOnDocument',
    'participant.countryOfResidence',
    ...FLIGHT_FIELDS,
    'flight.pnr',
    ...(options.destinationAddressCountries.length > 0 ? ['flight.destinationAddress'] : []),
  ],
  requires: (options) => [
    ...PASSENGER_FIELDS,
    ...FLIGHT_FIELDS,
    ...(options.destinationAddressCountries.length > 0 ? ['flight.destinationAddress'] : []),
  ],
  qualityRules: () => ['passport-valid-for-flight', 'passport-valid-until-return'],
  serialize(unit, options, context) {
    if (!/^[A-Z0-9]{1,12}$/.test(context.reference)) {
      return fail([
        {
          code: 'PAXLST_REFERENCE',
          path: 'reference',
          rule: 'the interchange reference must be 1 to 12 letters or digits',
        },
      ]);
    }
    const sc = parseServiceCharacters(options.serviceCharacters) ?? DEFAULT_SERVICE_CHARACTERS;
    const writer = segmentWriter(sc);
    const header = flightHeader(unit);
    if (!header.ok) return header;
    const flight = flightSegments(header.value, options, writer, sc);
    if (!flight.ok) return flight;
    const blocks: PassengerBlock[] = [];
    const errors: FormatError[] = [];
    unit.participants.forEach((participant, index) => {
      const block = passengerBlock(participant.values, index, flight.value, options);
      if (block.ok) blocks.push(block.value);
      else errors.push(...block.errors);
    });
    if (errors.length > 0) return fail(errors);

    // No passengers, no part: these manifests carry no crew (formats.md §8.11 leaves it to
    // us), and the sender cancels a unit without participants rather than send an empty list.
    const buildPart = partBuilder(blocks.length, header.value, options, writer, context);
    // Measured with the longest flag, so a part never grows once its flag is known.
    const planned = planParts(
      blocks,
      options,
      (plan, number) => buildPart(plan, number, 'C').length,
    );
    if (!planned.ok) return planned;
    const plans = planned.value;
    const files: RenderedFile[] = plans.map((plan, index) => {
      const number = index + 1;
      const flag = number === plans.length ? 'F' : number === 1 ? 'C' : '';
      return {
        suffix: `part${String(number).padStart(2, '0')}.edi`,
        mediaType: 'application/edifact',
        content: buildPart(plan, number, flag),
      };
    });
    return ok(files);
  },
};
