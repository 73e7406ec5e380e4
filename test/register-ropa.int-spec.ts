import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  renderRecordCsv,
  renderRecordHtml,
  type ProcessingActivity,
} from '../src/core/register/build-ropa.js';
import type { ControllerConfig } from '../src/core/register/controller-config.js';
import type { RegisterEntryInput } from '../src/core/register/register-entry.js';
import {
  loadContractCatalog,
  type ContractCatalog,
  type LoadedContract,
} from '../src/modules/contracts/load-contract-catalog.js';
import {
  loadControllerConfig,
  recordOfProcessing,
} from '../src/modules/register/record-of-processing.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { aDisclosure } from './support/register-entries.js';
import { repoPath } from './support/shipped-catalog.js';

let database: TestDatabase;
let repository: RegisterRepository;
let shipped: ContractCatalog;
let controller: ControllerConfig;
let hotel: LoadedContract;

/** The register's service, appending at `at`. */
const registerAt = (at: string): RegisterService =>
  new RegisterService(repository, new RegisterAppender(repository, { now: () => new Date(at) }));

/** A disclosure to a hotel under `hotel-rooming-list` as `version` recorded it. */
const toHotel = (
  version: number,
  sha256: string,
  overrides: Partial<RegisterEntryInput> = {},
): RegisterEntryInput =>
  aDisclosure({
    contract: { id: 'hotel-rooming-list', version, sha256 },
    recipient: { id: 'HTL-LAC', name: 'Hôtel du Lac', category: 'hotel' },
    purpose: hotel.contract.purpose,
    legalBasis: 'contract',
    specialCondition: 'explicit-consent',
    transfer: { country: 'MAR', safeguard: 'art49-contract' },
    unit: 'stay:S1',
    fields: ['participant.surname', 'participant.givenNames', 'participant.meal'],
    categories: ['identity.name', 'meal'],
    ...overrides,
  });

/** The shipped catalog, but for `hotel-rooming-list`: left out, or loaded as `replaced`. */
function catalogWith(replaced?: LoadedContract): ContractCatalog {
  const contracts = new Map(shipped.contracts);
  if (replaced === undefined) contracts.delete('hotel-rooming-list');
  else contracts.set('hotel-rooming-list', replaced);
  return { ...shipped, contracts };
}

