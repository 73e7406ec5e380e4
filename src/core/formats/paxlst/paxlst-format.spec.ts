import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findSegment,
  parseEdifact,
  segmentsNamed,
  type ParsedSegment,
} from '../../../../test/support/parse-edifact.js';
import type { FieldValue } from '../../fields/field-value.js';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import type { RenderContext } from '../payload-format.js';
import {
  buildSegment,
  DEFAULT_SERVICE_CHARACTERS,
  parseServiceCharacters,
  releaseData,
} from './edifact-syntax.js';
import { paxlstFormat, type PaxlstOptions } from './paxlst-format.js';

const context: RenderContext = { reference: 'K3X9A2', preparedAt: '2027-06-29T07:15:00Z' };

const BASE_OPTIONS = {
  directory: '05B',
  sender: { id: 'ASSOJEUNES', qualifier: 'ZZ' },
  recipient: { id: 'USCSAPIS', qualifier: 'ZZ' },
  applicationReference: 'APIS',
  genders: ['M', 'F', 'U', 'X'],
  reportingParty: { name: 'ASSO OPS', phone: '33 1 23 45 67 89' },
  destinationAddressCountries: ['USA'],
  clearanceCountries: ['USA'],
  documentCodeList: true,
};

function options(overrides: Record<string, unknown> = {}): PaxlstOptions {
  const parsed = paxlstFormat.parseOptions({ ...BASE_OPTIONS, ...overrides });
  if (!parsed.ok) throw new Error(`options: ${JSON.stringify(parsed.errors)}`);
  return parsed.value;
}

interface PassengerInput {
  surname?: string;
  givenNames?: string;
  nameOnDocument?: { surname: string; givenNames: string };
  gender?: string;
  dateOfBirth?: string;
  number?: string;
}

function passenger(i: number, input: PassengerInput = {}): { values: Record<string, FieldValue> } {
  return {
    values: {
      'participant.surname': input.surname ?? `Durand`,
      'participant.givenNames': input.givenNames ?? `Léa`,
      ...(input.nameOnDocument === undefined
        ? {}
        : { 'participant.documents.passport.nameOnDocument': input.nameOnDocument }),
      'participant.gender': input.gender ?? (i % 2 === 0 ? 'F' : 'M'),
      'participant.dateOfBirth': input.dateOfBirth ?? '2011-03-04',
      'participant.nationality': 'FRA',
      'participant.countryOfResidence': 'FRA',
      'participant.documents.passport.number': input.number ?? `P${String(100000 + i)}`,
      'participant.documents.passport.issuingCountry': 'FRA',
      'participant.documents.passport.expiryDate': '2031-03-03',
    },
  };
}

const hotel: FieldValue = {
  id: 'HTL-NYC',
  name: 'Riverside Youth Hostel',
  address: {
    lines: ['891 Amsterdam Avenue'],
    postalCode: '10025',
    city: 'New York',
    region: 'NY',
    country: 'USA',
  },
};

function flightUnit(
  passengers: { values: Record<string, FieldValue> }[],
  values: Record<string, FieldValue> = {},
): MinimizedUnit {
  return {
    contract: { id: 'us-apis', version: 1 },
    unitKind: 'flight',
    recipient: { id: 'AF', name: 'Air France' },
    fields: [],
    values: {
      'flight.carrier': 'AF',
      'flight.flightNumber': '22',
      'flight.departure': {
        airport: 'CDG',
        country: 'FRA',
        scheduledAt: '2027-07-01T10:30:00+02:00',
      },
      'flight.arrival': {
        airport: 'JFK',
        country: 'USA',
        scheduledAt: '2027-07-01T12:45:00-04:00',
      },
      'flight.pnr': 'K7Q2ZX',
      'flight.destinationAddress': hotel,
      ...values,
    },
    participants: passengers,
    rooms: [],
  };
}

function render(
  unit: MinimizedUnit,
  opts: PaxlstOptions = options(),
  ctx: RenderContext = context,
): string[] {
  const result = paxlstFormat.serialize(unit, opts, ctx);
  if (!result.ok) throw new Error(`serialize: ${JSON.stringify(result.errors)}`);
  return result.value.map((file) => file.content);
}

