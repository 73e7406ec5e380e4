import { describe, expect, it } from 'vitest';
import { generateTrip } from '../../../../bench/generate-trip.js';
import { shippedCatalogue, shippedContracts } from '../../../../test/support/shipped-catalog.js';
import type { FieldValue } from '../../fields/field-value.js';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import { projectAllUnits } from '../../projection/project-unit.js';
import { sfpdSsrFormat } from './sfpd-ssr-format.js';

const context = { reference: 'LG0000000001', preparedAt: '2027-06-28T08:00:00Z' };

/** The secure-flight unit of the first flight of a generated trip of `participants`. */
function largeFlight(participants: number): MinimizedUnit {
  const contract = shippedContracts().contract('secure-flight');
  const { trip, bookings } = generateTrip(participants);
  const [unit] = projectAllUnits({ trip, bookings, contract, catalogue: shippedCatalogue() });
  if (unit === undefined || unit.errors.length > 0) {
    throw new Error('the secure-flight unit does not project');
  }
  return unit.payload;
}

/**
 * The unit with every participant's values behind a proxy that counts the reads, so a test
 * can tell how often the serializer went through each passenger.
 */
function counted(unit: MinimizedUnit): { unit: MinimizedUnit; reads: () => number } {
  let reads = 0;
  const participants = unit.participants.map((participant) => ({
    values: new Proxy(participant.values, {
      get(target, key: string): FieldValue | undefined {
        reads += 1;
        return target[key];
      },
    }),
  }));
  return { unit: { ...unit, participants }, reads: () => reads };
}

function render(unit: MinimizedUnit, raw: Record<string, unknown>): string[] {
  const options = sfpdSsrFormat.parseOptions({
    ...(shippedContracts().contract('secure-flight').format.options as Record<string, unknown>),
    ...raw,
  });
  if (!options.ok) throw new Error('the options do not parse');
  const files = sfpdSsrFormat.serialize(unit, options.value, context);
  if (!files.ok) throw new Error(JSON.stringify(files.errors));
  return files.value.map((file) => file.content);
}

const docsCount = (content: string): number =>
  content.split('\r\n').filter((line) => line.startsWith('SSR DOCS ')).length;
const ssrWithoutElement = (content: string): string[] =>
  content
    .split('\r\n')
    .filter((line) => line.startsWith('SSR '))
    .map((line) => line.replace(/-\d+\.1$/, ''));

describe('Secure Flight for a flight of 1,600 passengers', () => {
  const flight = largeFlight(1600);

  it('should split the flight into 17 parts of at most 99 passengers, the same lines in order', () => {
    const [plain = ''] = render(flight, {});
    const parts = render(flight, { maxPassengersPerPart: 99 });
    expect(parts.map(docsCount)).toEqual([...Array.from({ length: 16 }, () => 99), 1600 - 16 * 99]);
    expect(parts.flatMap(ssrWithoutElement)).toEqual(ssrWithoutElement(plain));
  });

  it('should read each passenger as often whatever the number of parts (no pass per part)', () => {
    // Rendering the flight again for each part, or reading every passenger to write one
    // part, would read the passengers once a part: quadratic in the flight with a small cap.
    const baseline = counted(flight);
    render(baseline.unit, {});
    for (const cap of [99, 1]) {
      const split = counted(flight);
      const parts = render(split.unit, { maxPassengersPerPart: cap });
      expect(parts).toHaveLength(Math.ceil(1600 / cap));
      expect(split.reads()).toBe(baseline.reads());
    }
  });
});
