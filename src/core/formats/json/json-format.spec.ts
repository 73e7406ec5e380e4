import { describe, expect, it } from 'vitest';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import { jsonFormat } from './json-format.js';

const context = { reference: 'REF-1', preparedAt: '2027-06-01T00:00:00Z' };

const unit: MinimizedUnit = {
  contract: { id: 'insurer-emergency', version: 3 },
  unitKind: 'participant',
  recipient: { id: 'INS-A', name: 'Insurer' },
  fields: ['participant.surname', 'participant.givenNames', 'trip.leaders.phone'],
  values: { 'trip.leaders.phone': ['+33 6 01'] },
  participants: [
    { values: { 'participant.surname': 'O’Neill', 'participant.givenNames': 'Claire' } },
  ],
  rooms: [],
};

function render(raw: Record<string, unknown>, data: MinimizedUnit = unit): string {
  const options = jsonFormat.parseOptions(raw);
  if (!options.ok) throw new Error('options');
  const result = jsonFormat.serialize(data, options.value, context);
  if (!result.ok) throw new Error('serialize');
  return result.value.map((file) => file.content).join('');
}

describe('jsonFormat', () => {
  it('should write the contract, recipient, unit values and participants in a fixed order', () => {
    expect(render({ indent: 0 })).toBe(
      '{"contract":{"id":"insurer-emergency","version":3},"recipient":"INS-A","unit":{"trip.leaders.phone":["+33 6 01"]},' +
        '"participants":[{"participant.surname":"O’Neill","participant.givenNames":"Claire"}]}\n',
    );
  });

  it('should give the same bytes for the same data, and indent on request', () => {
    const copy = structuredClone(unit);
    expect(render({}, copy)).toBe(render({}));
    expect(render({ indent: 2 })).toContain('\n  "recipient": "INS-A"');
  });

  it('should number room occupants from 1 when rooms are allowed', () => {
    const withRooms: MinimizedUnit = {
      ...unit,
      rooms: [{ values: { 'room.type': 'TWN' }, occupants: [0] }],
    };
    expect(render({ indent: 0 }, withRooms)).toContain(
      '"rooms":[{"room.type":"TWN","occupants":[1]}]',
    );
  });
});
