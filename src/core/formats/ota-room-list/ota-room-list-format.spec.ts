import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { validateOtaDocuments } from '../../../../test/support/validate-ota.js';
import type { FieldValue } from '../../fields/field-value.js';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import type { RenderContext } from '../payload-format.js';
import { deriveGroupBlockCode, otaRoomListFormat } from './ota-room-list-format.js';

const context: RenderContext = { reference: 'RL0000001', preparedAt: '2027-06-24T09:30:00+02:00' };

const HOTEL = {
  id: 'NYC-HTL-01',
  name: 'Hôtel Smith & Sons <Le "Lac"> l\'Étoile',
  address: { lines: ['891 Amsterdam Avenue'], city: 'New York', country: 'USA' },
};

type Values = Record<string, FieldValue>;

/** A stay unit: participants by their values, rooms as `[values, occupant indexes]`. */
function stayUnit(
  participants: Values[],
  rooms: [Values, number[]][] = [],
  values: Values = {},
): MinimizedUnit {
  return {
    contract: { id: 'hotel-rooming-list', version: 1 },
    unitKind: 'stay',
    recipient: { id: HOTEL.id, name: HOTEL.name },
    fields: [],
    values: {
      'stay.hotel': HOTEL,
      'stay.checkIn': '2027-07-01',
      'stay.checkOut': '2027-07-05',
      ...values,
    },
    participants: participants.map((p) => ({ values: p })),
    rooms: rooms.map(([roomValues, occupants]) => ({ values: roomValues, occupants })),
  };
}

const guest = (givenNames: string, surname: string, more: Values = {}): Values => ({
  'participant.givenNames': givenNames,
  'participant.surname': surname,
  ...more,
});

/** Every document the tests produce, validated against the XSD after the suite. */
const produced: string[] = [];

function render(
  unit: MinimizedUnit,
  raw: Record<string, unknown> = {},
  renderContext: RenderContext = context,
): string {
  const options = otaRoomListFormat.parseOptions(raw);
  if (!options.ok) throw new Error(`options: ${JSON.stringify(options.errors)}`);
  const result = otaRoomListFormat.serialize(unit, options.value, renderContext);
  if (!result.ok) throw new Error(`serialize: ${JSON.stringify(result.errors)}`);
  const [file, ...rest] = result.value;
  if (file === undefined || rest.length > 0) throw new Error('expected one file');
  produced.push(file.content);
  return file.content;
}

function errorsOf(unit: MinimizedUnit, raw: Record<string, unknown> = {}) {
  const options = otaRoomListFormat.parseOptions(raw);
  if (!options.ok) throw new Error('options');
  const result = otaRoomListFormat.serialize(unit, options.value, context);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) =>
    ['Guest', 'RoomStay', 'GuestRPH', 'GuestCount', 'AdditionalDetail'].includes(name),
});

interface Parsed {
  OTA_HotelRoomListRQ: Record<string, unknown> & {
    HotelRoomLists: { HotelRoomList: Record<string, unknown> & ParsedList };
  };
}
interface ParsedList {
  Guests?: { Guest: Record<string, unknown>[] };
  RoomStays?: { RoomStay: Record<string, unknown>[] };
}
const parse = (xml: string): Parsed => parser.parse(xml) as Parsed;
const roomListOf = (xml: string) => parse(xml).OTA_HotelRoomListRQ.HotelRoomLists.HotelRoomList;

/** Every attribute value and text of a document, in document order. */
function valuesIn(node: unknown): string[] {
  if (typeof node === 'string') return [node.trim()].filter((text) => text !== '');
  if (Array.isArray(node)) return node.flatMap(valuesIn);
  if (typeof node === 'object' && node !== null) return Object.values(node).flatMap(valuesIn);
  return [];
}

