import { describe, expect, it } from 'vitest';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import { jsonFormat } from './json-format.js';
import { stableStringify } from './stable-json.js';

const context = { reference: 'REF-1', preparedAt: '2027-06-01T00:00:00Z' };

const unit: MinimizedUnit = {
  contract: { id: 'insurer-emergency', version: 3 },
  unitKind: 'participant',
  recipient: { id: 'INS-A', name: 'Insurer' },
  fields: ['participant.surname', 'trip.leaders.phone'],
  values: { 'trip.leaders.phone': ['+33 6 01'] },
  participants: [
    { values: { 'participant.surname': 'O’Neill', 'participant.givenNames': 'Claire' } },
  ],
  rooms: [],
};

describe('jsonFormat', () => {
  it('should write the contract, recipient, unit values and participants with sorted keys', () => {
    const options = jsonFormat.parseOptions({ indent: 0 });
    if (!options.ok) throw new Error('options');
    const result = jsonFormat.serialize(unit, options.value, context);
    if (!result.ok) throw new Error('serialize');
    expect(result.value).toEqual([
      {
        suffix: 'json',
        mediaType: 'application/json; charset=utf-8',
        content:
          '{"contract":{"id":"insurer-emergency","version":3},"participants":[{"participant.givenNames":"Claire","participant.surname":"O’Neill"}],"recipient":"INS-A","unit":{"trip.leaders.phone":["+33 6 01"]}}\n',
      },
    ]);
  });

  it('should give the same bytes whatever the key insertion order', () => {
    expect(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).toBe(
      stableStringify({ a: { c: 2, d: [{ y: 2, z: 1 }] }, b: 1 }),
    );
    expect(stableStringify({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});
