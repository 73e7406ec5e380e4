import { z } from 'zod';
import type { FieldValue } from '../../fields/field-value.js';
import {
  documentNameOf,
  fitNameToLength,
  NAME_FIELDS,
  splitGivenNames,
  type DocumentName,
  type NameLengthLimit,
} from '../../names/document-name.js';
import type { NameError } from '../../names/icao-transliteration.js';
import type { MinimizedParticipant } from '../../projection/minimized-unit.js';
import { parseWithSchema } from '../../shared/parse-with-schema.js';
import { fail, ok, type Result } from '../../shared/result.js';
import type { FormatError, PayloadFormat, RenderedFile } from '../payload-format.js';
import { airimpDateOf, localDateOf } from './airimp-date.js';

const FIELD = {
  surname: NAME_FIELDS.surname,
  givenNames: NAME_FIELDS.givenNames,
  nameOnDocument: NAME_FIELDS.nameOnDocument,
  dateOfBirth: 'participant.dateOfBirth',
  gender: 'participant.gender',
  redressNumber: 'participant.redressNumber',
  knownTravelerNumber: 'participant.knownTravelerNumber',
  carrier: 'flight.carrier',
  flightNumber: 'flight.flightNumber',
  departure: 'flight.departure',
  arrival: 'flight.arrival',
  pnr: 'flight.pnr',
} as const;

/** DOCS gender codes for a seated passenger (AIRIMP; `X` per newer AIRIMP and TSA, UNVERIFIED). */
const GENDER_CODES = ['M', 'F', 'X', 'U'] as const;
type GenderCode = (typeof GENDER_CODES)[number];

const optionsSchema = z
  .strictObject({
    /**
     * The gender codes the airline's reservation system takes in DOCS. By default the codes
     * every AIRIMP system takes (M, F, U); a contract adds `X` where the airline takes it.
     */
    genders: z
      .array(z.enum(GENDER_CODES))
      .min(1)
      .refine((codes) => new Set(codes).size === codes.length, 'must not repeat a code')
      .default(['M', 'F', 'U']),
    /**
     * Write `X` (unspecified, as on the document) as `U` (undisclosed) for an airline that
     * does not take `X`. Off by default: a changed value must be the contract's decision.
     */
    writeUnspecifiedAsUndisclosed: z.boolean().default(false),
    /**
     * `first-and-rest`: `/CLAIRE/MARIE` (the DOCS given-name and second-name slots);
     * `whole`: `/CLAIRE MARIE` in the given-name slot, for airlines that want it so.
     */
    givenNameLayout: z.enum(['first-and-rest', 'whole']).default('first-and-rest'),
    /** A per-slot limit on names, when the airline has one; none by default. */
    nameLimit: z
      .strictObject({
        maxLength: z.number().int().min(1).max(140),
        overflow: z.enum(['refuse', 'truncate-at-word']),
      })
      .optional(),
    /**
     * The most passengers one file may hold, for an airline whose reservation system caps a
     * PNR in names (often 99 for a group): a larger flight is written in parts, each entered
     * into a PNR of its own. None by default: one file, whatever the flight's size.
     */
    maxPassengersPerPart: z.int().min(1).max(999).optional(),
  })
  .superRefine((options, context) => {
    if (!options.writeUnspecifiedAsUndisclosed) return;
    if (!options.genders.includes('U') || options.genders.includes('X')) {
      context.addIssue({
        code: 'custom',
        path: ['writeUnspecifiedAsUndisclosed'],
        message: 'needs genders to include U and not X',
      });
    }
  });
export type SfpdSsrOptions = z.infer<typeof optionsSchema>;

type SfpdErrorCode =
  'SFPD_VALUE_MISSING' | 'SFPD_VALUE_INVALID' | 'SFPD_GENDER_NOT_ACCEPTED' | NameError['code'];

/** A problem with one value: its field, and a path when narrower (`….airport`); never the value. */
interface Issue {
  readonly code: SfpdErrorCode;
  readonly field: string;
  readonly path?: string;
  readonly rule: string;
}

type Checked<T> = Result<T, Issue>;
type CheckedValues<T> = { readonly [K in keyof T]: T[K] extends Checked<infer V> ? V : never };

