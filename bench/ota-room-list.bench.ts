import type { FieldValue } from '../src/core/fields/field-value.js';
import {
  buildRoomListTree,
  otaRoomListFormat,
} from '../src/core/formats/ota-room-list/ota-room-list-format.js';
import type { MinimizedUnit } from '../src/core/projection/minimized-unit.js';
import { compare, type BenchResult } from './harness.js';

const GUESTS = 350;
const TARGET_RATIO = 10;
const SURNAMES = [
  "O'Neill",
  'Müller-Durand',
  'Benali',
  'Lefèvre',
  'Smith & Sons',
  'Núñez',
  'D’Artagnan',
  'Øster',
  'Dupont',
  'Martin',
];
const GIVEN = ['Claire Marie', 'Tom', 'Hélène', 'Youssef', 'Siobhán', 'Jean-Loïc', 'Åse', 'Zoë'];
const MEALS = ['KSML', 'VGML', 'MOML', 'GFML'];

/**
 * A 350-guest stay unit as the projection would give the hotel-rooming-list contract:
 * 175 twin rooms, one guest in five a minor, one in seven with a meal code, a few
 * accessible-room requests.
 */
export function otaRoomListBenchUnit(): MinimizedUnit {
  const participants = Array.from({ length: GUESTS }, (_, i) => {
    const values: Record<string, FieldValue> = {
      'participant.surname': SURNAMES[i % SURNAMES.length] ?? 'Martin',
      'participant.givenNames': GIVEN[(i * 3) % GIVEN.length] ?? 'Léa',
      'participant.isMinor': i % 5 === 0,
    };
    if (i % 7 === 0) values['participant.meal'] = MEALS[(i / 7) % MEALS.length] ?? 'VGML';
    if (i % 50 === 3) values['participant.accessibleRoom'] = true;
    return { values };
  });
  const rooms = Array.from({ length: GUESTS / 2 }, (_, r) => ({
    values: { 'room.id': `R${String(r + 1).padStart(3, '0')}`, 'room.type': 'TWN' },
    occupants: [2 * r, 2 * r + 1],
  }));
  return {
    contract: { id: 'hotel-rooming-list', version: 1 },
    unitKind: 'stay',
    recipient: { id: 'HTL-NYC-RIVER', name: 'Riverside Youth Hostel' },
    fields: [],
    values: {
      'stay.hotel': {
        id: 'HTL-NYC-RIVER',
        name: 'Riverside Youth Hostel',
        address: {
          lines: ['891 Amsterdam Avenue'],
          postalCode: '10025',
          city: 'New York',
          region: 'NY',
          country: 'USA',
        },
      },
      'stay.checkIn': '2027-07-01',
      'stay.checkOut': '2027-07-08',
    },
    participants,
    rooms,
  };
}

/**
 * Issue 3's target: a 350-guest rooming list costs at most 10× `JSON.stringify` of the
 * same guests. The baseline serializes the same rooming list — guests, rooms, sharing,
 * age bands — as JSON (the tree the builder is given), so both sides write the same
 * information; the subject also builds that tree from the minimized unit.
 */
export function benchOtaRoomList(): BenchResult {
  const unit = otaRoomListBenchUnit();
  const options = otaRoomListFormat.parseOptions({
    requestor: { id: 'ASSOVOYAGES', name: 'Asso Voyages' },
    groupBlockCode: 'ASSO2027NYC',
  });
  if (!options.ok) throw new Error('bench options do not parse');
  const context = { reference: 'BENCH0000001', preparedAt: '2027-06-24T07:15:00Z' };
  let bytes = 0;
  const subject = () => {
    const result = otaRoomListFormat.serialize(unit, options.value, context);
    if (!result.ok) throw new Error('bench unit does not serialize');
    bytes = result.value[0]?.content.length ?? 0;
  };
  const tree = buildRoomListTree(unit, options.value, context);
  if (!tree.ok) throw new Error('bench unit does not build');
  const baseline = () => JSON.stringify(tree.value);
  const timing = compare(subject, baseline);
  const ratio = timing.subject / timing.baseline;
  return {
    bench: `ota-room-list: ${GUESTS}-guest rooming list (${GUESTS / 2} twin rooms)`,
    unit: 'guests',
    value: GUESTS / timing.subject,
    baseline: { name: 'JSON.stringify(the same rooming list)', value: GUESTS / timing.baseline },
    ratio,
    target: TARGET_RATIO,
    pass: ratio <= TARGET_RATIO,
    extra: { xmlChars: bytes, jsonChars: baseline().length },
  };
}