/** Checks a part's envelope and counts as a receiver would. */
function checkEnvelope(segments: readonly ParsedSegment[]): void {
  const unb = findSegment(segments, 'UNB');
  const unz = findSegment(segments, 'UNZ');
  const ung = findSegment(segments, 'UNG');
  const une = findSegment(segments, 'UNE');
  const unh = findSegment(segments, 'UNH');
  const unt = findSegment(segments, 'UNT');
  expect(unb?.elements[4]?.[0]).toBe(unz?.elements[1]?.[0]);
  expect(ung?.elements[4]?.[0]).toBe(une?.elements[1]?.[0]);
  expect(unh?.elements[0]?.[0]).toBe(unt?.elements[1]?.[0]);
  for (const reference of [unb?.elements[4]?.[0], ung?.elements[4]?.[0], unh?.elements[0]?.[0]]) {
    expect(reference?.length).toBeGreaterThan(0);
    expect(reference?.length).toBeLessThanOrEqual(14);
  }
  const names = segments.map((s) => s.name);
  const counted = names.indexOf('UNT') - names.indexOf('UNH') + 1;
  expect(unt?.elements[0]?.[0]).toBe(String(counted));
}

describe('edifact syntax', () => {
  it('should release every active service character and only those', () => {
    expect(releaseData("O'NEILL ?A+B:C*", DEFAULT_SERVICE_CHARACTERS)).toBe("O?'NEILL ??A?+B?:C*");
    const withRepetition = parseServiceCharacters(":+.?*'");
    expect(withRepetition).toBeDefined();
    if (withRepetition) expect(releaseData('APIS*ABE', withRepetition)).toBe('APIS?*ABE');
    const typeB = parseServiceCharacters(':(.) -');
    expect(typeB).toBeDefined();
    if (typeB) expect(releaseData("JEAN-LOIC O'NEILL", typeB)).toBe("JEAN)-LOIC O'NEILL");
  });

  it('should drop trailing empty components and elements but keep inner ones', () => {
    expect(
      buildSegment('NAD', ['FL', '', '', ['DOE', 'JOHN', '', '']], DEFAULT_SERVICE_CHARACTERS),
    ).toBe("NAD+FL+++DOE:JOHN'");
    expect(buildSegment('ATT', ['2', '', 'M'], DEFAULT_SERVICE_CHARACTERS)).toBe("ATT+2++M'");
  });

  it('should refuse service strings that reuse a character or leave level A', () => {
    expect(parseServiceCharacters("::.? '")).toBeUndefined();
    expect(parseServiceCharacters(':+.? @')).toBeUndefined();
    expect(parseServiceCharacters(':+.?')).toBeUndefined();
  });

  it('should refuse a service string whose space fills two positions (decimal mark and unused repetition)', () => {
    // A given character may fill only one UNA position (formats.md §1.2): a space already
    // says "repetition unused", so it cannot also be the decimal mark.
    expect(parseServiceCharacters(":+ ? '")).toBeUndefined();
    expect(paxlstFormat.parseOptions({ ...BASE_OPTIONS, serviceCharacters: ":+ ? '" }).ok).toBe(
      false,
    );
    // A decimal mark of its own beside an unused repetition is fine, as is `*` as repetition.
    expect(parseServiceCharacters(":+,? '")).toBeDefined();
    expect(parseServiceCharacters(":+.?*'")).toBeDefined();
  });
});