const issue = (code: SfpdErrorCode, field: string, rule: string, path?: string): Checked<never> =>
  fail([{ code, field, rule, ...(path === undefined ? {} : { path }) }]);

/** All parts, or every issue of every part (several problems are reported at once). */
function combine<T extends Readonly<Record<string, Checked<unknown>>>>(
  parts: T,
): Checked<CheckedValues<T>> {
  const issues: Issue[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(parts)) {
    if (part.ok) values[key] = part.value;
    else issues.push(...part.errors);
  }
  return issues.length > 0 ? fail(issues) : ok(values as CheckedValues<T>);
}

/** An identifier slot: its shape, which is also what keeps SSR syntax out of the value. */
interface TokenRule {
  readonly pattern: RegExp;
  readonly rule: string;
}

const TOKEN_RULES = {
  carrier: {
    pattern: /^[A-Z0-9]{2}$/,
    rule: 'must be an IATA airline designator (2 letters or digits)',
  },
  flightNumber: {
    pattern: /^[0-9]{1,4}[A-Z]?$/,
    rule: 'must be 1 to 4 digits and an optional letter',
  },
  airport: { pattern: /^[A-Z]{3}$/, rule: 'must be an IATA airport code (3 letters)' },
  pnr: { pattern: /^[A-Z0-9]{6}$/, rule: 'must be a record locator (6 letters or digits)' },
  programmeNumber: {
    pattern: /^[A-Z0-9]{1,25}$/,
    rule: 'must be 1 to 25 upper-case letters or digits',
  },
} as const satisfies Record<string, TokenRule>;

type FieldRecord = Readonly<Record<string, FieldValue>>;

function recordOf(value: FieldValue | undefined): FieldRecord | undefined {
  return typeof value === 'object' && !Array.isArray(value) ? (value as FieldRecord) : undefined;
}

/** A text value that must be there and match its rule. */
function token(
  value: FieldValue | undefined,
  field: string,
  rule: TokenRule,
  path?: string,
): Checked<string> {
  if (value === undefined) return issue('SFPD_VALUE_MISSING', field, 'is required', path);
  return typeof value === 'string' && rule.pattern.test(value)
    ? ok(value)
    : issue('SFPD_VALUE_INVALID', field, rule.rule, path);
}

/** A text value written only when the contract allows it and it is known. */
function optionalToken(
  value: FieldValue | undefined,
  field: string,
  rule: TokenRule,
): Checked<string | undefined> {
  return value === undefined ? ok(undefined) : token(value, field, rule);
}

/** The flight as the header names it; every part checked against its token rule. */
interface FlightHeader {
  readonly carrier: string;
  readonly flightNumber: string;
  readonly from: string;
  readonly to: string;
  /** `DDMMMYY`, the departure's local date. */
  readonly date: string;
  readonly pnr: string | undefined;
}

/** A flight point (`{ airport, country, scheduledAt }`), or why it cannot be read. */
function flightPointOf(values: FieldRecord, field: string): Checked<FieldRecord> {
  const value = values[field];
  if (value === undefined) return issue('SFPD_VALUE_MISSING', field, 'is required');
  const point = recordOf(value);
  return point === undefined
    ? issue('SFPD_VALUE_INVALID', field, 'must be an airport, a country and a time')
    : ok(point);
}

const airportOf = (point: FieldRecord, field: string): Checked<string> =>
  token(point.airport, field, TOKEN_RULES.airport, `${field}.airport`);

/** The departure's own local date, read from its offset (never the server's time zone). */
function localDateOfPoint(point: FieldRecord, field: string): Checked<string> {
  const scheduledAt = point.scheduledAt;
  const localDate = typeof scheduledAt === 'string' ? localDateOf(scheduledAt) : undefined;
  const date = localDate === undefined ? undefined : airimpDateOf(localDate);
  return date === undefined
    ? issue(
        'SFPD_VALUE_INVALID',
        field,
        'must be an ISO 8601 instant with an explicit offset',
        `${field}.scheduledAt`,
      )
    : ok(date);
}

