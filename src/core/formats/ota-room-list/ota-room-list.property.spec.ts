import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { validateOtaDocuments } from '../../../../test/support/validate-ota.js';
import type { FieldValue } from '../../fields/field-value.js';
import type { MinimizedRoom, MinimizedUnit } from '../../projection/minimized-unit.js';
import type { RenderContext } from '../payload-format.js';
import { otaRoomListFormat } from './ota-room-list-format.js';

/** xmllint-wasm compiles the 2 MB schema set per call: the documents are validated in one batch. */
const RUNS = 50;

/** Names full of what XML must escape, typographic apostrophes and accents; never blank. */
const arbName = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...'AÉÜØßçñŁabcz'.split('')),
      fc.array(fc.constantFrom(...'&<>"\'’ -éèüöÅßçñØŁıǅaZq'.split(''), '𝓐'), {
        maxLength: maxLength - 1,
      }),
    )
    .map(([first, rest]) => first + rest.join(''));

const MEALS = ['KSML', 'MOML', 'VGML', 'GFML', 'DBML', 'CHML', 'AVML', 'XXML'];
const ROOM_TYPES = ['SGL', 'TWN', 'DBL', 'TRP', 'QUAD', 'DORM'];

interface GuestData {
  readonly givenNames: string;
  readonly surname: string;
  readonly isMinor: boolean | undefined;
  readonly meal: string | undefined;
  readonly accessibleRoom: boolean;
}

const arbGuest: fc.Arbitrary<GuestData> = fc.record({
  givenNames: arbName(30),
  surname: arbName(40),
  isMinor: fc.option(fc.boolean(), { freq: 4, nil: undefined }),
  meal: fc.option(fc.constantFrom(...MEALS), { freq: 3, nil: undefined }),
  accessibleRoom: fc.boolean(),
});

/**
 * A minimized stay unit as the projection builds it: 1–40 guests, some of them roomed in
 * rooms of 1–4 (in a shuffled order), the others unassigned; minor flags, meals and
 * accessible-room requests only where present.
 */
const arbUnit: fc.Arbitrary<MinimizedUnit> = fc
  .record({
    guests: fc.array(arbGuest, { minLength: 1, maxLength: 40 }),
    order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 40, maxLength: 40 }),
    unassigned: fc.integer({ min: 0, max: 5 }),
    roomTypes: fc.array(fc.option(fc.constantFrom(...ROOM_TYPES), { nil: undefined }), {
      minLength: 40,
      maxLength: 40,
    }),
    hotelName: arbName(60),
    withRoomIds: fc.boolean(),
  })
  .map(({ guests, order, sizes, unassigned, roomTypes, hotelName, withRoomIds }) => {
    const participants = guests.map((g) => {
      const values: Record<string, FieldValue> = {
        'participant.givenNames': g.givenNames,
        'participant.surname': g.surname,
      };
      if (g.isMinor !== undefined) values['participant.isMinor'] = g.isMinor;
      if (g.meal !== undefined) values['participant.meal'] = g.meal;
      if (g.accessibleRoom) values['participant.accessibleRoom'] = true;
      return { values };
    });
    const indexes = guests
      .map((_, index) => index)
      .sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0) || a - b);
    const roomed = indexes.slice(0, Math.max(0, indexes.length - unassigned));
    const rooms: MinimizedRoom[] = [];
    for (let at = 0, r = 0; at < roomed.length; r += 1) {
      const size = sizes[r] ?? 2;
      const values: Record<string, FieldValue> = {};
      if (withRoomIds) values['room.id'] = `R-${r + 1}`;
      const type = roomTypes[r];
      if (type !== undefined) values['room.type'] = type;
      rooms.push({ values, occupants: roomed.slice(at, at + size) });
      at += size;
    }
    return {
      contract: { id: 'hotel-rooming-list', version: 1 },
      unitKind: 'stay' as const,
      recipient: { id: 'HTL-1', name: hotelName },
      fields: [],
      values: {
        'stay.hotel': {
          id: 'HTL-1',
          name: hotelName,
          address: { lines: ['1 Rue'], city: 'Nice', country: 'FRA' },
        },
        'stay.checkIn': '2027-07-01',
        'stay.checkOut': '2027-07-08',
      },
      participants,
      rooms,
    };
  });

const arbContext: fc.Arbitrary<RenderContext> = fc.record({
  reference: fc.stringMatching(/^[A-Za-z0-9:._-]{1,40}$/),
  preparedAt: fc.constantFrom('2027-06-24T09:30:00+02:00', '2027-06-24T07:30:00Z'),
});

/** Leaves are kept exactly as written (no trimming, no number parsing). */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) =>
    ['Guest', 'RoomStay', 'GuestRPH', 'GuestCount', 'AdditionalDetail', 'Amenity'].includes(name),
});