describe('paxlstFormat', () => {
  it('should write the worked example: one part 01:F with header, passengers, CNT and a right UNT', () => {
    const [part, ...rest] = render(
      flightUnit([
        passenger(0, {
          surname: "O'Neill",
          givenNames: 'Claire Marie',
          nameOnDocument: { surname: 'ONEILL', givenNames: 'CLAIRE MARIE' },
        }),
        passenger(1, { surname: 'Müller', givenNames: 'Jean-Loïc', dateOfBirth: '1985-06-17' }),
      ]),
    );
    expect(rest).toEqual([]);
    expect(part).toBe(
      [
        "UNA:+.? '",
        "UNB+UNOA:4+ASSOJEUNES:ZZ+USCSAPIS:ZZ+270629:0715+K3X9A201++APIS'",
        "UNG+PAXLST+ASSOJEUNES:ZZ+USCSAPIS:ZZ+270629:0715+K3X9A201+UN+D:05B'",
        "UNH+K3X9A201+PAXLST:D:05B:UN:IATA+AF22/270701/1030+01:F'",
        "BGM+745'",
        "NAD+MS+++ASSO OPS'",
        "COM+33 1 23 45 67 89:TE'",
        "TDT+20+AF22+++AF'",
        "LOC+125+CDG'",
        "DTM+189:2707011030:201'",
        "LOC+87+JFK'",
        "DTM+232:2707011245:201'",
        "NAD+FL+++ONEILL:CLAIRE:MARIE+891 AMSTERDAM AVENUE+NEW YORK+NY+10025+USA'",
        "ATT+2++F'",
        "DTM+329:110304'",
        "LOC+22+JFK'",
        "LOC+178+CDG'",
        "LOC+179+JFK'",
        "LOC+174+FRA'",
        "NAT+2+FRA'",
        "RFF+AVF:K7Q2ZX'",
        "DOC+P:110:111+P100000'",
        "DTM+36:310303'",
        "LOC+91+FRA'",
        "NAD+FL+++MUELLER:JEAN LOIC+891 AMSTERDAM AVENUE+NEW YORK+NY+10025+USA'",
        "ATT+2++M'",
        "DTM+329:850617'",
        "LOC+22+JFK'",
        "LOC+178+CDG'",
        "LOC+179+JFK'",
        "LOC+174+FRA'",
        "NAT+2+FRA'",
        "RFF+AVF:K7Q2ZX'",
        "DOC+P:110:111+P100001'",
        "DTM+36:310303'",
        "LOC+91+FRA'",
        "CNT+42:2'",
        "UNT+35+K3X9A201'",
        "UNE+1+K3X9A201'",
        "UNZ+1+K3X9A201'",
        '',
      ].join('\n'),
    );
    checkEnvelope(parseEdifact(part ?? ''));
  });

  it('should omit the destination address on a flight leaving the address countries, and LOC+22', () => {
    const unit = flightUnit([passenger(0)], {
      'flight.departure': {
        airport: 'JFK',
        country: 'USA',
        scheduledAt: '2027-07-11T18:30:00-04:00',
      },
      'flight.arrival': {
        airport: 'CDG',
        country: 'FRA',
        scheduledAt: '2027-07-12T07:55:00+02:00',
      },
    });
    const segments = parseEdifact(render(unit)[0] ?? '');
    expect(findSegment(segments, 'NAD', 'FL')?.elements).toEqual([
      ['FL'],
      [''],
      [''],
      ['DURAND', 'LEA'],
    ]);
    expect(findSegment(segments, 'LOC', '22')).toBeUndefined();
  });

  it.each([
    [15, ['01:F']],
    [16, ['01:C', '02:F']],
    [
      350,
      ['01:C', ...Array.from({ length: 22 }, (_, i) => String(i + 2).padStart(2, '0')), '24:F'],
    ],
  ])(
    'should split %i passengers into parts %j, each complete with the flight total',
    (count, flags) => {
      const parts = render(flightUnit(Array.from({ length: count }, (_, i) => passenger(i))));
      expect(parts).toHaveLength(flags.length);
      let seen = 0;
      parts.forEach((part, index) => {
        const segments = parseEdifact(part);
        checkEnvelope(segments);
        const unh = findSegment(segments, 'UNH');
        expect(unh?.elements[3]?.join(':')).toBe(flags[index]);
        expect(unh?.elements[2]?.[0]).toBe('AF22/270701/1030');
        expect(findSegment(segments, 'BGM')?.elements[0]?.[0]).toBe('745');
        expect(findSegment(segments, 'TDT')?.elements[1]?.[0]).toBe('AF22');
        // Every part repeats the reporting party and the flight's places and times.
        expect(findSegment(segments, 'NAD', 'MS')?.elements[3]).toEqual(['ASSO OPS']);
        expect(findSegment(segments, 'COM')?.elements[0]).toEqual(['33 1 23 45 67 89', 'TE']);
        expect(findSegment(segments, 'LOC', '125')?.elements[1]).toEqual(['CDG']);
        expect(findSegment(segments, 'LOC', '87')?.elements[1]).toEqual(['JFK']);
        expect(findSegment(segments, 'DTM', '189')?.elements[0]?.[1]).toBe('2707011030');
        expect(findSegment(segments, 'DTM', '232')?.elements[0]?.[1]).toBe('2707011245');
        expect(findSegment(segments, 'CNT')?.elements[0]).toEqual(['42', String(count)]);
        const onBoard = segmentsNamed(segments, 'NAD', 'FL').length;
        expect(onBoard).toBeLessThanOrEqual(15);
        seen += onBoard;
      });
      expect(seen).toBe(count);
    },
  );

  it('should split again when a part exceeds the byte limit, and no part may exceed it', () => {
    const unit = flightUnit(Array.from({ length: 40 }, (_, i) => passenger(i)));
    const parts = render(unit, options({ maxBytesPerPart: 3000 }));
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(3000);
    expect(
      parts.reduce((sum, part) => sum + segmentsNamed(parseEdifact(part), 'NAD', 'FL').length, 0),
    ).toBe(40);
  });

  it('should refuse a flight that needs more than 99 parts', () => {
    const unit = flightUnit(Array.from({ length: 100 }, (_, i) => passenger(i)));
    const result = paxlstFormat.serialize(unit, options({ maxPassengersPerPart: 1 }), context);
    expect(result.ok ? [] : result.errors.map((e) => e.rule)).toEqual([
      'the flight needs 100 parts; PAXLST allows at most 99',
    ]);
  });

  it('should write local times across midnight and across a daylight-saving change', () => {
    // Paris 23:50 on the last Saturday of October (summer time) → New York 01:40 local the next day.
    const unit = flightUnit([passenger(0)], {
      'flight.departure': {
        airport: 'CDG',
        country: 'FRA',
        scheduledAt: '2027-10-30T23:50:00+02:00',
      },
      'flight.arrival': {
        airport: 'JFK',
        country: 'USA',
        scheduledAt: '2027-10-31T01:40:00-04:00',
      },
    });
    const segments = parseEdifact(render(unit)[0] ?? '');
    expect(segmentsNamed(segments, 'DTM', '189')[0]?.elements[0]).toEqual([
      '189',
      '2710302350',
      '201',
    ]);
    expect(segmentsNamed(segments, 'DTM', '232')[0]?.elements[0]).toEqual([
      '232',
      '2710310140',
      '201',
    ]);
    // The day after the change Paris is on winter time (+01:00): still the clock as written.
    const after = flightUnit([passenger(0)], {
      'flight.departure': {
        airport: 'CDG',
        country: 'FRA',
        scheduledAt: '2027-10-31T02:30:00+01:00',
      },
      'flight.arrival': {
        airport: 'JFK',
        country: 'USA',
        scheduledAt: '2027-10-31T05:10:00-04:00',
      },
    });
    const afterSegments = parseEdifact(render(after)[0] ?? '');
    expect(findSegment(afterSegments, 'UNH')?.elements[2]?.[0]).toBe('AF22/271031/0230');
    expect(segmentsNamed(afterSegments, 'DTM', '189')[0]?.elements[0]?.[1]).toBe('2710310230');
  });

  it('should keep a hyphenated given name whole in component 2, from either spelling', () => {
    const [part] = render(
      flightUnit([
        passenger(0, { surname: 'Lefèvre', givenNames: 'Jean-Loïc' }),
        passenger(1, {
          surname: 'Lefèvre',
          givenNames: 'Jean-Loïc Marie',
          nameOnDocument: { surname: 'LEFEVRE', givenNames: 'JEAN LOIC MARIE' },
        }),
        passenger(2, { surname: 'Lefèvre', givenNames: 'Claire Marie-Anne' }),
      ]),
    );
    expect(
      segmentsNamed(parseEdifact(part ?? ''), 'NAD', 'FL').map((nad) => nad.elements[3]),
    ).toEqual([
      ['LEFEVRE', 'JEAN LOIC'],
      ['LEFEVRE', 'JEAN LOIC', 'MARIE'],
      ['LEFEVRE', 'CLAIRE', 'MARIE ANNE'],
    ]);
  });

  it('should release an apostrophe in free text and the name under a custom UNA', () => {
    const parts = render(
      flightUnit([passenger(0, { surname: 'Dupont-Durand', givenNames: 'Jean-Loïc' })]),
      options({ serviceCharacters: ':(.) -', reportingParty: { name: "ASSO D'ETE (OPS)" } }),
    );
    const part = parts[0] ?? '';
    expect(part.startsWith('UNA:(.) -')).toBe(true);
    expect(part).toContain("NAD(MS(((ASSO D'ETE )(OPS))-");
    const segments = parseEdifact(part);
    expect(findSegment(segments, 'NAD', 'MS')?.elements[3]).toEqual(["ASSO D'ETE (OPS)"]);
    checkEnvelope(segments);
  });

  it('should report a gender the recipient does not accept, for that passenger only', () => {
    const result = paxlstFormat.serialize(
      flightUnit([passenger(0), passenger(1, { gender: 'X' })]),
      options({ genders: ['M', 'F'] }),
      context,
    );
    expect(result.ok ? [] : result.errors).toEqual([
      {
        code: 'PAXLST_DATA',
        path: 'participant.gender',
        field: 'participant.gender',
        rule: 'the recipient accepts only M, F',
        participant: 1,
      },
    ]);
  });

  it('should refuse a name level A cannot write instead of dropping characters', () => {
    const result = paxlstFormat.serialize(
      flightUnit([passenger(0, { surname: 'Παπαδόπουλος' })]),
      options(),
      context,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]).toMatchObject({ participant: 0, field: 'participant.surname' });
      expect(JSON.stringify(result.errors)).not.toContain('Παπαδόπουλος');
    }
  });

  it('should refuse a name component longer than 35 characters rather than shorten it', () => {
    const long = 'Wolfeschlegelsteinhausenbergerdorff Senior';
    const result = paxlstFormat.serialize(
      flightUnit([passenger(0), passenger(1, { surname: long })]),
      options(),
      context,
    );
    expect(result.ok ? [] : result.errors).toEqual([
      expect.objectContaining({
        participant: 1,
        field: 'participant.surname',
        rule: 'must be at most 35 characters',
      }),
    ]);
  });

  it('should refuse a missing required value and a bad interchange reference', () => {
    const incomplete = passenger(0);
    delete incomplete.values['participant.documents.passport.number'];
    const result = paxlstFormat.serialize(flightUnit([incomplete]), options(), context);
    expect(
      result.ok
        ? []
        : result.errors.map((e) => `${e.participant ?? ''} ${e.field ?? ''} ${e.rule}`),
    ).toEqual(['0 participant.documents.passport.number required']);
    expect(
      paxlstFormat.serialize(flightUnit([passenger(0)]), options(), {
        ...context,
        reference: 'preview-flight:F1',
      }).ok,
    ).toBe(false);
  });

  it('should refuse options that break level A', () => {
    expect(
      paxlstFormat.parseOptions({ ...BASE_OPTIONS, reportingParty: { name: 'Asso ops' } }).ok,
    ).toBe(false);
    expect(paxlstFormat.parseOptions({ ...BASE_OPTIONS, serviceCharacters: "::.? '" }).ok).toBe(
      false,
    );
    expect(paxlstFormat.parseOptions({ ...BASE_OPTIONS, colour: 'red' }).ok).toBe(false);
  });
});