function flightHeaderOf(values: FieldRecord): Checked<FlightHeader> {
  const departure = flightPointOf(values, FIELD.departure);
  const arrival = flightPointOf(values, FIELD.arrival);
  return combine({
    carrier: token(values[FIELD.carrier], FIELD.carrier, TOKEN_RULES.carrier),
    flightNumber: token(values[FIELD.flightNumber], FIELD.flightNumber, TOKEN_RULES.flightNumber),
    from: departure.ok ? airportOf(departure.value, FIELD.departure) : departure,
    to: arrival.ok ? airportOf(arrival.value, FIELD.arrival) : arrival,
    // An unreadable departure is reported once, by `from`.
    date: departure.ok ? localDateOfPoint(departure.value, FIELD.departure) : ok(''),
    pnr: optionalToken(values[FIELD.pnr], FIELD.pnr, TOKEN_RULES.pnr),
  });
}

/** The name slots of a DOCS line: surname, given name, second name (absent when none). */
interface NameSlots {
  readonly surname: string;
  readonly given: string;
  readonly second?: string;
}

const nameIssues = (errors: readonly NameError[]): Checked<never> =>
  fail(
    errors.map((error) => ({
      code: error.code,
      field: error.field ?? error.path,
      path: error.path,
      rule: error.rule,
    })),
  );

function nameSlotsOf(values: FieldRecord, options: SfpdSsrOptions): Checked<NameSlots> {
  const storedValue = recordOf(values[FIELD.nameOnDocument]);
  // The document's spelling wins; `documentNameOf` refuses a malformed one.
  const stored =
    storedValue === undefined
      ? undefined
      : {
          surname: typeof storedValue.surname === 'string' ? storedValue.surname : '',
          givenNames: typeof storedValue.givenNames === 'string' ? storedValue.givenNames : '',
        };
  const surname = values[FIELD.surname];
  const givenNames = values[FIELD.givenNames];
  if (stored === undefined) {
    // Without the document's spelling, the family's is transliterated: both are needed.
    const missing = [
      ...(typeof surname === 'string' ? [] : [FIELD.surname]),
      ...(typeof givenNames === 'string' ? [] : [FIELD.givenNames]),
    ];
    if (missing.length > 0) {
      return fail(
        missing.map((field) => ({ code: 'SFPD_VALUE_MISSING', field, rule: 'is required' })),
      );
    }
  }
  const name = documentNameOf({
    surname: typeof surname === 'string' ? surname : '',
    givenNames: typeof givenNames === 'string' ? givenNames : '',
    ...(stored === undefined ? {} : { nameOnDocument: stored }),
  });
  if (!name.ok) return nameIssues(name.errors);
  const slots = slotsOf(
    name.value,
    typeof givenNames === 'string' ? givenNames : undefined,
    options.givenNameLayout,
  );
  return options.nameLimit === undefined
    ? ok(slots)
    : fitSlots(slots, options.nameLimit, stored !== undefined);
}

/**
 * The surname, first and second given-name slots; a hyphenated given name stays whole in one
 * slot (`/LEFEVRE/JEAN LOIC`, formats.md §5.4), the family's spelling telling which space of
 * the document's was a hyphen (`splitGivenNames`).
 */
function slotsOf(
  name: DocumentName,
  writtenGivenNames: string | undefined,
  layout: SfpdSsrOptions['givenNameLayout'],
): NameSlots {
  if (layout === 'whole') return { surname: name.surname, given: name.givenNames };
  const { first, rest } = splitGivenNames(name.givenNames, writtenGivenNames);
  return { surname: name.surname, given: first, ...(rest === undefined ? {} : { second: rest }) };
}

/** Each slot fitted to the airline's limit; issues name the field the name came from. */
function fitSlots(
  slots: NameSlots,
  limit: NameLengthLimit,
  fromDocument: boolean,
): Checked<NameSlots> {
  const fit = (value: string, part: 'surname' | 'givenNames'): Checked<string> => {
    const field = fromDocument ? FIELD.nameOnDocument : FIELD[part];
    const path = fromDocument ? `${FIELD.nameOnDocument}.${part}` : field;
    const fitted = fitNameToLength(value, limit, path);
    return fitted.ok ? fitted : nameIssues(fitted.errors.map((error) => ({ ...error, field })));
  };
  const fitted = combine({
    surname: fit(slots.surname, 'surname'),
    given: fit(slots.given, 'givenNames'),
    second: slots.second === undefined ? ok(undefined) : fit(slots.second, 'givenNames'),
  });
  if (!fitted.ok) return fitted;
  const { surname, given, second } = fitted.value;
  return ok({ surname, given, ...(second === undefined ? {} : { second }) });
}