interface ParsedGuest {
  '@RPH': string;
  PersonName: { GivenName: string; Surname: string };
  AdditionalDetails?: { AdditionalDetail: { '@Type': string; '@Code': string }[] };
}
interface ParsedRoomStay {
  RoomTypes?: { RoomType: { Amenities?: { Amenity: { '@RoomAmenity': string }[] } } };
  GuestCounts?: { GuestCount: { '@AgeQualifyingCode'?: string; '@ResGuestRPH': string }[] };
  RoomShares?: { RoomShare: { GuestRPHs: { GuestRPH: string[] } } };
  TimeSpan: { '@Start': string; '@End': string };
}
interface ParsedList {
  '@HotelName': string;
  Guests: { Guest: ParsedGuest[] };
  RoomStays?: { RoomStay: ParsedRoomStay[] };
}

function serialize(unit: MinimizedUnit, context: RenderContext): string {
  const options = otaRoomListFormat.parseOptions({});
  if (!options.ok) throw new Error('options');
  const result = otaRoomListFormat.serialize(unit, options.value, context);
  if (!result.ok) throw new Error(`serialize: ${JSON.stringify(result.errors)}`);
  return result.value[0]?.content ?? '';
}

/** What the list must say, read back with an independent XML parser. */
function expectReadsBack(unit: MinimizedUnit, xml: string): void {
  const parsed = parser.parse(xml) as {
    OTA_HotelRoomListRQ: { HotelRoomLists: { HotelRoomList: ParsedList } };
  };
  const list = parsed.OTA_HotelRoomListRQ.HotelRoomLists.HotelRoomList;
  const hotel = unit.values['stay.hotel'] as { name: string };
  expect(list['@HotelName']).toBe(hotel.name);

  const rph = (index: number) => String(index + 1);
  const value = (index: number, field: string) => unit.participants[index]?.values[field];
  expect(
    list.Guests.Guest.map((g) => [g['@RPH'], g.PersonName.GivenName, g.PersonName.Surname]),
  ).toEqual(
    unit.participants.map((p, index) => [
      rph(index),
      p.values['participant.givenNames'],
      p.values['participant.surname'],
    ]),
  );

  const roomOf = new Map<number, number>();
  unit.rooms.forEach((room, r) => {
    for (const index of room.occupants) roomOf.set(index, r);
  });
  list.Guests.Guest.forEach((g, index) => {
    const details = (g.AdditionalDetails?.AdditionalDetail ?? []).map(
      (d) => `${d['@Type']}:${d['@Code']}`,
    );
    const meal = value(index, 'participant.meal');
    const unassigned = !roomOf.has(index);
    expect(details).toEqual([
      ...(typeof meal === 'string' ? [`43:${meal}`] : []),
      ...(unassigned && value(index, 'participant.isMinor') === true ? ['45:8'] : []),
      ...(unassigned && value(index, 'participant.accessibleRoom') === true ? ['4:161'] : []),
    ]);
  });

  const stays = list.RoomStays?.RoomStay ?? [];
  expect(stays).toHaveLength(unit.rooms.length);
  unit.rooms.forEach((room, r) => {
    const stay = stays[r];
    expect(stay?.RoomShares?.RoomShare.GuestRPHs.GuestRPH).toEqual(room.occupants.map(rph));
    expect(stay?.TimeSpan).toEqual({ '@Start': '2027-07-01', '@End': '2027-07-08' });
    expect(
      stay?.GuestCounts?.GuestCount.map((c) => [c['@ResGuestRPH'], c['@AgeQualifyingCode']]),
    ).toEqual(
      room.occupants.map((index) => {
        const isMinor = value(index, 'participant.isMinor');
        return [rph(index), isMinor === undefined ? undefined : isMinor ? '8' : '10'];
      }),
    );
    const amenities =
      stay?.RoomTypes?.RoomType.Amenities?.Amenity.map((a) => a['@RoomAmenity']) ?? [];
    const accessible = room.occupants.some(
      (index) => value(index, 'participant.accessibleRoom') === true,
    );
    expect(amenities).toEqual(accessible ? ['161'] : []);
  });
}

describe('otaRoomListFormat (property)', () => {
  it('should validate against the OTA 2017B schema and read back to the names put in when units are arbitrary', async () => {
    const documents: { unit: MinimizedUnit; xml: string }[] = [];
    fc.assert(
      fc.property(arbUnit, arbContext, (unit, context) => {
        const xml = serialize(unit, context);
        expectReadsBack(unit, xml);
        documents.push({ unit, xml });
      }),
      { numRuns: RUNS },
    );
    // fast-check may run more than RUNS times while shrinking a failure; here every run passed.
    const results = await validateOtaDocuments(documents.map((d) => d.xml));
    const invalid = results.flatMap((result, index) =>
      result.valid ? [] : [{ unit: documents[index]?.unit, errors: result.errors }],
    );
    expect(invalid.slice(0, 1)).toEqual([]);
    expect(results).toHaveLength(RUNS);
  }, 60_000);
});
