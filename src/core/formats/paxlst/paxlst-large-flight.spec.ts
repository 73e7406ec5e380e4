import { describe, expect, it } from 'vitest';
import { generateTrip } from '../../../../bench/generate-trip.js';
import { shippedCatalogue, shippedContracts } from '../../../../test/support/shipped-catalog.js';
import { projectAllUnits } from '../../projection/project-unit.js';
import { paxlstFormat, planParts, type PassengerBlock } from './paxlst-format.js';

const PREPARED_AT = '2027-06-29T08:00:00Z';

/** The us-apis flight unit of a generated trip of `participants`, and the contract's options. */
function largeFlight(participants: number, options: Record<string, unknown> = {}) {
  const contract = shippedContracts().contract('us-apis');
  const { trip, bookings } = generateTrip(participants);
  const [unit] = projectAllUnits({ trip, bookings, contract, catalogue: shippedCatalogue() });
  const parsed = paxlstFormat.parseOptions({
    ...(contract.format.options as Record<string, unknown>),
    ...options,
  });
  if (unit === undefined || !parsed.ok) throw new Error('the us-apis unit does not render');
  return { payload: unit.payload, options: parsed.value };
}

function render(participants: number, options: Record<string, unknown> = {}): string[] {
  const { payload, options: parsed } = largeFlight(participants, options);
  const files = paxlstFormat.serialize(payload, parsed, {
    reference: 'LG0000000001',
    preparedAt: PREPARED_AT,
  });
  if (!files.ok) throw new Error(JSON.stringify(files.errors));
  return files.value.map((file) => file.content);
}

const segmentsOf = (part: string): string[] =>
  part
    .split("'\n")
    .map((segment) => segment.trim())
    .filter((segment) => segment !== '');

describe('PAXLST for a flight of 400 passengers', () => {
  it('should split the flight into 27 parts of at most 15 passengers, flagged 01:C to 27:F', () => {
    const parts = render(400);
    expect(parts).toHaveLength(27);
    parts.forEach((part, index) => {
      const segments = segmentsOf(part);
      const number = String(index + 1).padStart(2, '0');
      const flag =
        index === 0 ? `${number}:C` : index === parts.length - 1 ? `${number}:F` : number;
      const unh = segments.find((segment) => segment.startsWith('UNH+'));
      expect(unh?.endsWith(`+${flag}`)).toBe(true);
      const passengers = segments.filter((segment) => segment.startsWith('NAD+FL+'));
      expect(passengers.length).toBe(index === parts.length - 1 ? 400 - 26 * 15 : 15);
      // The flight's total in every part; UNT counts UNH to UNT inclusive.
      expect(segments).toContain('CNT+42:400');
      const first = segments.findIndex((segment) => segment.startsWith('UNH+'));
      const unt = segments.findIndex((segment) => segment.startsWith('UNT+'));
      expect(segments[unt]?.split('+')[1]).toBe(String(unt - first + 1));
    });
  });

  it('should keep every part under the byte cap when one is set', () => {
    const cap = 3000;
    const parts = render(400, { maxPassengersPerPart: 999, maxBytesPerPart: cap });
    const counts = parts.map(
      (part) => segmentsOf(part).filter((s) => s.startsWith('NAD+FL+')).length,
    );
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(400);
    for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(cap);
  });

  it('should measure each part a bounded number of times when a byte cap splits a large flight', () => {
    // 400 passengers of 100 characters, an envelope of 300: 27 passengers a part under 3000.
    const passengers: PassengerBlock[] = Array.from({ length: 400 }, () => ({
      text: 'x'.repeat(100),
      segmentCount: 10,
    }));
    let measures = 0;
    const planned = planParts(
      passengers,
      { maxPassengersPerPart: 999, maxBytesPerPart: 3000 },
      (plan) => {
        measures += 1;
        return 300 + plan.passengers.reduce((size, passenger) => size + passenger.text.length, 0);
      },
    );
    if (!planned.ok) throw new Error('the flight does not split');
    expect(planned.value.map((plan) => plan.passengers.length)).toEqual([
      ...Array.from({ length: 14 }, () => 27),
      400 - 14 * 27,
    ]);
    // Writing the part again for every passenger it sheds was ~370 measures for the first
    // part alone: quadratic in the flight.
    expect(measures).toBeLessThanOrEqual(3 * planned.value.length);
  });
});