function genderOf(values: FieldRecord, options: SfpdSsrOptions): Checked<GenderCode> {
  const value = values[FIELD.gender];
  if (value === undefined) return issue('SFPD_VALUE_MISSING', FIELD.gender, 'is required');
  const code = GENDER_CODES.find((candidate) => candidate === value);
  if (code === undefined) return issue('SFPD_VALUE_INVALID', FIELD.gender, 'must be M, F, X or U');
  const written = code === 'X' && options.writeUnspecifiedAsUndisclosed ? 'U' : code;
  return options.genders.includes(written)
    ? ok(written)
    : issue(
        'SFPD_GENDER_NOT_ACCEPTED',
        FIELD.gender,
        `the airline takes only ${options.genders.join(', ')}`,
      );
}

function dateOfBirthOf(values: FieldRecord): Checked<string> {
  const value = values[FIELD.dateOfBirth];
  if (value === undefined) return issue('SFPD_VALUE_MISSING', FIELD.dateOfBirth, 'is required');
  const date = typeof value === 'string' ? airimpDateOf(value) : undefined;
  return date === undefined
    ? issue('SFPD_VALUE_INVALID', FIELD.dateOfBirth, 'must be a calendar date YYYY-MM-DD')
    : ok(date);
}

/** The repertoire of an SSR free-text slot: A–Z and 0–9 words, single spaces, or empty. */
const SLOT = /^([A-Z0-9]+( [A-Z0-9]+)*)?$/;

/**
 * One SSR line from its free-text slots. Every slot is checked once more against the
 * repertoire: a `/` or `-` in a slot would shift every later slot, and a line starting with
 * `.` reads as a Type B address. Slots are checked when read, so a failure here is a bug:
 * it throws, and no payload leaves.
 */
function ssrLine(
  code: 'DOCS' | 'DOCO',
  carrier: string,
  slots: readonly string[],
  nameElement: number,
): string {
  for (const slot of [carrier, ...slots]) {
    if (!SLOT.test(slot)) {
      throw new Error(`an SSR ${code} slot is outside the A-Z 0-9 space repertoire`);
    }
  }
  return `SSR ${code} ${carrier} HK1/${slots.join('/')}-${nameElement}.1`;
}

/**
 * The passenger's lines; `nameElement` is the passenger's place among the names of the file
 * (of its part, when the flight is split), which `-n.1` points at once entered in a PNR.
 */
function passengerLines(
  participant: MinimizedParticipant,
  nameElement: number,
  carrier: string,
  options: SfpdSsrOptions,
): Checked<string[]> {
  const { values } = participant;
  const read = combine({
    name: nameSlotsOf(values, options),
    dateOfBirth: dateOfBirthOf(values),
    gender: genderOf(values, options),
    redress: optionalToken(
      values[FIELD.redressNumber],
      FIELD.redressNumber,
      TOKEN_RULES.programmeNumber,
    ),
    knownTraveler: optionalToken(
      values[FIELD.knownTravelerNumber],
      FIELD.knownTravelerNumber,
      TOKEN_RULES.programmeNumber,
    ),
  });
  if (!read.ok) return read;
  const { name, dateOfBirth, gender, redress, knownTraveler } = read.value;
  // Secure Flight form: type, issuing state, number, nationality and expiry left empty.
  const docs = ['', '', '', '', dateOfBirth, gender, '', name.surname, name.given];
  if (name.second !== undefined) docs.push(name.second);
  const lines = [ssrLine('DOCS', carrier, docs, nameElement)];
  // DOCO: place of birth / type / number / place of issue / issue date / applicable country.
  if (redress !== undefined) {
    lines.push(ssrLine('DOCO', carrier, ['', 'R', redress, '', '', 'US'], nameElement));
  }
  if (knownTraveler !== undefined) {
    lines.push(ssrLine('DOCO', carrier, ['', 'K', knownTraveler, '', '', 'US'], nameElement));
  }
  return ok(lines);
}