describe('paxlstFormat rules of the guide (formats.md §1, §8)', () => {
  const bare = (input: PassengerInput = {}): { values: Record<string, FieldValue> } => {
    const { values } = passenger(0, input);
    delete values['participant.countryOfResidence'];
    return { values };
  };

  it('should count UNT right when a passenger has none of the optional segments', () => {
    // No residence (LOC+174), no PNR (RFF+AVF), a departure from the USA (no LOC+22, no
    // destination address): the count must follow what is written, not a fixed formula.
    const withPnr = flightUnit([bare(), passenger(1)], {
      'flight.departure': {
        airport: 'JFK',
        country: 'USA',
        scheduledAt: '2027-07-11T18:30:00-04:00',
      },
      'flight.arrival': {
        airport: 'CDG',
        country: 'FRA',
        scheduledAt: '2027-07-12T07:55:00+02:00',
      },
    });
    const values = Object.fromEntries(
      Object.entries(withPnr.values).filter(([id]) => id !== 'flight.pnr'),
    );
    const unit: MinimizedUnit = { ...withPnr, values };
    const segments = parseEdifact(render(unit)[0] ?? '');
    checkEnvelope(segments);
    expect(segmentsNamed(segments, 'RFF')).toEqual([]);
    expect(segmentsNamed(segments, 'LOC', '174')).toHaveLength(1);
    expect(findSegment(segments, 'UNT')?.elements[0]).toEqual(['30']);
  });

  it('should refuse a document number longer than 35 characters and a flight id longer than 17', () => {
    const longNumber = paxlstFormat.serialize(
      flightUnit([passenger(0, { number: 'A'.repeat(36) })]),
      options(),
      context,
    );
    expect(
      longNumber.ok ? [] : longNumber.errors.map((e) => `${e.participant} ${e.field}`),
    ).toEqual(['0 participant.documents.passport.number']);
    expect(
      paxlstFormat.serialize(
        flightUnit([passenger(0, { number: 'A'.repeat(35) })]),
        options(),
        context,
      ).ok,
    ).toBe(true);
    const longFlight = paxlstFormat.serialize(
      flightUnit([passenger(0)], { 'flight.flightNumber': '1'.repeat(16) }),
      options(),
      context,
    );
    expect(longFlight.ok ? [] : longFlight.errors.map((e) => e.field)).toEqual([
      'flight.flightNumber',
    ]);
    expect(
      paxlstFormat.serialize(
        flightUnit([passenger(0)], { 'flight.flightNumber': '1'.repeat(15) }),
        options(),
        context,
      ).ok,
    ).toBe(true);
  });

  it('should date UNB and UNG in UTC, YYMMDD:HHMM, when the preparation time has another offset', () => {
    const [part] = render(flightUnit([passenger(0)]), options(), {
      ...context,
      preparedAt: '2027-06-30T01:05:00+02:00',
    });
    const segments = parseEdifact(part ?? '');
    expect(findSegment(segments, 'UNB')?.elements[3]).toEqual(['270629', '2305']);
    expect(findSegment(segments, 'UNG')?.elements[3]).toEqual(['270629', '2305']);
  });

  it('should write the reporting e-mail in level A as NAME.AT.DOMAIN, which a UNOA reader accepts', () => {
    const [part] = render(
      flightUnit([passenger(0)]),
      options({
        reportingParty: {
          name: 'ASSO OPS',
          phone: '33 1 23 45 67 89',
          email: 'ops@asso-jeunes.fr',
        },
      }),
    );
    expect(part).not.toContain('@');
    expect(findSegment(parseEdifact(part ?? ''), 'COM')?.elements).toEqual([
      ['33 1 23 45 67 89', 'TE'],
      ['OPS.AT.ASSO-JEUNES.FR', 'EM'],
    ]);
    expect(() => parseEdifact((part ?? '').replace('.AT.', '@'))).toThrow();
  });

  it('should write the DOB as YYMMDD, leaving the century to the reader, leap days included', () => {
    const [part] = render(
      flightUnit([
        passenger(0, { dateOfBirth: '2024-12-31' }),
        passenger(1, { dateOfBirth: '1924-12-31' }),
        passenger(2, { dateOfBirth: '2000-02-29' }),
        passenger(3, { dateOfBirth: '2004-02-29' }),
      ]),
    );
    expect(
      segmentsNamed(parseEdifact(part ?? ''), 'DTM', '329').map((dtm) => dtm.elements[0]),
    ).toEqual([
      ['329', '241231'],
      ['329', '241231'],
      ['329', '000229'],
      ['329', '040229'],
    ]);
  });

  it('should write no line break at all when asked, and no UNG/UNE without a group', () => {
    const [part] = render(
      flightUnit([passenger(0), passenger(1)]),
      options({ lineBreaks: false, group: false }),
    );
    expect(part).not.toMatch(/[\r\n]/);
    const segments = parseEdifact(part ?? '');
    expect(segments.map((s) => s.name).filter((name) => name.startsWith('UN'))).toEqual([
      'UNB',
      'UNH',
      'UNT',
      'UNZ',
    ]);
    // Without UNG, UNZ counts the messages of the interchange: one.
    expect(findSegment(segments, 'UNZ')?.elements).toEqual([['1'], ['K3X9A201']]);
    expect(findSegment(segments, 'UNT')?.elements).toEqual([['35'], ['K3X9A201']]);
  });

  it('should accept exactly 99 parts, the last 99:F', () => {
    const unit = flightUnit(Array.from({ length: 99 }, (_, i) => passenger(i)));
    const result = paxlstFormat.serialize(unit, options({ maxPassengersPerPart: 1 }), context);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toHaveLength(99);
    expect(result.value[98]?.suffix).toBe('part99.edi');
    expect(findSegment(parseEdifact(result.value[98]?.content ?? ''), 'UNH')?.elements[3]).toEqual([
      '99',
      'F',
    ]);
  });

  it('should write no message for a flight without passengers (the sender cancels such a unit)', () => {
    expect(paxlstFormat.serialize(flightUnit([]), options(), context)).toEqual({
      ok: true,
      value: [],
    });
  });

  it('should keep * as data when repetition is off, and release it when the UNA makes it active', () => {
    const sender = { sender: { id: 'APIS*ABE', qualifier: 'ZZ' } };
    const [plain] = render(flightUnit([passenger(0)]), options(sender));
    expect(plain).toContain('UNB+UNOA:4+APIS*ABE:ZZ+');
    expect(findSegment(parseEdifact(plain ?? ''), 'UNB')?.elements[1]).toEqual(['APIS*ABE', 'ZZ']);
    const [repeating] = render(
      flightUnit([passenger(0)]),
      options({ ...sender, serviceCharacters: ":+.?*'" }),
    );
    expect(repeating?.startsWith(":+.?*'", 3)).toBe(true);
    expect(repeating).toContain('UNB+UNOA:4+APIS?*ABE:ZZ+');
    expect(repeating).toContain('UNG+PAXLST+APIS?*ABE:ZZ+');
  });

  it('should refuse countries that are not ISO 3166 alpha-3 (a BPOL generator writes D for Germany)', () => {
    const fields = [
      'participant.nationality',
      'participant.documents.passport.issuingCountry',
      'participant.countryOfResidence',
    ];
    for (const field of fields) {
      for (const code of ['D', 'DE', 'Deu']) {
        const german = passenger(0);
        german.values[field] = code;
        const result = paxlstFormat.serialize(flightUnit([german]), options(), context);
        expect(result.ok ? [] : result.errors.map((e) => `${e.participant} ${e.field}`)).toEqual([
          `0 ${field}`,
        ]);
      }
    }
  });

  it('should refuse a destination address whose country is not ISO 3166 alpha-3 (NAD 3207 an..3)', () => {
    for (const country of ['US', 'United States', 'U?S']) {
      const result = paxlstFormat.serialize(
        flightUnit([passenger(0)], {
          'flight.destinationAddress': {
            id: 'H',
            name: 'H',
            address: { lines: ['1 Main Street'], city: 'New York', country },
          },
        }),
        options(),
        context,
      );
      expect(result.ok ? [] : result.errors.map((e) => `${e.field} ${e.rule}`)).toEqual([
        'flight.destinationAddress the country must be ISO 3166-1 alpha-3',
      ]);
    }
  });

  it('should refuse a flight time that is not an instant with its explicit offset, rather than write a broken DTM', () => {
    for (const scheduledAt of ['2027-07-01', '2027-07-01T10:30:00', 'tomorrow']) {
      const result = paxlstFormat.serialize(
        flightUnit([passenger(0)], {
          'flight.departure': { airport: 'CDG', country: 'FRA', scheduledAt },
        }),
        options(),
        context,
      );
      expect(result.ok ? [] : result.errors.map((e) => `${e.path} ${e.rule}`)).toEqual([
        'flight.departure.scheduledAt must be an ISO 8601 instant with an explicit offset',
      ]);
    }
  });

  it('should refuse address text level A cannot write rather than drop it, and fold accents', () => {
    const withAddress = (line: string): MinimizedUnit =>
      flightUnit([passenger(0)], {
        'flight.destinationAddress': {
          id: 'H',
          name: 'H',
          address: { lines: [line], city: 'Montréal', country: 'USA' },
        },
      });
    for (const line of ['Suite #5', 'ops@hotel', 'a_b']) {
      const result = paxlstFormat.serialize(withAddress(line), options(), context);
      expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual([
        'flight.destinationAddress',
      ]);
      expect(JSON.stringify(result)).not.toContain(line);
    }
    const [part] = render(withAddress('Rue de l’Église'));
    expect(findSegment(parseEdifact(part ?? ''), 'NAD', 'FL')?.elements.slice(4, 6)).toEqual([
      ["RUE DE L'EGLISE"],
      ['MONTREAL'],
    ]);
  });
});

