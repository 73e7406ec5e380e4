import { describe, expect, it } from 'vitest';
import {
  edit,
  edits,
  personalValues,
  REMOVE,
  sampleTrip,
  type Json,
  type JsonObject,
} from '../../../../test/support/input-documents.js';
import { maxCharsRule, maxItemsRule, minItemsRule, oneOfRule } from './input-error.js';
import { RULES, validateTrip, type InputError } from './validate-input.js';

const errorsOf = (raw: unknown, options?: { pathId?: string }): readonly InputError[] => {
  const result = validateTrip(raw, options);
  return result.ok ? [] : result.errors;
};

describe('validateTrip', () => {
  it('should convert the sample trip to the exact core shape when it is valid', () => {
    const result = validateTrip(sampleTrip(), { pathId: 'T-2027-NYC-01' });
    // The sample is written in the core's shape already, with every optional present.
    expect(result).toStrictEqual({ ok: true, value: sampleTrip() });
  });

  it('should default rooms to [] and leave absent optionals out when they are not given', () => {
    const raw = edits(sampleTrip(), [
      ['stays[0].rooms', REMOVE],
      ['stays[0].hotel.address.postalCode', REMOVE],
      ['stays[0].hotel.address.region', REMOVE],
      ['flights[0].pnr', REMOVE],
    ]);
    const result = validateTrip(raw);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const stay = result.value.stays[0];
    expect(stay?.rooms).toStrictEqual([]);
    expect(Object.keys(stay?.hotel.address ?? {})).toEqual(['lines', 'city', 'country']);
    expect(Object.keys(result.value.flights[0] ?? {})).not.toContain('pnr');
  });

  it('should trim strings and upper-case the record locator when they are padded', () => {
    const raw = edits(sampleTrip(), [
      ['name', '  New York  '],
      ['flights[0].pnr', ' k7q2zx '],
    ]);
    const result = validateTrip(raw);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.name).toBe('New York');
    expect(result.value.flights[0]?.pnr).toBe('K7Q2ZX');
  });

  it('should refuse a document when it is not an object', () => {
    for (const raw of [null, [], 'trip', 3]) {
      expect(errorsOf(raw)).toEqual([{ path: '', rule: RULES.object }]);
    }
  });

  const cases: readonly (readonly [string, Json | typeof REMOVE, string, string])[] = [
    ['id', REMOVE, 'id', RULES.required],
    ['id', '', 'id', RULES.empty],
    ['id', '   ', 'id', RULES.empty],
    ['id', 'T 2027', 'id', RULES.id],
    ['id', 'T'.repeat(65), 'id', RULES.id],
    ['id', 42, 'id', RULES.string],
    ['id', null, 'id', RULES.notNull],
    ['revision', 0, 'revision', RULES.revision],
    ['revision', 1.5, 'revision', RULES.revision],
    ['revision', '2', 'revision', RULES.revision],
    ['name', 'N'.repeat(201), 'name', maxCharsRule(200)],
    ['name', 'New\u0000York', 'name', RULES.controlCharacters],
    ['status', 'planned', 'status', oneOfRule(['scheduled', 'cancelled'])],
    ['startDate', '2027-02-29', 'startDate', RULES.date],
    ['endDate', '12/07/2027', 'endDate', RULES.date],
    ['endDate', '2027-06-30', 'endDate', RULES.endBeforeStart],
    ['flights', REMOVE, 'flights', RULES.required],
    ['flights', {}, 'flights', RULES.array],
    ['flights[1]', 'F2', 'flights[1]', RULES.object],
    ['flights[1].id', 'F1', 'flights[1].id', RULES.duplicateFlightId],
    ['flights[0].carrier', 'A', 'flights[0].carrier', RULES.carrier],
    ['flights[0].carrier', 'af', 'flights[0].carrier', RULES.carrier],
    ['flights[0].carrier', '12', 'flights[0].carrier', RULES.carrier],
    ['flights[0].flightNumber', '12345', 'flights[0].flightNumber', RULES.flightNumber],
    ['flights[0].flightNumber', 'AF22', 'flights[0].flightNumber', RULES.flightNumber],
    ['flights[0].pnr', 'K7Q2Z', 'flights[0].pnr', RULES.pnr],
    ['flights[0].departure', REMOVE, 'flights[0].departure', RULES.required],
    ['flights[0].departure', [], 'flights[0].departure', RULES.object],
    ['flights[0].departure.airport', 'CD', 'flights[0].departure.airport', RULES.airport],
    ['flights[0].departure.airport', 'cdg', 'flights[0].departure.airport', RULES.airport],
    ['flights[0].departure.country', 'FR', 'flights[0].departure.country', RULES.country],
    ['flights[0].departure.country', 'ABC', 'flights[0].departure.country', RULES.country],
    [
      'flights[0].departure.scheduledAt',
      '2027-07-01T08:30:00Z',
      'flights[0].departure.scheduledAt',
      RULES.instant,
    ],
    [
      'flights[0].departure.scheduledAt',
      '2027-07-01T10:30:00',
      'flights[0].departure.scheduledAt',
      RULES.instant,
    ],
    [
      'flights[0].departure.scheduledAt',
      '2027-07-01',
      'flights[0].departure.scheduledAt',
      RULES.instant,
    ],
    // Departure 10:30+02:00 is 08:30Z. 11:00+03:00 reads later but is 08:00Z; 04:30-04:00 is 08:30Z.
    [
      'flights[0].arrival.scheduledAt',
      '2027-07-01T11:00:00+03:00',
      'flights[0].arrival.scheduledAt',
      RULES.arrivalNotAfterDeparture,
    ],
    [
      'flights[0].arrival.scheduledAt',
      '2027-07-01T04:30:00-04:00',
      'flights[0].arrival.scheduledAt',
      RULES.arrivalNotAfterDeparture,
    ],
    ['stays', 'S1', 'stays', RULES.array],
    ['stays[0].id', 'S 1', 'stays[0].id', RULES.id],
    ['stays[0].hotel', REMOVE, 'stays[0].hotel', RULES.required],
    ['stays[0].hotel.id', 'HTL-NYC-RIVERSIDE', 'stays[0].hotel.id', RULES.hotelId],
    ['stays[0].hotel.id', 'HTL/NYC', 'stays[0].hotel.id', RULES.hotelId],
    ['stays[0].hotel.name', '', 'stays[0].hotel.name', RULES.empty],
    ['stays[0].hotel.address.lines', [], 'stays[0].hotel.address.lines', minItemsRule(1)],
    [
      'stays[0].hotel.address.lines',
      ['a', 'b', 'c', 'd', 'e', 'f'],
      'stays[0].hotel.address.lines',
      maxItemsRule(5),
    ],
    [
      'stays[0].hotel.address.lines[0]',
      'A'.repeat(101),
      'stays[0].hotel.address.lines[0]',
      maxCharsRule(100),
    ],
    ['stays[0].hotel.address.lines[0]', 7, 'stays[0].hotel.address.lines[0]', RULES.string],
    [
      'stays[0].hotel.address.postalCode',
      '10025;',
      'stays[0].hotel.address.postalCode',
      RULES.postalCode,
    ],
    [
      'stays[0].hotel.address.city',
      'New\nYork',
      'stays[0].hotel.address.city',
      RULES.controlCharacters,
    ],
    ['stays[0].hotel.address.country', 'usa', 'stays[0].hotel.address.country', RULES.country],
    ['stays[0].checkIn', '2027-07-32', 'stays[0].checkIn', RULES.date],
    ['stays[0].checkOut', '2027-07-01', 'stays[0].checkOut', RULES.checkOutNotAfterCheckIn],
    [
      'stays[0].board',
      'all-inclusive',
      'stays[0].board',
      oneOfRule(['room-only', 'breakfast', 'half-board', 'full-board']),
    ],
    ['stays[0].rooms', {}, 'stays[0].rooms', RULES.array],
    ['stays[0].rooms[1].id', 'R1', 'stays[0].rooms[1].id', RULES.duplicateRoomId],
    [
      'stays[0].rooms[0].type',
      'KING',
      'stays[0].rooms[0].type',
      oneOfRule(['SGL', 'TWN', 'DBL', 'TRP', 'QUAD', 'DORM']),
    ],
    ['stays[0].rooms[0].occupantIds', REMOVE, 'stays[0].rooms[0].occupantIds', RULES.required],
    ['stays[0].rooms[0].occupantIds[1]', 'B 1002', 'stays[0].rooms[0].occupantIds[1]', RULES.id],
    [
      'stays[0].rooms[1].occupantIds[0]',
      'B-1001-1',
      'stays[0].rooms[1].occupantIds[0]',
      RULES.occupantInTwoRooms,
    ],
  ];

  it.each(cases)('should refuse %s = %j with the rule at %s', (path, value, errorPath, rule) => {
    const raw = edit(sampleTrip(), path, value);
    const errors = errorsOf(raw);
    expect(errors).toContainEqual({ path: errorPath, rule });
    const text = JSON.stringify(errors);
    for (const personal of personalValues(raw)) expect(text).not.toContain(personal);
  });

  it('should refuse a stay id when an earlier stay of the trip has it', () => {
    const trip = sampleTrip();
    const stays = trip.stays as JsonObject[];
    const again = { ...stays[0]!, rooms: [], checkIn: '2027-07-11', checkOut: '2027-07-12' };
    expect(errorsOf(edit(trip, 'stays', [...stays, again]))).toEqual([
      { path: 'stays[1].id', rule: RULES.duplicateStayId },
    ]);
  });

  it('should refuse the body when its id is not the id of the request path', () => {
    expect(errorsOf(sampleTrip(), { pathId: 'T-OTHER' })).toEqual([
      { path: 'id', rule: RULES.tripIdOfPath },
    ]);
  });

  it('should accept equal dates when the trip starts and ends on the same day', () => {
    const raw = edits(sampleTrip(), [['endDate', '2027-07-01']]);
    expect(errorsOf(raw)).toEqual([]);
  });

  it.each([
    '',
    'flights[0]',
    'flights[0].departure',
    'flights[1].arrival',
    'stays[0]',
    'stays[0].hotel',
    'stays[0].hotel.address',
    'stays[0].rooms[2]',
  ])('should refuse an unknown property when it is added at %j', (objectPath) => {
    const raw = edit(
      sampleTrip(),
      objectPath === '' ? 'unexpected' : `${objectPath}.unexpected`,
      'x',
    );
    expect(errorsOf(raw)).toEqual([
      {
        path: objectPath === '' ? 'unexpected' : `${objectPath}.unexpected`,
        rule: RULES.unknownProperty,
      },
    ]);
  });

  it('should refuse prototype property names when they are sent as keys', () => {
    const raw = JSON.parse('{"__proto__": {"id": 1}, "constructor": "x"}') as JsonObject;
    const errors = errorsOf({ ...sampleTrip(), ...raw });
    expect(errors).toEqual([
      { path: '__proto__', rule: RULES.unknownProperty },
      { path: 'constructor', rule: RULES.unknownProperty },
    ]);
  });

  it('should withhold an unknown property name when it is not a plain identifier', () => {
    const raw = edit(sampleTrip(), 'stays[0].Jean Dupont 1975', 'x');
    expect(errorsOf(raw)).toEqual([
      { path: 'stays[0].<key withheld>', rule: RULES.unknownProperty },
    ]);
  });

  it('should report the rules between fields beside shape errors when both are broken', () => {
    const raw = edits(sampleTrip(), [
      ['flights[0].carrier', 'A'],
      ['flights[0].arrival.scheduledAt', '2027-07-01T08:00:00+02:00'],
      ['stays[0].checkOut', '2027-06-30'],
      ['stays[0].board', 'none'],
    ]);
    expect(errorsOf(raw)).toEqual([
      { path: 'flights[0].carrier', rule: RULES.carrier },
      {
        path: 'stays[0].board',
        rule: oneOfRule(['room-only', 'breakfast', 'half-board', 'full-board']),
      },
      { path: 'flights[0].arrival.scheduledAt', rule: RULES.arrivalNotAfterDeparture },
      { path: 'stays[0].checkOut', rule: RULES.checkOutNotAfterCheckIn },
    ]);
  });

  it('should collect every error when several rules are broken at once', () => {
    const raw = edits(sampleTrip(), [
      ['revision', -1],
      ['flights[0].carrier', 'A'],
      ['stays[0].board', 'none'],
    ]);
    expect(errorsOf(raw).map((error) => error.path)).toEqual([
      'revision',
      'flights[0].carrier',
      'stays[0].board',
    ]);
  });
});