const formatError = (item: Issue, participant?: number): FormatError => {
  const path = item.path ?? item.field;
  return participant === undefined
    ? { code: item.code, path, field: item.field, rule: item.rule }
    : {
        code: item.code,
        path: `participants[${participant}].${path}`,
        participant,
        field: item.field,
        rule: item.rule,
      };
};

/** Type B text ends lines with CR LF; so does this file, the last line included. */
const LINE_END = '\r\n';

/**
 * Secure Flight Passenger Data for the operating airline (formats.md §2, §5.4): one plain
 * text file per flight, which the airline's group desk enters into the group PNR. TSA takes
 * SFPD only from the aircraft operator, so this is never sent to TSA. Layout:
 *
 * ```
 * SECURE FLIGHT PASSENGER DATA
 * FLIGHT AF22 CDG-JFK 01JUL27          carrier+number, route, departure's local date
 * GROUP PNR K7Q2ZX                     only when the contract allows flight.pnr
 * PASSENGERS 2
 * SSR DOCS AF HK1/////04MAR11/F//ONEILL/CLAIRE/MARIE-1.1
 * SSR DOCO AF HK1//R/2027001234///US-1.1           redress number, when allowed and known
 * SSR DOCS AF HK1/////12JUL82/M//LEFEVRE/JEAN LOIC-2.1  Jean-Loïc: one given name
 * SSR DOCO AF HK1//K/TT1234567///US-2.1            Known Traveler Number, likewise
 * END
 * ```
 *
 * - DOCS (AIRIMP): `/type/issuing state/number/nationality/DOB/gender/expiry/surname/given/second`
 *   with the document slots empty, as Secure Flight asks only for names, date of birth and
 *   gender; `-n.1` ties each SSR to the n-th passenger of the file, in `unit.participants`
 *   order.
 * - DOCO: `/place of birth/type/number/place of issue/issue date/applicable country`, type
 *   `R` redress, `K` Known Traveler; the exact layout is UNVERIFIED (formats.md §5.4).
 * - Names as on the travel document: the stored MRZ spelling, else ICAO 9303
 *   transliteration (`src/core/names`); a name that cannot be written stops the unit.
 * - Dates `DDMMMYY` in English; the header's date is the departure's local date, read
 *   from its offset. Each SSR is one line: no Type B continuation (this is not a teletype).
 * - Infant codes (`MI`, `FI`) and lap infants are not written: every participant has a seat.
 *
 * Parts, when the contract sets `maxPassengersPerPart` and the flight has more passengers
 * than that (some reservation systems take at most 99 names in a group PNR, so the group
 * desk could not enter a larger file): files `part01.txt`, `part02.txt`, …, each a complete
 * file of its own, which the desk enters into a PNR of its own. A flight within the cap is
 * the one file above, byte for byte, named `txt` as without the option. A part:
 *
 * ```
 * SECURE FLIGHT PASSENGER DATA
 * FLIGHT AF22 CDG-JFK 01JUL27
 * PART 2 OF 3                          this file's place among the flight's parts
 * GROUP PNR K7Q2ZX                     the group booking the parts are split from
 * PASSENGERS 99                        the passengers of this part
 * SSR DOCS AF HK1/////12MAY60/M//LEFEVRE/JEAN LOIC-1.1
 * …
 * END
 * ```
 *
 * - Filled greedily, in `unit.participants` order: every part holds the cap but the last
 *   (250 at 99: 99, 99, 52; 100 at 99: 99, 1). This is PAXLST's rule for the option of the
 *   same name, so the option means one thing in every contract; and a passenger's part
 *   depends only on their place in the list, never on the flight's total, so a resend after
 *   a passenger was added at the end of the list leaves the earlier parts' passengers where
 *   the desk entered them. An even split (84, 83, 83) would shift its boundaries whenever
 *   the total changes.
 * - `-n.1` restarts at 1 in each part: it numbers the names of the PNR the part is entered
 *   in, not of the flight.
 * - The GROUP PNR line stays in every part (when the contract allows `flight.pnr`): the
 *   desk divides that booking into the parts' PNRs and needs to know which one; it is the
 *   same value in every part, so nothing more leaves than in one file.
 * - Part numbers take two digits, more only past 99 parts (a small cap on a large flight),
 *   so that the file names still sort in order.
 */
