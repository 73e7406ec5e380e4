import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintContracts } from '../src/core/contracts/lint-contracts.js';
import { parseEndpoints } from '../src/core/contracts/endpoints.js';
import { parseFieldCatalogue } from '../src/core/fields/field-catalogue.js';
import { shippedFormatRegistry } from '../src/core/formats/format-registry.js';
import { renderContractUnits } from '../src/core/projection/render-unit.js';
import { generateTrip } from './generate-trip.js';
import { compare, type BenchResult } from './harness.js';

const PARTICIPANTS = 300;
const TARGET_RATIO = 10;

/**
 * Issue 2's benchmark: project and serialize every shipped contract for a generated
 * 300-participant trip, against `JSON.stringify` of the same bookings.
 */
export function benchCoreProjection(root: string): BenchResult {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const catalogue = parseFieldCatalogue(read('config/fields.yaml'));
  const endpoints = parseEndpoints(read('config/endpoints.yaml'));
  if (!catalogue.ok || !endpoints.ok) throw new Error('shipped configuration does not parse');
  const formats = shippedFormatRegistry();
  const sources = readdirSync(join(root, 'contracts'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ file: name, text: read(join('contracts', name)) }));
  const linted = lintContracts(sources, {
    catalogue: catalogue.value,
    endpoints: endpoints.value,
    formats,
  });
  if (linted.problems.length > 0) throw new Error('shipped contracts do not lint');
  const contracts = [...linted.contracts.values()].map((entry) => entry.contract);

  const { trip, bookings } = generateTrip(PARTICIPANTS);
  const now = '2027-07-03T12:00:00+02:00';
  let units = 0;
  const subject = () => {
    units = 0;
    for (const contract of contracts) {
      units += renderContractUnits({
        trip,
        bookings,
        contract,
        catalogue: catalogue.value,
        formats,
        now,
        contextFor: (unit) => ({ reference: unit.unit.key, preparedAt: now }),
      }).length;
    }
  };
  const baseline = () => JSON.stringify(bookings);
  const { subject: subjectSeconds, baseline: baselineSeconds } = compare(subject, baseline);
  const ratio = subjectSeconds / baselineSeconds;
  return {
    bench: `core: project + serialize ${contracts.length} shipped contracts, ${PARTICIPANTS}-participant trip`,
    unit: 'participants',
    value: PARTICIPANTS / subjectSeconds,
    baseline: { name: 'JSON.stringify(bookings)', value: PARTICIPANTS / baselineSeconds },
    ratio,
    target: TARGET_RATIO,
    pass: ratio <= TARGET_RATIO,
    extra: { contracts: contracts.length, units, bookingsJsonBytes: baseline().length },
  };
}
