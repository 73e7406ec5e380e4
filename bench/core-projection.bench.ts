import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Contract } from '../src/core/contracts/contract.js';
import { lintContracts } from '../src/core/contracts/lint-contracts.js';
import { parseEndpoints } from '../src/core/contracts/endpoints.js';
import { parseFieldCatalogue } from '../src/core/fields/field-catalogue.js';
import { shippedFormatRegistry } from '../src/core/formats/format-registry.js';
import { renderContractUnits } from '../src/core/projection/render-unit.js';
import { generateTrip } from './generate-trip.js';
import { compare, type BenchResult } from './harness.js';

const PARTICIPANTS = 300;
const TARGET_RATIO = 10;

function loadShipped(root: string) {
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
  return {
    catalogue: catalogue.value,
    formats,
    contracts: [...linted.contracts.values()].map((entry) => entry.contract),
  };
}

/**
 * Issue 2's benchmark: project and serialize each shipped contract for a generated
 * 300-participant trip, against `JSON.stringify` of the same bookings — one line per
 * contract (target: at most 10×), then all contracts together (target: 10× per contract).
 */
export function benchCoreProjection(root: string): BenchResult[] {
  const { catalogue, formats, contracts } = loadShipped(root);
  const { trip, bookings } = generateTrip(PARTICIPANTS);
  const now = '2027-07-03T12:00:00+02:00';
  const render = (contract: Contract) =>
    renderContractUnits({
      trip,
      bookings,
      contract,
      catalogue,
      formats,
      now,
      contextFor: () => ({ reference: 'BENCH0000001', preparedAt: now }),
    });
  const baseline = () => JSON.stringify(bookings);
  const results: BenchResult[] = [];
  for (const contract of contracts) {
    const units = render(contract);
    if (units.some((unit) => unit.errors.length > 0))
      throw new Error(`${contract.id}: the bench trip has data-quality errors`);
    const timing = compare(() => render(contract), baseline, 3, 400);
    const ratio = timing.subject / timing.baseline;
    results.push({
      bench: `core: project + serialize ${contract.id} (${contract.format.type}), ${PARTICIPANTS}-participant trip`,
      unit: 'participants',
      value: PARTICIPANTS / timing.subject,
      baseline: { name: 'JSON.stringify(bookings)', value: PARTICIPANTS / timing.baseline },
      ratio,
      target: TARGET_RATIO,
      pass: ratio <= TARGET_RATIO,
      extra: { units: units.length },
    });
  }
  const all = () => contracts.map(render);
  const timing = compare(all, baseline);
  const ratio = timing.subject / timing.baseline;
  results.push({
    bench: `core: project + serialize all ${contracts.length} shipped contracts, ${PARTICIPANTS}-participant trip`,
    unit: 'participants',
    value: PARTICIPANTS / timing.subject,
    baseline: { name: 'JSON.stringify(bookings)', value: PARTICIPANTS / timing.baseline },
    ratio,
    target: TARGET_RATIO * contracts.length,
    pass: ratio <= TARGET_RATIO * contracts.length,
    extra: { contracts: contracts.length, perContractRatio: ratio / contracts.length },
  });
  return results;
}