const family = stayUnit(
  [
    guest('Hélène', 'Müller-Durand', { 'participant.isMinor': false }),
    guest('Siobhán', 'O’Neill', { 'participant.isMinor': true, 'participant.meal': 'KSML' }),
    guest('Jean-Loïc', 'Dupont', {
      'participant.isMinor': false,
      'participant.accessibleRoom': true,
    }),
    guest('Zoé', 'Lefèvre', { 'participant.isMinor': true, 'participant.accessibleRoom': true }),
  ],
  [
    [{ 'room.id': 'R1', 'room.type': 'TWN' }, [0, 1]],
    [{ 'room.id': 'R2', 'room.type': 'SGL' }, [2]],
  ],
);

describe('otaRoomListFormat', () => {
  afterAll(async () => {
    const results = await validateOtaDocuments(produced);
    const invalid = results.flatMap((result, index) =>
      result.valid ? [] : [{ document: produced[index], errors: result.errors }],
    );
    expect(invalid).toEqual([]);
  }, 30_000);

  it('should declare what it emits and requires when asked by the linter', () => {
    const options = otaRoomListFormat.parseOptions({});
    if (!options.ok) throw new Error('options');
    expect(otaRoomListFormat.units).toEqual(['stay']);
    expect(otaRoomListFormat.requires(options.value)).toEqual([
      'participant.surname',
      'participant.givenNames',
      'stay.hotel',
      'stay.checkIn',
      'stay.checkOut',
    ]);
    expect(otaRoomListFormat.emits(options.value)).toEqual([
      'participant.surname',
      'participant.givenNames',
      'participant.isMinor',
      'participant.meal',
      'participant.accessibleRoom',
      'room.id',
      'room.type',
      'room.occupants',
      'stay.hotel',
      'stay.checkIn',
      'stay.checkOut',
    ]);
  });

  it('should validate against the OTA 2017B schema when the list has rooms, minors, a meal and accessible requests', async () => {
    const [result] = await validateOtaDocuments([render(family)]);
    expect(result).toEqual({ valid: true, errors: [] });
  }, 10_000);

  it('should write one UTF-8 XML file with the declaration, namespace, version and context when serializing a stay', () => {
    const options = otaRoomListFormat.parseOptions({});
    if (!options.ok) throw new Error('options');
    const result = otaRoomListFormat.serialize(family, options.value, context);
    expect(
      result.ok && result.value.map(({ suffix, mediaType }) => ({ suffix, mediaType })),
    ).toEqual([{ suffix: 'xml', mediaType: 'application/xml; charset=utf-8' }]);
    const xml = render(family);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><OTA_HotelRoomListRQ ')).toBe(
      true,
    );
    const root = parse(xml).OTA_HotelRoomListRQ;
    expect(root['@xmlns']).toBe('http://www.opentravel.org/OTA/2003/05');
    expect(root['@Version']).toBe('6.000');
    expect(root['@EchoToken']).toBe('RL0000001');
    expect(root['@TimeStamp']).toBe('2027-06-24T09:30:00+02:00');
  });

  it('should name the hotel and the block when the unit gives the hotel', () => {
    const list = roomListOf(render(family, { groupBlockCode: 'GRP-NYC-27', chainCode: 'SW' }));
    expect(list['@HotelCode']).toBe('NYC-HTL-01');
    expect(list['@HotelName']).toBe(HOTEL.name);
    expect(list['@GroupBlockCode']).toBe('GRP-NYC-27');
    expect(list['@ChainCode']).toBe('SW');
  });

  it('should derive a stable block code of at most 16 characters when the contract gives none', () => {
    expect(roomListOf(render(family))['@GroupBlockCode']).toBe('RL0000001');
    const long = 'hotel-rooming-list:stay:S1:2027-06-24';
    const code = deriveGroupBlockCode(long);
    expect(code).toHaveLength(16);
    expect(deriveGroupBlockCode(long)).toBe(code);
    expect(deriveGroupBlockCode(`${long}x`)).not.toBe(code);
    const list = roomListOf(render(family, {}, { ...context, reference: long }));
    expect(list['@GroupBlockCode']).toBe(code);
  });

  it('should list one guest per participant, with an RPH by position and names only, when the unit has participants', () => {
    const guests = roomListOf(render(family)).Guests?.Guest ?? [];
    expect(guests.map((g) => [g['@RPH'], g.PersonName])).toEqual([
      ['1', { GivenName: 'Hélène', Surname: 'Müller-Durand' }],
      ['2', { GivenName: 'Siobhán', Surname: 'O’Neill' }],
      ['3', { GivenName: 'Jean-Loïc', Surname: 'Dupont' }],
      ['4', { GivenName: 'Zoé', Surname: 'Lefèvre' }],
    ]);
    for (const g of guests) {
      expect(g['@ShareMarketInd']).toBe('No');
      expect(g['@ShareSynchInd']).toBe('No');
      expect(Object.keys(g).filter((key) => /birth|age$|document/i.test(key))).toEqual([]);
    }
  });

  it('should keep accents in UTF-8 and escape XML characters when names and the hotel name hold them', () => {
    const unit = stayUnit([guest('Hélène "Léa"', "O'Brien & <Sons>")], [[{}, [0]]]);
    const xml = render(unit);
    expect(xml).toContain('<Surname>O&apos;Brien &amp; &lt;Sons&gt;</Surname>');
    expect(xml).toContain('<GivenName>Hélène &quot;Léa&quot;</GivenName>');
    expect(xml).toContain(
      'HotelName="Hôtel Smith &amp; Sons &lt;Le &quot;Lac&quot;&gt; l&apos;Étoile"',
    );
    const [parsed] = roomListOf(xml).Guests?.Guest ?? [];
    expect(parsed?.PersonName).toEqual({
      GivenName: 'Hélène "Léa"',
      Surname: "O'Brien & <Sons>",
    });
  });

  it('should write tabs and line breaks as character references when an attribute value holds them', () => {
    const hotel = { ...HOTEL, name: 'Hôtel\tdu\nLac\r' };
    const xml = render(stayUnit([guest('Ana', 'Silva')], [], { 'stay.hotel': hotel }));
    expect(xml).toContain('HotelName="Hôtel&#x9;du&#xA;Lac&#xD;"');
  });

  it('should describe each room type in words when the rooms have every type', () => {
    const types = ['SGL', 'TWN', 'DBL', 'TRP', 'QUAD', 'DORM'];
    const unit = stayUnit(
      types.map((type) => guest('Ana', type)),
      types.map((type, index): [Values, number[]] => [{ 'room.type': type }, [index]]),
    );
    const stays = roomListOf(render(unit)).RoomStays?.RoomStay ?? [];
    expect(stays.map((stay) => valuesIn(stay.RoomTypes).sort())).toEqual([
      ['SGL', 'Single room'],
      ['TWN', 'Twin room (two separate beds)'],
      ['DBL', 'Double room (one double bed)'],
      ['TRP', 'Triple room'],
      ['QUAD', 'Quadruple room'],
      ['DORM', 'Dormitory (shared room)', 'true'],
    ]);
  });

  it('should write a list without guests or rooms when the unit has no participants', () => {
    const list = roomListOf(render(stayUnit([])));
    expect(list.Guests).toBeUndefined();
    expect(list.RoomStays).toBeUndefined();
  });

  it('should write the attribute value true when a room is a dormitory', () => {
    const xml = render(stayUnit([guest('Ana', 'Silva')], [[{ 'room.type': 'DORM' }, [0]]]));
    expect(xml).toContain('RoomType="DORM" SharedRoomInd="true"');
  });

  it('should group room sharers with GuestRPH text, dates and the room type when the unit has rooms', () => {
    const [twin, single] = roomListOf(render(family)).RoomStays?.RoomStay ?? [];
    expect(twin?.RoomShares).toEqual({ RoomShare: { GuestRPHs: { GuestRPH: ['1', '2'] } } });
    expect(twin?.TimeSpan).toEqual({ '@Start': '2027-07-01', '@End': '2027-07-05' });
    expect(twin?.RoomTypes).toEqual({
      RoomType: { '@RoomType': 'TWN', RoomDescription: { Text: 'Twin room (two separate beds)' } },
    });
    expect(twin?.UniqueID).toEqual({ '@Type': '16', '@ID': 'R1' });
    expect(single?.RoomShares).toEqual({ RoomShare: { GuestRPHs: { GuestRPH: ['3'] } } });
  });

  it('should give each room guest an age band, 8 for a minor and 10 otherwise, when the minor flag is allowed', () => {
    const [twin] = roomListOf(render(family)).RoomStays?.RoomStay ?? [];
    expect(twin?.GuestCounts).toEqual({
      GuestCount: [
        { '@AgeQualifyingCode': '10', '@Count': '1', '@ResGuestRPH': '1' },
        { '@AgeQualifyingCode': '8', '@Count': '1', '@ResGuestRPH': '2' },
      ],
    });
  });

  it('should count room guests without an age band when the minor flag is not in the unit', () => {
    const xml = render(stayUnit([guest('Ana', 'Silva'), guest('Rui', 'Costa')], [[{}, [0, 1]]]));
    const [room] = roomListOf(xml).RoomStays?.RoomStay ?? [];
    expect(room?.GuestCounts).toEqual({
      GuestCount: [
        { '@Count': '1', '@ResGuestRPH': '1' },
        { '@Count': '1', '@ResGuestRPH': '2' },
      ],
    });
    expect(xml).not.toContain('AgeQualifyingCode');
  });

  it('should request an accessible room as a room amenity when a room guest needs one', () => {
    const xml = render(family);
    const [, single] = roomListOf(xml).RoomStays?.RoomStay ?? [];
    expect(single?.RoomTypes).toEqual({
      RoomType: {
        '@RoomType': 'SGL',
        RoomDescription: { Text: 'Single room' },
        Amenities: {
          Amenity: {
            '@RoomAmenity': '161',
            '@PreferLevel': 'Required',
            '#text': 'Accessible room',
          },
        },
      },
    });
    expect(xml).not.toMatch(/WCH[RSC]|BLND|DEAF|assistance|disab/i);
  });

  it('should write the meal requirement on the guest when the unit has a meal code', () => {
    const [, siobhan] = roomListOf(render(family)).Guests?.Guest ?? [];
    expect(siobhan?.AdditionalDetails).toEqual({
      AdditionalDetail: [
        {
          '@Type': '43',
          '@Code': 'KSML',
          DetailDescription: { '@Name': 'Meal requirement', Text: 'Kosher meal' },
        },
      ],
    });
  });

  it('should keep a guest in no room in the list, with band and room request on the guest, when unassigned', () => {
    const list = roomListOf(render(family));
    const zoe = list.Guests?.Guest[3];
    expect(zoe?.['@RPH']).toBe('4');
    expect(zoe?.AdditionalDetails).toEqual({
      AdditionalDetail: [
        {
          '@Type': '45',
          '@Code': '8',
          DetailDescription: { '@Name': 'Age band', Text: 'Child' },
        },
        {
          '@Type': '4',
          '@Code': '161',
          DetailDescription: { '@Name': 'Room request', Text: 'Accessible room' },
        },
      ],
    });
    const sharers = valuesIn(list.RoomStays?.RoomStay.map((stay) => stay.RoomShares));
    expect(sharers).not.toContain('4');
  });

  it('should write no meal or accessibility element when the unit lacks those values', () => {
    const xml = render(
      stayUnit(
        [guest('Ana', 'Silva', { 'participant.isMinor': true }), guest('Rui', 'Costa')],
        [[{ 'room.id': 'R9', 'room.type': 'DBL' }, [0, 1]]],
      ),
    );
    expect(xml).not.toMatch(/AdditionalDetail|Amenit|Meal|Accessible|161/);
  });

  it('should write only values of the unit and words of the format when the unit holds more than it emits', () => {
    const unit = stayUnit(
      [
        guest('Ana', 'Silva', {
          'participant.isMinor': true,
          'participant.dateOfBirth': '2013-05-17',
          'participant.documents.passport.number': 'PPX998877',
          'participant.assistance': ['WCHR'],
          'participant.accessibleRoom': true,
          'participant.meal': 'VGML',
        }),
        guest('Rui', 'Costa', { 'participant.health.allergies': ['peanuts'] }),
      ],
      [[{ 'room.id': 'R1', 'room.type': 'TWN' }, [0, 1]]],
      { 'stay.board': 'half-board', 'trip.leaders.phone': ['+33 6 11 22 33 44'] },
    );
    const xml = render(unit);
    const fromUnit = [
      'Ana',
      'Silva',
      'Rui',
      'Costa',
      'VGML',
      'R1',
      'TWN',
      HOTEL.id,
      HOTEL.name,
      '2027-07-01',
      '2027-07-05',
    ];
    const formatWords = [
      '1',
      '2',
      '6.000',
      '16',
      '161',
      '43',
      '10',
      '8',
      'No',
      'Required',
      'Accessible room',
      'Meal requirement',
      'Vegan meal',
      'Twin room (two separate beds)',
      'http://www.opentravel.org/OTA/2003/05',
      '1.0',
      'UTF-8',
      context.reference,
      context.preparedAt,
    ];
    const unexpected = valuesIn(parse(xml)).filter(
      (value) => !fromUnit.includes(value) && !formatWords.includes(value),
    );
    expect(unexpected).toEqual([]);
    expect(xml).not.toMatch(/2013|PPX998877|WCHR|peanuts|half|\+33/);
  });

  it('should give the same bytes when given the same data', () => {
    expect(render(structuredClone(family))).toBe(render(family));
  });

  it('should put the sender in POS and the hotel room type codes in RoomTypeCode when the contract gives them', () => {
    const xml = render(family, {
      requestor: { id: 'PASSERELLE-TO', idContext: 'HOTELCRS', name: 'Voyages & Cie' },
      roomTypeCodes: { TWN: 'A2T' },
      hotelCodeContext: 'SYNXIS',
      target: 'Test',
    });
    const root = parse(xml).OTA_HotelRoomListRQ;
    expect(root.POS).toEqual({
      Source: {
        RequestorID: {
          '@Type': '11',
          '@ID': 'PASSERELLE-TO',
          '@ID_Context': 'HOTELCRS',
          '@Name': 'Voyages & Cie',
        },
      },
    });
    expect(root['@Target']).toBe('Test');
    expect(xml).toContain('RoomType="TWN" RoomTypeCode="A2T"');
    expect(roomListOf(xml)['@HotelCodeContext']).toBe('SYNXIS');
  });

  it.each([
    [{ sheet: 'x' }],
    [{ groupBlockCode: 'A-BLOCK-CODE-TOO-LONG' }],
    [{ roomTypeCodes: { SUITE: 'S1' } }],
    [{ requestor: { id: 'X', password: 'secret' } }],
    [{ chainCode: '' }],
  ])('should refuse options %j when they are unknown or do not fit the schema', (raw) => {
    expect(otaRoomListFormat.parseOptions(raw).ok).toBe(false);
  });

  it('should report the participant and field, never the value, when a required name is missing or too long', () => {
    const tooLong = 'A'.repeat(65);
    const errors = errorsOf(
      stayUnit([guest('Ana', 'Silva'), { 'participant.surname': 'Costa' }, guest(tooLong, 'Rui')]),
    );
    expect(errors).toEqual([
      {
        code: 'OTA_ROOM_LIST_DATA',
        path: 'participants[1]',
        participant: 1,
        field: 'participant.givenNames',
        rule: 'required',
      },
      {
        code: 'OTA_ROOM_LIST_DATA',
        path: 'participants[2]',
        participant: 2,
        field: 'participant.givenNames',
        rule: 'must be at most 5 names of 1 to 64 characters, split at spaces',
      },
    ]);
    expect(JSON.stringify(errors)).not.toContain(tooLong);
  });

  it('should split given names longer than 64 characters at spaces into several GivenName elements, for everyone to get the list', async () => {
    // 66 characters (the input model allows 70); one GivenName holds at most 64.
    const long = 'Marie-Éléonore Alexandrine Bernadette Philomène Geneviève Augustin';
    expect(long).toHaveLength(66);
    const xml = render(
      stayUnit([guest(long, 'Dupont'), guest('Ana', 'Silva')], [[{ 'room.type': 'TWN' }, [0, 1]]]),
    );
    expect(xml).toContain(
      '<GivenName>Marie-Éléonore Alexandrine Bernadette Philomène Geneviève</GivenName>' +
        '<GivenName>Augustin</GivenName><Surname>Dupont</Surname>',
    );
    const [first, second] = roomListOf(xml).Guests?.Guest ?? [];
    const parts = (first?.PersonName as { GivenName: string[] }).GivenName;
    expect(parts.join(' ')).toBe(long);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(64);
    expect(second?.PersonName).toEqual({ GivenName: 'Ana', Surname: 'Silva' });
    const [validation] = await validateOtaDocuments([xml]);
    expect(validation?.errors).toEqual([]);
  });

  it('should refuse the meal without echoing it when it is free text instead of an IATA code', () => {
    const errors = errorsOf(
      stayUnit([guest('Ana', 'Silva', { 'participant.meal': 'no pork, coeliac' })]),
    );
    expect(errors).toEqual([
      expect.objectContaining({ participant: 0, field: 'participant.meal' }),
    ]);
    expect(JSON.stringify(errors)).not.toContain('coeliac');
  });

  it('should report the unit field when the hotel or the dates are missing or malformed', () => {
    const unit = stayUnit([guest('Ana', 'Silva')], [], { 'stay.checkOut': '2027-02-30' });
    const values = Object.fromEntries(
      Object.entries(unit.values).filter(([field]) => field !== 'stay.hotel'),
    );
    const errors = errorsOf({ ...unit, values });
    expect(errors.map((e) => [e.field, e.rule])).toEqual([
      ['stay.hotel', 'required'],
      ['stay.checkOut', 'must be a date'],
    ]);
  });

  it('should report the guest or the room when the rooming puts a guest twice or names a stranger', () => {
    const errors = errorsOf(
      stayUnit(
        [guest('Ana', 'Silva')],
        [
          [{}, [0]],
          [{}, [0, 3]],
        ],
      ),
    );
    expect(errors.map((e) => [e.path, e.field, e.rule])).toEqual([
      ['participants[0]', 'room.occupants', 'the guest is in more than one room'],
      ['rooms[1]', 'room.occupants', 'names a guest not in the list'],
    ]);
  });

  it('should refuse characters XML cannot carry when a value holds one', () => {
    const errors = errorsOf(stayUnit([guest('Ana\u0007', 'Silva')]));
    expect(errors.map((e) => e.field)).toEqual(['participant.givenNames']);
  });
});

describe('validateOtaDocuments', () => {
  it('should reject a guest with an Age attribute or a GuestRPH given as an attribute when validating', async () => {
    const valid = render(family);
    const withAge = valid.replace('<Guest RPH="1"', '<Guest RPH="1" Age="12"');
    const rphAsAttribute = valid.replace('<GuestRPH>1</GuestRPH>', '<GuestRPH RPH="1"/>');
    expect(withAge).not.toBe(valid);
    expect(rphAsAttribute).not.toBe(valid);
    const [ok, age, rph] = await validateOtaDocuments([valid, withAge, rphAsAttribute]);
    expect(ok?.valid).toBe(true);
    expect(age?.valid).toBe(false);
    expect(age?.errors.join('\n')).toContain("attribute 'Age': The attribute 'Age' is not allowed");
    expect(rph?.valid).toBe(false);
    expect(rph?.errors.join('\n')).toMatch(/GuestRPH/);
  }, 10_000);
});
