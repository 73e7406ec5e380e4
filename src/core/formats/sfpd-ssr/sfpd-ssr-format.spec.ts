import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../../fields/field-value.js';
import { documentNameOf, splitGivenNames } from '../../names/document-name.js';
import { ICAO_TRANSLITERATION } from '../../names/icao-transliteration.js';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import type { FormatError } from '../payload-format.js';
import { sfpdSsrFormat, type SfpdSsrOptions } from './sfpd-ssr-format.js';

const context = { reference: 'REF-1', preparedAt: '2027-06-01T00:00:00+00:00' };

type Values = Record<string, FieldValue>;

const FLIGHT: Values = {
  'flight.carrier': 'AF',
  'flight.flightNumber': '22',
  'flight.departure': { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-01T10:30:00+02:00' },
  'flight.arrival': { airport: 'JFK', country: 'USA', scheduledAt: '2027-07-01T12:45:00-04:00' },
  'flight.pnr': 'K7Q2ZX',
};

const CLAIRE: Values = {
  'participant.surname': "O'Neill",
  'participant.givenNames': 'Claire Marie',
  'participant.documents.passport.nameOnDocument': {
    surname: 'ONEILL',
    givenNames: 'CLAIRE MARIE',
  },
  'participant.dateOfBirth': '2011-03-04',
  'participant.gender': 'F',
  'participant.redressNumber': '2027001234',
};

const JEAN_LOIC: Values = {
  'participant.surname': 'Lefèvre',
  'participant.givenNames': 'Jean-Loïc',
  'participant.dateOfBirth': '1960-05-12',
  'participant.gender': 'M',
  'participant.knownTravelerNumber': 'TT1234567',
};

function unitOf(participants: Values[], values: Values = FLIGHT): MinimizedUnit {
  return {
    contract: { id: 'airline-sfpd', version: 1 },
    unitKind: 'flight',
    recipient: { id: 'AF', name: 'Air France' },
    fields: [],
    values,
    participants: participants.map((p) => ({ values: p })),
    rooms: [],
  };
}

function optionsOf(raw: Record<string, unknown> = {}): SfpdSsrOptions {
  const options = sfpdSsrFormat.parseOptions(raw);
  if (!options.ok) throw new Error(`bad options: ${JSON.stringify(options.errors)}`);
  return options.value;
}

function render(unit: MinimizedUnit, raw: Record<string, unknown> = {}): string {
  const result = sfpdSsrFormat.serialize(unit, optionsOf(raw), context);
  if (!result.ok) throw new Error(`serialize failed: ${JSON.stringify(result.errors)}`);
  expect(result.value).toHaveLength(1);
  return result.value[0]?.content ?? '';
}

function errorsOf(unit: MinimizedUnit, raw: Record<string, unknown> = {}): readonly FormatError[] {
  const result = sfpdSsrFormat.serialize(unit, optionsOf(raw), context);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

const without = (values: Values, ...keys: string[]): Values =>
  Object.fromEntries(Object.entries(values).filter(([key]) => !keys.includes(key)));

const linesOf = (content: string): string[] => content.split('\r\n').slice(0, -1);
const docsLines = (content: string): string[] =>
  linesOf(content).filter((line) => line.startsWith('SSR DOCS '));

describe('sfpdSsrFormat', () => {
  it('should declare a flight format with its fields', () => {
    const options = optionsOf();
    expect(sfpdSsrFormat.type).toBe('sfpd-ssr');
    expect(sfpdSsrFormat.units).toEqual(['flight']);
    expect(sfpdSsrFormat.requires(options)).toEqual([
      'participant.surname',
      'participant.givenNames',
      'participant.dateOfBirth',
      'participant.gender',
      'flight.carrier',
      'flight.flightNumber',
      'flight.departure',
      'flight.arrival',
    ]);
    const emits = sfpdSsrFormat.emits(options);
    expect(emits).toEqual(expect.arrayContaining([...sfpdSsrFormat.requires(options)]));
    expect(emits).toEqual(
      expect.arrayContaining([
        'participant.documents.passport.nameOnDocument',
        'participant.redressNumber',
        'participant.knownTravelerNumber',
        'flight.pnr',
      ]),
    );
    expect(emits).not.toContain('participant.nationality');
  });

  it('should write the golden file for two passengers (redress and two given names; KTN and a hyphenated one)', () => {
    const [file] = (() => {
      const result = sfpdSsrFormat.serialize(unitOf([CLAIRE, JEAN_LOIC]), optionsOf(), context);
      if (!result.ok) throw new Error('serialize failed');
      return result.value;
    })();
    expect(file?.suffix).toBe('txt');
    expect(file?.mediaType).toBe('text/plain; charset=utf-8');
    expect(file?.content).toBe(
      [
        'SECURE FLIGHT PASSENGER DATA',
        'FLIGHT AF22 CDG-JFK 01JUL27',
        'GROUP PNR K7Q2ZX',
        'PASSENGERS 2',
        'SSR DOCS AF HK1/////04MAR11/F//ONEILL/CLAIRE/MARIE-1.1',
        'SSR DOCO AF HK1//R/2027001234///US-1.1',
        'SSR DOCS AF HK1/////12MAY60/M//LEFEVRE/JEAN LOIC-2.1',
        'SSR DOCO AF HK1//K/TT1234567///US-2.1',
        'END',
        '',
      ].join('\r\n'),
    );
  });

  it('should give the same bytes for the same data', () => {
    const unit = unitOf([CLAIRE, JEAN_LOIC]);
    expect(render(unit)).toBe(render(unit));
  });

  it('should end every line with CR LF and hold no lone LF', () => {
    const content = render(unitOf([CLAIRE, JEAN_LOIC]));
    expect(content.endsWith('END\r\n')).toBe(true);
    expect(content.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('should leave out the GROUP PNR line when the unit has no record locator', () => {
    const content = render(unitOf([CLAIRE], without(FLIGHT, 'flight.pnr')));
    expect(linesOf(content).slice(0, 3)).toEqual([
      'SECURE FLIGHT PASSENGER DATA',
      'FLIGHT AF22 CDG-JFK 01JUL27',
      'PASSENGERS 1',
    ]);
  });

  it('should omit the second-name slot when there is one given name', () => {
    const content = render(
      unitOf([{ ...JEAN_LOIC, 'participant.givenNames': 'Tom', 'participant.surname': 'Durand' }]),
    );
    expect(docsLines(content)).toEqual(['SSR DOCS AF HK1/////12MAY60/M//DURAND/TOM-1.1']);
  });

  it('should keep every given name after the first in the second-name slot', () => {
    const content = render(unitOf([{ ...JEAN_LOIC, 'participant.givenNames': 'Jean Loïc Marie' }]));
    expect(docsLines(content)).toEqual([
      'SSR DOCS AF HK1/////12MAY60/M//LEFEVRE/JEAN/LOIC MARIE-1.1',
    ]);
  });

  it('should keep a hyphenated given name whole in the given-name slot, from either spelling', () => {
    const content = render(
      unitOf([
        { ...JEAN_LOIC, 'participant.givenNames': 'Jean-Loïc Marie' },
        {
          ...JEAN_LOIC,
          'participant.documents.passport.nameOnDocument': {
            surname: 'LEFEVRE',
            givenNames: 'JEAN LOIC',
          },
        },
        { ...JEAN_LOIC, 'participant.givenNames': 'Anne Marie-Thérèse' },
      ]),
    );
    expect(docsLines(content)).toEqual([
      'SSR DOCS AF HK1/////12MAY60/M//LEFEVRE/JEAN LOIC/MARIE-1.1',
      'SSR DOCS AF HK1/////12MAY60/M//LEFEVRE/JEAN LOIC-2.1',
      'SSR DOCS AF HK1/////12MAY60/M//LEFEVRE/ANNE/MARIE THERESE-3.1',
    ]);
  });

  it('should write all given names in one slot with the whole layout', () => {
    const content = render(unitOf([CLAIRE]), { givenNameLayout: 'whole' });
    expect(docsLines(content)).toEqual(['SSR DOCS AF HK1/////04MAR11/F//ONEILL/CLAIRE MARIE-1.1']);
  });

  it('should write the stored MRZ spelling over the transliteration', () => {
    const content = render(
      unitOf([
        {
          ...JEAN_LOIC,
          'participant.surname': 'Müller-Durand',
          'participant.givenNames': 'Hélène',
          'participant.documents.passport.nameOnDocument': {
            surname: 'MULLER DURAND',
            givenNames: 'HELENE',
          },
        },
        {
          ...JEAN_LOIC,
          'participant.surname': 'Müller-Durand',
          'participant.givenNames': 'Hélène',
        },
      ]),
    );
    expect(docsLines(content)).toEqual([
      'SSR DOCS AF HK1/////12MAY60/M//MULLER DURAND/HELENE-1.1',
      'SSR DOCS AF HK1/////12MAY60/M//MUELLER DURAND/HELENE-2.1',
    ]);
  });

  it('should write the DOB with the two last digits of its year (1960, 2011)', () => {
    const content = render(
      unitOf([
        { ...JEAN_LOIC, 'participant.dateOfBirth': '1960-12-01' },
        { ...JEAN_LOIC, 'participant.dateOfBirth': '2011-01-31' },
      ]),
    );
    expect(docsLines(content).map((line) => line.split('/')[5])).toEqual(['01DEC60', '31JAN11']);
  });

  it('should date the header with the departure local date, read from its offset', () => {
    const late = (scheduledAt: string): Values => ({
      ...FLIGHT,
      'flight.departure': { airport: 'CDG', country: 'FRA', scheduledAt },
    });
    // 30 June in UTC, but 1 July in Paris.
    expect(render(unitOf([CLAIRE], late('2027-07-01T00:30:00+02:00')))).toContain(
      'FLIGHT AF22 CDG-JFK 01JUL27\r\n',
    );
    // 1 July in UTC, but still 30 June in New York.
    expect(render(unitOf([CLAIRE], late('2027-06-30T23:30:00-04:00')))).toContain(
      'FLIGHT AF22 CDG-JFK 30JUN27\r\n',
    );
  });

  describe('gender', () => {
    const withGender = (gender: string): MinimizedUnit =>
      unitOf([{ ...CLAIRE, 'participant.gender': gender }]);
    const genderOf = (content: string): string | undefined => docsLines(content)[0]?.split('/')[6];

    it.each(['M', 'F', 'U'])('should write %s by default', (gender) => {
      expect(genderOf(render(withGender(gender)))).toBe(gender);
    });

    it('should refuse X when the airline does not take it, naming the participant', () => {
      expect(errorsOf(unitOf([CLAIRE, { ...JEAN_LOIC, 'participant.gender': 'X' }]))).toEqual([
        {
          code: 'SFPD_GENDER_NOT_ACCEPTED',
          path: 'participants[1].participant.gender',
          participant: 1,
          field: 'participant.gender',
          rule: 'the airline takes only M, F, U',
        },
      ]);
    });

    it('should write X when the contract says the airline takes it', () => {
      expect(genderOf(render(withGender('X'), { genders: ['M', 'F', 'X', 'U'] }))).toBe('X');
    });

    it('should write X as U only when the contract asks for it', () => {
      expect(genderOf(render(withGender('X'), { writeUnspecifiedAsUndisclosed: true }))).toBe('U');
      expect(genderOf(render(withGender('F'), { writeUnspecifiedAsUndisclosed: true }))).toBe('F');
    });

    it('should refuse a U the airline does not take', () => {
      expect(errorsOf(withGender('U'), { genders: ['M', 'F'] }).map((e) => e.code)).toEqual([
        'SFPD_GENDER_NOT_ACCEPTED',
      ]);
    });

    it('should refuse a value that is not a gender code', () => {
      expect(errorsOf(withGender('MI'))).toEqual([
        expect.objectContaining({ code: 'SFPD_VALUE_INVALID', field: 'participant.gender' }),
      ]);
    });
  });

  describe('options', () => {
    it('should default to M, F and U, the first-and-rest layout and no name limit', () => {
      expect(optionsOf()).toEqual({
        genders: ['M', 'F', 'U'],
        writeUnspecifiedAsUndisclosed: false,
        givenNameLayout: 'first-and-rest',
      });
    });

    it.each([
      [{ sheet: 'x' }, 'sheet'],
      [{ genders: [] }, 'genders'],
      [{ genders: ['M', 'M'] }, 'genders'],
      [{ genders: ['M', 'F', 'MI'] }, 'genders[2]'],
      [
        { writeUnspecifiedAsUndisclosed: true, genders: ['M', 'F'] },
        'writeUnspecifiedAsUndisclosed',
      ],
      [
        { writeUnspecifiedAsUndisclosed: true, genders: ['M', 'F', 'X', 'U'] },
        'writeUnspecifiedAsUndisclosed',
      ],
      [{ nameLimit: { maxLength: 35 } }, 'nameLimit.overflow'],
      [{ nameLimit: { maxLength: 0, overflow: 'refuse' } }, 'nameLimit.maxLength'],
    ])('should refuse %j', (raw, path) => {
      const result = sfpdSsrFormat.parseOptions(raw);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors.map((e) => e.path)).toContain(path);
      expect(result.errors[0]?.code).toBe('FORMAT_OPTIONS_INVALID');
    });
  });

  describe('name limit', () => {
    const long: Values = {
      ...JEAN_LOIC,
      'participant.surname': 'Wolfeschlegelsteinhausen Bergerdorff',
      'participant.givenNames': 'Maria de los Angeles',
    };

    it('should keep the whole words that fit when the policy is to truncate', () => {
      const content = render(unitOf([long]), {
        nameLimit: { maxLength: 26, overflow: 'truncate-at-word' },
      });
      expect(docsLines(content)).toEqual([
        'SSR DOCS AF HK1/////12MAY60/M//WOLFESCHLEGELSTEINHAUSEN/MARIA/DE LOS ANGELES-1.1',
      ]);
    });

    it('should refuse, naming the field, when the policy is to refuse', () => {
      expect(
        errorsOf(unitOf([CLAIRE, long]), { nameLimit: { maxLength: 30, overflow: 'refuse' } }),
      ).toEqual([
        {
          code: 'NAME_TOO_LONG',
          path: 'participants[1].participant.surname',
          participant: 1,
          field: 'participant.surname',
          rule: 'must be at most 30 characters',
        },
      ]);
    });

    it('should report a given name and a second name too long for one reason once', () => {
      const errors = errorsOf(
        unitOf([{ ...JEAN_LOIC, 'participant.givenNames': 'Maximiliane Konstantina' }]),
        { nameLimit: { maxLength: 5, overflow: 'refuse' } },
      );
      expect(errors.map((e) => [e.field, e.rule])).toEqual([
        ['participant.surname', 'must be at most 5 characters'],
        ['participant.givenNames', 'must be at most 5 characters'],
      ]);
    });

    it('should name the document spelling when that is what is too long', () => {
      const errors = errorsOf(unitOf([CLAIRE]), {
        nameLimit: { maxLength: 5, overflow: 'refuse' },
      });
      expect(errors.map((e) => [e.field, e.path])).toEqual([
        [
          'participant.documents.passport.nameOnDocument',
          'participants[0].participant.documents.passport.nameOnDocument.surname',
        ],
        [
          'participant.documents.passport.nameOnDocument',
          'participants[0].participant.documents.passport.nameOnDocument.givenNames',
        ],
      ]);
    });
  });

  describe('errors', () => {
    it('should map every problem to its participant index and field, never the value', () => {
      const errors = errorsOf(
        unitOf([
          CLAIRE,
          { ...JEAN_LOIC, 'participant.surname': 'Παπαδόπουλος' },
          {
            ...without(JEAN_LOIC, 'participant.dateOfBirth'),
            'participant.knownTravelerNumber': 'tt/123',
          },
        ]),
      );
      expect(errors.map((e) => [e.participant, e.field, e.code])).toEqual([
        [1, 'participant.surname', 'NAME_CHARACTER_REFUSED'],
        [2, 'participant.dateOfBirth', 'SFPD_VALUE_MISSING'],
        [2, 'participant.knownTravelerNumber', 'SFPD_VALUE_INVALID'],
      ]);
      const text = JSON.stringify(errors);
      expect(text).not.toContain('Παπαδόπουλος');
      expect(text).not.toContain('tt/123');
    });

    it('should name both name parts when neither can be written', () => {
      const errors = errorsOf(
        unitOf([{ ...JEAN_LOIC, 'participant.surname': '李', 'participant.givenNames': 'Анна' }]),
      );
      expect(errors.map((e) => [e.participant, e.field, e.path])).toEqual([
        [0, 'participant.surname', 'participants[0].participant.surname'],
        [0, 'participant.givenNames', 'participants[0].participant.givenNames'],
      ]);
    });

    it('should refuse a stored document spelling that is not A-Z', () => {
      const errors = errorsOf(
        unitOf([
          {
            ...CLAIRE,
            'participant.documents.passport.nameOnDocument': {
              surname: 'O/NEILL',
              givenNames: 'CLAIRE',
            },
          },
        ]),
      );
      expect(errors).toEqual([
        expect.objectContaining({
          code: 'NAME_ON_DOCUMENT_INVALID',
          participant: 0,
          field: 'participant.documents.passport.nameOnDocument',
        }),
      ]);
    });

    it('should report missing names only when no document spelling can stand in', () => {
      const nameless = without(CLAIRE, 'participant.surname', 'participant.givenNames');
      expect(docsLines(render(unitOf([nameless])))).toHaveLength(1);
      const undocumented = without(nameless, 'participant.documents.passport.nameOnDocument');
      expect(errorsOf(unitOf([undocumented])).map((e) => [e.code, e.field])).toEqual([
        ['SFPD_VALUE_MISSING', 'participant.surname'],
        ['SFPD_VALUE_MISSING', 'participant.givenNames'],
      ]);
    });

    it.each([
      ['flight.carrier', 'A/', 'flight.carrier'],
      ['flight.carrier', 'af', 'flight.carrier'],
      ['flight.flightNumber', '22/', 'flight.flightNumber'],
      ['flight.flightNumber', '.22', 'flight.flightNumber'],
      ['flight.pnr', 'K7Q-2X', 'flight.pnr'],
      [
        'flight.departure',
        { airport: 'C/G', scheduledAt: '2027-07-01T10:30:00+02:00' },
        'flight.departure.airport',
      ],
      [
        'flight.departure',
        { airport: 'CDG', scheduledAt: '2027-07-01T10:30:00' },
        'flight.departure.scheduledAt',
      ],
      ['flight.arrival', 'JFK', 'flight.arrival'],
      ['flight.arrival', { airport: 'JFK ' }, 'flight.arrival.airport'],
    ])('should refuse a unit whose %s breaks the SSR syntax or shape: %j', (field, value, path) => {
      const errors = errorsOf(unitOf([CLAIRE], { ...FLIGHT, [field]: value }));
      expect(errors).toEqual([
        expect.objectContaining({ code: 'SFPD_VALUE_INVALID', field, path }),
      ]);
      expect(errors[0]?.participant).toBeUndefined();
    });

    it.each([
      ['participant.redressNumber', '2027/0012'],
      ['participant.redressNumber', '2027-0012'],
      ['participant.knownTravelerNumber', 'TT 123'],
      ['participant.knownTravelerNumber', '.TT123'],
      ['participant.knownTravelerNumber', 'A'.repeat(26)],
    ])('should refuse a %s that is not letters and digits: %j', (field, value) => {
      expect(errorsOf(unitOf([{ ...CLAIRE, [field]: value }]))).toEqual([
        {
          code: 'SFPD_VALUE_INVALID',
          path: `participants[0].${field}`,
          participant: 0,
          field,
          rule: 'must be 1 to 25 upper-case letters or digits',
        },
      ]);
    });

    it('should report every missing unit value at once', () => {
      expect(errorsOf(unitOf([CLAIRE], {})).map((e) => [e.field, e.code])).toEqual([
        ['flight.carrier', 'SFPD_VALUE_MISSING'],
        ['flight.flightNumber', 'SFPD_VALUE_MISSING'],
        ['flight.departure', 'SFPD_VALUE_MISSING'],
        ['flight.arrival', 'SFPD_VALUE_MISSING'],
      ]);
    });

    it('should refuse an impossible date of birth', () => {
      expect(errorsOf(unitOf([{ ...CLAIRE, 'participant.dateOfBirth': '2011-02-30' }]))).toEqual([
        expect.objectContaining({ code: 'SFPD_VALUE_INVALID', field: 'participant.dateOfBirth' }),
      ]);
    });
  });

  describe('properties', () => {
    const MONTHS = [
      'JAN',
      'FEB',
      'MAR',
      'APR',
      'MAY',
      'JUN',
      'JUL',
      'AUG',
      'SEP',
      'OCT',
      'NOV',
      'DEC',
    ];

    /** A tiny DOCS reader (AIRIMP layout), independent of the writer. */
    function parseDocs(line: string): {
      carrier: string;
      dateOfBirth: string;
      gender: string;
      surname: string;
      given: string;
      second?: string;
      element: number;
    } {
      const match = /^SSR DOCS ([A-Z0-9]{2}) HK1\/(.*)-(\d+)\.1$/.exec(line);
      if (match === null) throw new Error('not a DOCS line');
      const slots = (match[2] ?? '').split('/');
      expect(slots.length === 9 || slots.length === 10).toBe(true);
      expect(slots.slice(0, 4)).toEqual(['', '', '', '']);
      expect(slots[6]).toBe('');
      const dob = /^(\d{2})([A-Z]{3})(\d{2})$/.exec(slots[4] ?? '');
      if (dob === null) throw new Error('not a DOB');
      const month = MONTHS.indexOf(dob[2] ?? '') + 1;
      expect(month).toBeGreaterThan(0);
      return {
        carrier: match[1] ?? '',
        dateOfBirth: `${dob[3] ?? ''}-${String(month).padStart(2, '0')}-${dob[1] ?? ''}`,
        gender: slots[5] ?? '',
        surname: slots[7] ?? '',
        given: slots[8] ?? '',
        ...(slots[9] === undefined ? {} : { second: slots[9] }),
        element: Number(match[3]),
      };
    }

    const tableLetters = [...ICAO_TRANSLITERATION.keys()];
    const word = fc
      .array(fc.constantFrom(...tableLetters), { minLength: 1, maxLength: 10 })
      .map((letters) => letters.join(''));
    const familyName = fc.array(word, { minLength: 1, maxLength: 3 }).chain((words) =>
      fc
        .array(fc.constantFrom(' ', '-', "'", '\u2019'), {
          minLength: words.length - 1,
          maxLength: words.length - 1,
        })
        .map((separators) =>
          words.map((w, i) => (i === 0 ? w : `${separators[i - 1] ?? ' '}${w}`)).join(''),
        ),
    );
    const icaoName = fc
      .array(fc.stringMatching(/^[A-Z]{1,10}$/), { minLength: 1, maxLength: 3 })
      .map((words) => words.join(' '));
    const isoDate = fc
      .record({
        year: fc.integer({ min: 1900, max: 2030 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 28 }),
      })
      .map(
        ({ year, month, day }) =>
          `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      );
    const passenger = fc.record({
      surname: familyName,
      givenNames: familyName,
      stored: fc.option(fc.record({ surname: icaoName, givenNames: icaoName }), { nil: undefined }),
      dateOfBirth: isoDate,
      gender: fc.constantFrom('M', 'F', 'X', 'U'),
    });

    it('should write DOCS lines that parse back to the names, DOB and gender put in', () => {
      fc.assert(
        fc.property(fc.array(passenger, { minLength: 1, maxLength: 6 }), (passengers) => {
          const content = render(
            unitOf(
              passengers.map((p) => ({
                'participant.surname': p.surname,
                'participant.givenNames': p.givenNames,
                ...(p.stored === undefined
                  ? {}
                  : { 'participant.documents.passport.nameOnDocument': p.stored }),
                'participant.dateOfBirth': p.dateOfBirth,
                'participant.gender': p.gender,
              })),
            ),
            { genders: ['M', 'F', 'X', 'U'] },
          );
          const lines = docsLines(content);
          expect(lines).toHaveLength(passengers.length);
          lines.forEach((line, index) => {
            const p = passengers[index]!;
            const name = documentNameOf({
              surname: p.surname,
              givenNames: p.givenNames,
              ...(p.stored === undefined ? {} : { nameOnDocument: p.stored }),
            });
            if (!name.ok) throw new Error('name refused');
            const { first, rest } = splitGivenNames(name.value.givenNames, p.givenNames);
            const parsed = parseDocs(line);
            expect(parsed).toEqual({
              carrier: 'AF',
              dateOfBirth: p.dateOfBirth.slice(2),
              gender: p.gender,
              surname: name.value.surname,
              given: first,
              ...(rest === undefined ? {} : { second: rest }),
              element: index + 1,
            });
            if (p.stored !== undefined) expect(parsed.surname).toBe(p.stored.surname);
          });
          for (const line of linesOf(content)) expect(line).toMatch(/^[A-Z0-9][A-Z0-9 /.-]*$/);
        }),
      );
    });
  });
});

describe('sfpdSsrFormat with maxPassengersPerPart', () => {
  /** Three letters for an index (0 → AAA), so that every passenger's surname is its own. */
  const lettersOf = (index: number): string =>
    [676, 26, 1].map((unit) => String.fromCharCode(65 + (Math.floor(index / unit) % 26))).join('');

  /** Passenger `index`: a surname of its own; every third with a redress number (DOCO). */
  const passengerOf = (index: number): Values => ({
    'participant.surname': `Martin ${lettersOf(index)}`,
    'participant.givenNames': 'Claire',
    'participant.dateOfBirth': '2011-03-04',
    'participant.gender': 'F',
    ...(index % 3 === 0 ? { 'participant.redressNumber': `R${String(index)}` } : {}),
  });
  const passengersOf = (count: number): Values[] =>
    Array.from({ length: count }, (_, index) => passengerOf(index));

  function filesOf(unit: MinimizedUnit, raw: Record<string, unknown>) {
    const result = sfpdSsrFormat.serialize(unit, optionsOf(raw), context);
    if (!result.ok) throw new Error(`serialize failed: ${JSON.stringify(result.errors)}`);
    return result.value;
  }

  /** The lines before the first SSR: the file's header. */
  const headerOf = (content: string): string[] => {
    const lines = linesOf(content);
    return lines.slice(
      0,
      lines.findIndex((line) => line.startsWith('SSR ')),
    );
  };
  /** The SSR lines without their name element: what must not change when a flight is split. */
  const ssrWithoutElement = (content: string): string[] =>
    linesOf(content)
      .filter((line) => line.startsWith('SSR '))
      .map((line) => line.replace(/-\d+\.1$/, ''));

  it.each([
    [2, 2],
    [2, 99],
    [99, 99],
  ])(
    'should write the one file of today, byte for byte, when %i passengers are within a cap of %i',
    (count, cap) => {
      const unit = unitOf(count === 2 ? [CLAIRE, JEAN_LOIC] : passengersOf(count));
      const [plain] = filesOf(unit, {});
      const files = filesOf(unit, { maxPassengersPerPart: cap });
      expect(files).toEqual([plain]);
      expect(files[0]?.suffix).toBe('txt');
      expect(files[0]?.content).not.toContain('PART ');
    },
  );

  it('should split 250 passengers at 99 into 3 complete files of 99, 99 and 52', () => {
    const files = filesOf(unitOf(passengersOf(250)), { maxPassengersPerPart: 99 });
    expect(files.map((file) => file.suffix)).toEqual(['part01.txt', 'part02.txt', 'part03.txt']);
    expect(files.map((file) => docsLines(file.content).length)).toEqual([99, 99, 52]);
    files.forEach((file, index) => {
      expect(file.mediaType).toBe('text/plain; charset=utf-8');
      expect(headerOf(file.content)).toEqual([
        'SECURE FLIGHT PASSENGER DATA',
        'FLIGHT AF22 CDG-JFK 01JUL27',
        `PART ${String(index + 1)} OF 3`,
        'GROUP PNR K7Q2ZX',
        `PASSENGERS ${String(docsLines(file.content).length)}`,
      ]);
      expect(file.content.endsWith('\r\nEND\r\n')).toBe(true);
      expect(file.content.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    });
  });

  it('should number the names from 1 in each part, DOCO lines with their passenger', () => {
    const files = filesOf(unitOf(passengersOf(250)), { maxPassengersPerPart: 99 });
    for (const file of files) {
      const ssr = linesOf(file.content).filter((line) => line.startsWith('SSR '));
      let element = 0;
      for (const line of ssr) {
        if (line.startsWith('SSR DOCS ')) element += 1;
        expect(line.endsWith(`-${String(element)}.1`)).toBe(true);
      }
      expect(element).toBe(docsLines(file.content).length);
    }
    expect(files[2]?.content).toContain('SSR DOCS AF HK1/////04MAR11/F//MARTIN AHQ/CLAIRE-1.1');
    expect(files[2]?.content).toContain('SSR DOCO AF HK1//R/R198///US-1.1');
  });

  it('should write every passenger exactly once across the parts, in the order of the unit', () => {
    const unit = unitOf(passengersOf(250));
    const [plain] = filesOf(unit, {});
    const files = filesOf(unit, { maxPassengersPerPart: 99 });
    expect(files.flatMap((file) => ssrWithoutElement(file.content))).toEqual(
      ssrWithoutElement(plain?.content ?? ''),
    );
    const surnames = files.flatMap((file) =>
      docsLines(file.content).map((line) => line.split('/')[8]),
    );
    expect(surnames).toEqual(
      Array.from({ length: 250 }, (_, index) => `MARTIN ${lettersOf(index)}`),
    );
  });

  it('should split any flight into full parts but the last, each within the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 20 }),
        (count, cap) => {
          const unit = unitOf(passengersOf(count));
          const [plain] = filesOf(unit, {});
          const files = filesOf(unit, { maxPassengersPerPart: cap });
          const sizes = files.map((file) => docsLines(file.content).length);
          if (count <= cap) {
            expect(files).toEqual([plain]);
            return;
          }
          expect(sizes).toEqual(
            Array.from({ length: Math.ceil(count / cap) }, (_, index) =>
              Math.min(cap, count - index * cap),
            ),
          );
          expect(files.flatMap((file) => ssrWithoutElement(file.content))).toEqual(
            ssrWithoutElement(plain?.content ?? ''),
          );
        },
      ),
    );
  });

  it('should leave out the GROUP PNR line of every part when the unit has no record locator', () => {
    const unit = unitOf(passengersOf(5), without(FLIGHT, 'flight.pnr'));
    const files = filesOf(unit, { maxPassengersPerPart: 2 });
    expect(files.map((file) => headerOf(file.content))).toEqual(
      [1, 2, 3].map((number) => [
        'SECURE FLIGHT PASSENGER DATA',
        'FLIGHT AF22 CDG-JFK 01JUL27',
        `PART ${String(number)} OF 3`,
        `PASSENGERS ${number === 3 ? '1' : '2'}`,
      ]),
    );
  });

  it('should number parts with three digits when the flight needs more than 99', () => {
    const files = filesOf(unitOf(passengersOf(100)), { maxPassengersPerPart: 1 });
    expect(files).toHaveLength(100);
    expect(files[0]?.suffix).toBe('part001.txt');
    expect(files[99]?.suffix).toBe('part100.txt');
    expect(headerOf(files[99]?.content ?? '')).toContain('PART 100 OF 100');
    const suffixes = files.map((file) => file.suffix);
    expect([...suffixes].sort()).toEqual(suffixes);
  });

  it('should stop the whole unit, every part, when a passenger of any part cannot be written', () => {
    const passengers = passengersOf(250);
    passengers[3] = { ...passengerOf(3), 'participant.surname': 'Παπαδόπουλος' };
    passengers[230] = without(passengerOf(230), 'participant.dateOfBirth');
    const errors = errorsOf(unitOf(passengers), { maxPassengersPerPart: 99 });
    expect(errors.map((error) => [error.participant, error.path, error.code])).toEqual([
      [3, 'participants[3].participant.surname', 'NAME_CHARACTER_REFUSED'],
      [230, 'participants[230].participant.dateOfBirth', 'SFPD_VALUE_MISSING'],
    ]);
    expect(JSON.stringify(errors)).not.toContain('Παπαδόπουλος');
  });

  it('should stop the unit when the flight cannot be written, however many parts', () => {
    const errors = errorsOf(unitOf(passengersOf(250), without(FLIGHT, 'flight.carrier')), {
      maxPassengersPerPart: 99,
    });
    expect(errors.map((error) => [error.path, error.code])).toEqual([
      ['flight.carrier', 'SFPD_VALUE_MISSING'],
    ]);
  });

  describe('the option', () => {
    it.each([1, 99, 999])('should take %i', (cap) => {
      expect(optionsOf({ maxPassengersPerPart: cap }).maxPassengersPerPart).toBe(cap);
    });

    it.each([
      [0, 'must be at least 1'],
      [1000, 'must be at most 999'],
      [-5, 'must be at least 1'],
      [12.5, 'must be int'],
      ['99', 'must be number'],
      [null, 'must be number'],
    ])('should refuse %j, naming the option', (value, rule) => {
      const result = sfpdSsrFormat.parseOptions({ maxPassengersPerPart: value });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toEqual([
        { code: 'FORMAT_OPTIONS_INVALID', path: 'maxPassengersPerPart', rule },
      ]);
    });
  });
});