const PERIOD = { from: new Date('2027-06-01T00:00:00Z'), to: new Date('2027-08-01T00:00:00Z') };
const NOW = new Date('2027-08-02T00:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  repository = new RegisterRepository(database.db);
  const loaded = await loadContractCatalog({
    contractsDir: repoPath('contracts'),
    configDir: repoPath('config'),
  });
  if (loaded.catalog === undefined) throw new Error('the shipped contracts do not load');
  shipped = loaded.catalog;
  controller = await loadControllerConfig(repoPath('config'));
  const found = shipped.contracts.get('hotel-rooming-list');
  if (found === undefined) throw new Error('no hotel-rooming-list');
  hotel = found;
  // Before the period: a disclosure under version 1, to another hotel, about P9.
  await registerAt('2027-03-10T09:00:00.000Z').appendAll([
    toHotel(1, '1'.repeat(64), {
      subjects: ['P9'],
      recipient: { id: 'HTL-OLD', name: 'Old Hotel', category: 'hotel' },
    }),
  ]);
  // In the period, under the version shipped: two deliveries, a failed attempt, an attempt,
  // a preview (no disclosure) and a delivery under another contract.
  await registerAt('2027-07-01T10:00:00.000Z').appendAll([
    toHotel(hotel.contract.version, hotel.sha256, { event: 'disclosure-attempted' }),
    toHotel(hotel.contract.version, hotel.sha256, { subjects: ['P1', 'P2'] }),
    toHotel(hotel.contract.version, hotel.sha256, {
      event: 'disclosure-failed',
      subjects: ['P3'],
    }),
    toHotel(hotel.contract.version, hotel.sha256, {
      event: 'preview-viewed',
      subjects: ['P7'],
      recipient: { id: 'HTL-VIEW', name: 'Previewed Hotel', category: 'hotel' },
    }),
    aDisclosure({
      contract: { id: 'us-apis', version: 2, sha256: 'c'.repeat(64) },
      subjects: ['P1'],
    }),
  ]);
  await registerAt('2027-07-03T08:30:00.000Z').appendAll([
    toHotel(hotel.contract.version, hotel.sha256, {
      subjects: ['P2', 'P3'],
      recipient: { id: 'HTL-MER', name: 'Hotel de la Mer', category: 'hotel' },
      transfer: { country: 'FRA', safeguard: 'art49-contract' },
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await database.drop();
});

const activitiesOf = (activities: readonly ProcessingActivity[], contractId: string) =>
  activities.filter((activity) => activity.contractId === contractId);

describe('the Art. 30 record of disclosures under a contract no longer loaded', () => {
  it('should give them an activity of their own, from the register’s entries, in JSON, CSV and HTML', async () => {
    const record = await recordOfProcessing(
      catalogWith(undefined),
      controller,
      repository,
      PERIOD,
      NOW,
    );
    // As the API and the CLI write it.
    const json = JSON.parse(JSON.stringify(record)) as typeof record;
    const [removed, ...others] = activitiesOf(json.activities, 'hotel-rooming-list');
    expect(others).toEqual([]);
    expect(removed).toEqual({
      contractId: 'hotel-rooming-list',
      contractVersion: hotel.contract.version,
      contractSha256: hotel.sha256,
      status: 'no-longer-configured',
      versionInForce: null,
      name: '2 recipients (hotel-rooming-list)',
      purposes: [hotel.contract.purpose],
      legalBasis: {
        basis: 'contract',
        words: 'necessary to carry out the travel contract (GDPR Art. 6(1)(b))',
      },
      specialCategories: [
        {
          condition: 'explicit-consent',
          words: 'your explicit consent (GDPR Art. 9(2)(a))',
          categories: ['meal requirements (which may reveal religion or health)'],
        },
      ],
      categoriesOfDataSubjects: [
        'the participants, group leaders and staff the register names (it does not record their roles)',
      ],
      categoriesOfData: [
        { id: 'identity.name', label: 'names', special: false },
        {
          id: 'meal',
          label: 'meal requirements (which may reveal religion or health)',
          special: true,
        },
      ],
      // Neither the hotel of before the period nor the previewed one: the period's disclosures.
      categoriesOfRecipients: ['hotel: Hotel de la Mer, Hôtel du Lac'],
      transfers: [
        {
          country: 'MAR',
          safeguard: 'art49-contract',
          words: 'the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
        },
      ],
      retention: null,
      securityMeasures: null,
      disclosed: {
        disclosures: 2,
        subjects: 3,
        lastDisclosedAt: '2027-07-03T08:30:00.000Z',
        failures: 1,
        withheld: 2,
      },
    });
    // The contracts loaded keep their activity, with their own counts.
    expect(activitiesOf(json.activities, 'us-apis')).toMatchObject([
      { status: 'in-force', disclosed: { disclosures: 1, subjects: 1 } },
    ]);
    expect(json.activities).toHaveLength(7);

    const rows = renderRecordCsv(record).split('\r\n');
    const row = rows.find((candidate) => candidate.startsWith('hotel-rooming-list,'));
    expect(row?.split(',').slice(0, 3)).toEqual([
      'hotel-rooming-list',
      String(hotel.contract.version),
      'no longer configured',
    ]);
    expect(row?.split(',').slice(-5)).toEqual(['2', '3', '2027-07-03T08:30:00.000Z', '1', '2']);
    expect(row).toContain(',not recorded in the register,not recorded in the register,');

    const html = renderRecordHtml(record);
    expect(html).toContain(
      '<h2>2 recipients (hotel-rooming-list)</h2><p><strong>No longer configured.</strong>',
    );
    expect(html).toContain('<tr><th>Status</th><td>no longer configured</td></tr>');
    expect(html).toContain('2 disclosure(s) about 3 person(s); last 2027-07-03T08:30:00.000Z');
  });

  it('should describe each version the period holds when the whole register is asked for', async () => {
    const record = await recordOfProcessing(
      catalogWith(undefined),
      controller,
      repository,
      {},
      NOW,
    );
    expect(
      activitiesOf(record.activities, 'hotel-rooming-list').map((activity) => [
        activity.contractVersion,
        activity.status,
        activity.categoriesOfRecipients,
        activity.disclosed.disclosures,
        activity.disclosed.subjects,
      ]),
    ).toEqual([
      [
        hotel.contract.version,
        'no-longer-configured',
        ['hotel: Hotel de la Mer, Hôtel du Lac'],
        2,
        3,
      ],
      [1, 'no-longer-configured', ['hotel: Old Hotel'], 1, 1],
    ]);
  });
});

describe('the Art. 30 record of disclosures under a version other than the one loaded', () => {
  it('should count them apart from the version in force, which keeps its contract’s description', async () => {
    const newer: LoadedContract = {
      ...hotel,
      contract: { ...hotel.contract, version: hotel.contract.version + 1 },
      sha256: 'f'.repeat(64),
    };
    const record = await recordOfProcessing(
      catalogWith(newer),
      controller,
      repository,
      PERIOD,
      NOW,
    );
    const json = JSON.parse(JSON.stringify(record)) as typeof record;
    const [inForce, earlier, ...others] = activitiesOf(json.activities, 'hotel-rooming-list');
    expect(others).toEqual([]);
    expect(inForce).toMatchObject({
      contractVersion: newer.contract.version,
      contractSha256: 'f'.repeat(64),
      status: 'in-force',
      versionInForce: newer.contract.version,
      name: 'Hotel of the stay (hotel-rooming-list)',
      retention: hotel.contract.retention,
      securityMeasures: controller.securityMeasures,
      disclosed: { disclosures: 0, subjects: 0, failures: 0, withheld: 0 },
    });
    expect(earlier).toMatchObject({
      contractVersion: hotel.contract.version,
      contractSha256: hotel.sha256,
      status: 'other-version',
      versionInForce: newer.contract.version,
      categoriesOfRecipients: ['hotel: Hotel de la Mer, Hôtel du Lac'],
      retention: null,
      securityMeasures: null,
      disclosed: { disclosures: 2, subjects: 3, failures: 1, withheld: 2 },
    });
    expect(json.activities).toHaveLength(8);

    const rows = renderRecordCsv(record)
      .split('\r\n')
      .filter((row) => row.startsWith('hotel-rooming-list,'));
    expect(rows.map((row) => row.split(',').slice(1, 3))).toEqual([
      [String(newer.contract.version), 'in force'],
      [
        String(hotel.contract.version),
        `a version no longer in force (version ${newer.contract.version} is)`,
      ],
    ]);
    expect(rows.map((row) => row.split(',').slice(-5)[0])).toEqual(['0', '2']);
    expect(renderRecordHtml(record)).toContain(
      `<tr><th>Status</th><td>a version no longer in force (version ${newer.contract.version} is)</td></tr>`,
    );
  });
});