describe('paxlstFormat round trip (property-based, independent parser)', () => {
  const latinLetters = 'abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿñåæøßœ';
  const nameWord = fc
    .array(fc.constantFrom(...latinLetters.split('')), { minLength: 1, maxLength: 8 })
    .map((c) => c.join(''));
  const arbName = fc
    .tuple(
      nameWord,
      fc.array(fc.tuple(fc.constantFrom("'", '’', '-', ' '), nameWord), { maxLength: 3 }),
    )
    .map(([first, rest]) => first + rest.map(([sep, word]) => sep + word).join(''))
    // Longer names are refused, not shortened (a test of its own below).
    .filter((name) => mrz(name).length <= 35);
  const freeText = fc
    .array(fc.constantFrom(..."ABCDEFGHIJ0123456789 ?+:'.,-()/".split('')), {
      minLength: 1,
      maxLength: 30,
    })
    .map((c) => c.join('').trim())
    .filter((t) => /[A-Z0-9]/.test(t));

  it('should parse back to the values put in, with names full of apostrophes and hyphens and free text full of service characters', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            surname: arbName,
            givenNames: arbName,
            gender: fc.constantFrom('M', 'F'),
            dateOfBirth: fc.constantFrom('1960-02-29', '2011-03-04', '2000-12-31'),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        freeText,
        freeText,
        // node-edifact reads only UNAs with repetition off; `*` as repetition is covered above.
        fc.constantFrom(":+.? '", ':(.) -', ":+,? '"),
        (people, partyName, street, serviceCharacters) => {
          const unit = flightUnit(
            people.map((p, i) => passenger(i, p)),
            {
              'flight.destinationAddress': {
                id: 'H',
                name: 'H',
                address: { lines: [street.slice(0, 35)], city: 'NEW YORK', country: 'USA' },
              },
            },
          );
          const parts = render(
            unit,
            options({ serviceCharacters, reportingParty: { name: partyName.slice(0, 35) } }),
          );
          const parsed = parts.map((part) => parseEdifact(part));
          parsed.forEach(checkEnvelope);
          const nads = parsed.flatMap((segments) => segmentsNamed(segments, 'NAD', 'FL'));
          expect(nads).toHaveLength(people.length);
          nads.forEach((nad, i) => {
            const person = people[i];
            const name = nad.elements[3] ?? [];
            // The MRZ form: upper case, apostrophes gone, hyphens and spaces as spaces; the
            // first given name whole in component 2 (`JEAN LOIC`), the others in 3.
            expect(name[0]).toBe(mrz(person?.surname ?? ''));
            const [first = '', ...others] = (person?.givenNames ?? '').split(' ');
            expect(name[1]).toBe(mrz(first));
            expect(name[2] ?? '').toBe(mrz(others.join(' ')));
            expect(nad.elements[4]).toEqual([street.slice(0, 35).trim()]);
          });
          for (const segments of parsed)
            expect(findSegment(segments, 'NAD', 'MS')?.elements[3]).toEqual([
              partyName.slice(0, 35),
            ]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The test's own ICAO folding for the letters it generates. */
function mrz(name: string): string {
  const table: Record<string, string> = {
    ä: 'AE',
    ö: 'OE',
    ü: 'UE',
    å: 'AA',
    æ: 'AE',
    ø: 'OE',
    ß: 'SS',
    œ: 'OE',
  };
  return name
    .split('')
    .map((c) => table[c] ?? c)
    .join('')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/['’]/g, '')
    .replace(/-/g, ' ')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .trim();
}