export const sfpdSsrFormat: PayloadFormat<SfpdSsrOptions> = {
  type: 'sfpd-ssr',
  standard:
    'IATA AIRIMP SSR DOCS/DOCO for TSA Secure Flight (49 CFR 1560; 73 FR 64018); names per ICAO Doc 9303 Part 3',
  units: ['flight'],
  parseOptions: (raw) => parseWithSchema(optionsSchema, raw, 'FORMAT_OPTIONS_INVALID'),
  emits: () => [
    FIELD.surname,
    FIELD.givenNames,
    FIELD.nameOnDocument,
    FIELD.dateOfBirth,
    FIELD.gender,
    FIELD.redressNumber,
    FIELD.knownTravelerNumber,
    FIELD.carrier,
    FIELD.flightNumber,
    FIELD.departure,
    FIELD.arrival,
    FIELD.pnr,
  ],
  requires: () => [
    FIELD.surname,
    FIELD.givenNames,
    FIELD.dateOfBirth,
    FIELD.gender,
    FIELD.carrier,
    FIELD.flightNumber,
    FIELD.departure,
    FIELD.arrival,
  ],
  serialize(unit, options) {
    const flight = flightHeaderOf(unit.values);
    const cap = options.maxPassengersPerPart;
    // Parts are filled greedily, so a passenger's place in its part is its index modulo
    // the cap (its index itself when the flight fits in one file).
    const passengers = unit.participants.map((participant, index) =>
      passengerLines(
        participant,
        (cap === undefined ? index : index % cap) + 1,
        flight.ok ? flight.value.carrier : 'YY',
        options,
      ),
    );
    const all = [
      ...(flight.ok ? [] : flight.errors.map((item) => formatError(item))),
      ...passengers.flatMap((lines, index) =>
        lines.ok ? [] : lines.errors.map((item) => formatError(item, index)),
      ),
    ];
    // A given name and a second name too long for the same reason are one problem.
    const errors = [
      ...new Map(
        all.map((error) => [`${error.participant ?? ''}|${error.path}|${error.rule}`, error]),
      ).values(),
    ];
    if (!flight.ok || errors.length > 0) return fail(errors);
    const blocks = passengers.map((result) => (result.ok ? result.value : []));
    const fileOf = (
      first: number,
      end: number,
      part?: { readonly number: number; readonly of: number },
    ): string => {
      const { carrier, flightNumber, from, to, date, pnr } = flight.value;
      const lines = [
        'SECURE FLIGHT PASSENGER DATA',
        `FLIGHT ${carrier}${flightNumber} ${from}-${to} ${date}`,
        ...(part === undefined ? [] : [`PART ${part.number} OF ${part.of}`]),
        ...(pnr === undefined ? [] : [`GROUP PNR ${pnr}`]),
        `PASSENGERS ${end - first}`,
        ...blocks.slice(first, end).flat(),
        'END',
      ];
      return lines.map((line) => `${line}${LINE_END}`).join('');
    };
    const mediaType = 'text/plain; charset=utf-8';
    if (cap === undefined || blocks.length <= cap) {
      return ok([{ suffix: 'txt', mediaType, content: fileOf(0, blocks.length) }]);
    }
    const count = Math.ceil(blocks.length / cap);
    const digits = Math.max(2, String(count).length);
    const files: RenderedFile[] = [];
    for (let index = 0; index < count; index += 1) {
      const number = index + 1;
      files.push({
        suffix: `part${String(number).padStart(digits, '0')}.txt`,
        mediaType,
        content: fileOf(index * cap, Math.min(blocks.length, number * cap), { number, of: count }),
      });
    }
    return ok(files);
  },
};
