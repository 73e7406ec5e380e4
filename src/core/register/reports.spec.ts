import { describe, expect, it } from 'vitest';
import { aDisclosure } from '../../../test/support/register-entries.js';
import {
  readRepoFile,
  shippedCatalogue,
  shippedLintContext,
} from '../../../test/support/shipped-catalog.js';
import { lintContracts } from '../contracts/lint-contracts.js';
import {
  buildRecordOfProcessing,
  renderRecordCsv,
  renderRecordHtml,
  type ActivityStatistics,
  type RecordedContractVersion,
} from './build-ropa.js';
import { parseControllerConfig } from './controller-config.js';
import { GENESIS_HASH, sealEntries } from './register-entry.js';
import { buildSubjectReport, entryForSubject, renderSubjectReportHtml } from './subject-report.js';

const catalogue = shippedCatalogue();
const controllerResult = parseControllerConfig(readRepoFile('config/controller.yaml'));
if (!controllerResult.ok) throw new Error('controller.yaml');
const controller = controllerResult.value;
const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('the subject access report', () => {
  const entries = sealEntries(
    [
      aDisclosure({
        subjects: ['P1', 'P2'],
        fields: ['participant.surname', 'participant.meal'],
        withheld: [{ subject: 'P2', field: 'participant.meal', reason: 'no-consent' }],
        recipient: { id: 'AF', name: 'Air <France>', category: 'airline' },
        transfer: { country: 'USA', safeguard: 'art49-contract' },
      }),
      aDisclosure({ event: 'disclosure-failed', subjects: ['P2'] }),
      aDisclosure({ subjects: ['P3'], recipient: { id: 'HTL', name: 'Hotel', category: 'hotel' } }),
      aDisclosure({
        event: 'emergency-released',
        subjects: ['P2'],
        recipient: { id: 'INS', name: 'Insurer', category: 'insurer' },
        legalBasis: 'vital-interests',
        specialCondition: 'vital-interests',
        fields: ['participant.health.allergies'],
        withheld: [],
      }),
    ],
    { seq: 0, hash: GENESIS_HASH },
    '2027-07-01T10:00:00.000Z',
    ids(4),
  );

  it('should list every disclosure about the subject, in plain words, and nothing about anyone else', () => {
    const report = buildSubjectReport(
      'P2',
      entries,
      catalogue,
      controller,
      '2027-08-01T00:00:00.000Z',
    );
    expect(report.disclosures.map((d) => [d.recipient.id, d.event, d.categories])).toEqual([
      ['AF', 'disclosure-delivered', ['names']],
      [
        'INS',
        'emergency-released',
        ['health data (allergies, conditions, medications, blood type)'],
      ],
    ]);
    expect(report.withheld).toEqual([
      {
        entryId: entries[0]!.id,
        date: '2027-07-01T10:00:00.000Z',
        recipient: { id: 'AF', name: 'Air <France>' },
        category: 'meal requirements (which may reveal religion or health)',
        reason: 'no consent was given to share it',
      },
    ]);
    expect(report.failedAttempts).toBe(1);
    expect(JSON.stringify(report)).not.toContain('HTL');
  });

  it('should print a page a DPO can send, escaped, with transfers outside the EEA and their safeguard', () => {
    const html = renderSubjectReportHtml(
      buildSubjectReport('P2', entries, catalogue, controller, '2027-08-01T00:00:00.000Z'),
    );
    expect(html).toContain('Air &lt;France&gt;');
    expect(html).not.toContain('Air <France>');
    expect(html).toContain(
      'to USA, outside the European Economic Area — safeguard: the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
    );
    expect(html).toContain(
      'to protect the vital interests of the participant (an emergency) (GDPR Art. 6(1)(d))',
    );
    expect(html).toContain('Claude Martinez');
  });

  it('should show, in an entry of the subject’s report, neither the co-travellers nor their withholdings', () => {
    const shared = entries[0]!;
    expect(entryForSubject(shared, 'P1', catalogue)).toEqual({
      ...shared,
      subjects: ['P1'],
      withheld: [],
    });
    expect(entryForSubject(shared, 'P2', catalogue)).toEqual({ ...shared, subjects: ['P2'] });
    const html = renderSubjectReportHtml(
      buildSubjectReport('P1', entries, catalogue, controller, '2027-08-01T00:00:00.000Z'),
    );
    expect(html).not.toContain('P2');
    expect(html).not.toContain('Information we did not share');
  });
});

/** What the register recorded of one contract version, as the repository folds it. */
const recordedVersion = (
  contractId: string,
  contractVersion: number,
  disclosed: ActivityStatistics,
  recorded: Partial<RecordedContractVersion> = {},
): RecordedContractVersion => ({
  contractId,
  contractVersion,
  contractSha256: 'e'.repeat(64),
  disclosed,
  recipients: [],
  purposes: [],
  legalBases: [],
  specialConditions: [],
  transfers: [],
  categories: [],
  ...recorded,
});

describe('the Art. 30 record', () => {
  const context = shippedLintContext();
  const contracts = ['airline-group-list', 'insurer-emergency', 'us-apis'].map((id) => {
    const linted = lintContracts(
      [{ file: id, text: readRepoFile(`contracts/${id}.yaml`) }],
      context,
    ).contracts.get(id);
    if (linted === undefined) throw new Error(id);
    return { contract: linted.contract, sha256: 'f'.repeat(64) };
  });
  const record = buildRecordOfProcessing({
    contracts,
    catalogue,
    controller,
    recorded: [
      recordedVersion('us-apis', 2, {
        disclosures: 4,
        subjects: 3,
        lastDisclosedAt: '2027-06-29T07:15:00.000Z',
        failures: 1,
        withheld: 0,
      }),
    ],
    period: { from: null, to: null },
    generatedAt: '2027-08-01T00:00:00.000Z',
  });

  it('should describe one activity per contract, from the contract, with what was disclosed', () => {
    expect(record.activities.map((a) => a.contractId)).toEqual([
      'airline-group-list',
      'insurer-emergency',
      'us-apis',
    ]);
    const apis = record.activities[2]!;
    expect(apis.disclosed).toEqual({
      disclosures: 4,
      subjects: 3,
      lastDisclosedAt: '2027-06-29T07:15:00.000Z',
      failures: 1,
      withheld: 0,
    });
    expect(apis.legalBasis.basis).toBe('contract');
    expect(apis.categoriesOfData.map((c) => c.id)).toEqual([
      'identity.name',
      'identity.gender',
      'identity.date-of-birth',
      'identity.nationality',
      'travel-document',
      'itinerary',
      'booking',
    ]);
    expect(apis.transfers).toEqual([
      {
        country: 'the recipient’s country, when outside the EEA',
        safeguard: 'art49-contract',
        words: 'the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
      },
    ]);
    const emergency = record.activities[1]!;
    expect(emergency.specialCategories).toEqual([
      {
        condition: 'vital-interests',
        words: 'to protect vital interests when consent cannot be given (GDPR Art. 9(2)(c))',
        categories: ['health data (allergies, conditions, medications, blood type)'],
      },
    ]);
    expect(emergency.categoriesOfDataSubjects).toContain(
      'legal representatives and emergency contacts of the participants',
    );
    expect(record.activities[0]?.disclosed.disclosures).toBe(0);
    expect(record.controller.name).toBe('Association MIJE');
  });

  it('should render as CSV (one row per activity) and as a printable page', () => {
    const csv = renderRecordCsv(record)
      .split('\r\n')
      .filter((row) => row !== '');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^contract,version,status,activity,purposes,legal basis/);
    expect(csv[1]).toMatch(/^airline-group-list,1,in force,/);
    expect(renderRecordHtml(record)).toContain('Record of processing activities (GDPR Article 30)');
  });

  it('should give in the CSV every count of what was disclosed that the JSON and the page give, the values withheld included', () => {
    const withWithheld = buildRecordOfProcessing({
      contracts,
      catalogue,
      controller,
      recorded: [
        recordedVersion('us-apis', 2, {
          disclosures: 4,
          subjects: 3,
          lastDisclosedAt: '2027-06-29T07:15:00.000Z',
          failures: 1,
          withheld: 7,
        }),
      ],
      period: { from: null, to: null },
      generatedAt: '2027-08-01T00:00:00.000Z',
    });
    expect(renderRecordHtml(withWithheld)).toContain('7 withholding(s)');
    const [header, , , apis] = renderRecordCsv(withWithheld).split('\r\n');
    expect(header?.split(',').slice(-5)).toEqual([
      'disclosures',
      'subjects',
      'last disclosure',
      'failures',
      'values withheld',
    ]);
    expect(apis?.split(',').slice(-5)).toEqual(['4', '3', '2027-06-29T07:15:00.000Z', '1', '7']);
  });

  const removedHotel = recordedVersion(
    'hotel-classic',
    3,
    {
      disclosures: 6,
      subjects: 4,
      lastDisclosedAt: '2027-05-02T08:00:00.000Z',
      failures: 2,
      withheld: 1,
    },
    {
      contractSha256: '9'.repeat(64),
      recipients: [
        { id: 'HTL-1', name: 'Hôtel du Lac', category: 'hotel' },
        { id: 'HTL-2', name: 'Hotel <Riverside>', category: 'hotel' },
      ],
      purposes: ['Accommodate the group.'],
      legalBases: ['contract'],
      specialConditions: [
        { condition: 'explicit-consent', categories: ['identity.name', 'meal', 'wellbeing'] },
      ],
      transfers: [
        { country: 'unknown', safeguard: 'art49-contract' },
        { country: 'FRA', safeguard: 'art49-contract' },
        { country: 'MAR', safeguard: 'art49-contract' },
      ],
      // `wellbeing`: a category the catalogue no longer has.
      categories: ['meal', 'wellbeing', 'identity.name'],
    },
  );

  it('should describe, from the register’s entries, the disclosures under a contract no longer configured, with their own counts', () => {
    const withRemoved = buildRecordOfProcessing({
      contracts,
      catalogue,
      controller,
      recorded: [removedHotel],
      period: { from: '2027-01-01T00:00:00.000Z', to: null },
      generatedAt: '2027-08-01T00:00:00.000Z',
    });
    expect(withRemoved.activities.map((a) => [a.contractId, a.status])).toEqual([
      ['airline-group-list', 'in-force'],
      ['hotel-classic', 'no-longer-configured'],
      ['insurer-emergency', 'in-force'],
      ['us-apis', 'in-force'],
    ]);
    expect(withRemoved.activities[1]).toEqual({
      contractId: 'hotel-classic',
      contractVersion: 3,
      contractSha256: '9'.repeat(64),
      status: 'no-longer-configured',
      versionInForce: null,
      name: '2 recipients (hotel-classic)',
      purposes: ['Accommodate the group.'],
      legalBasis: {
        basis: 'contract',
        words: 'necessary to carry out the travel contract (GDPR Art. 6(1)(b))',
      },
      specialCategories: [
        {
          condition: 'explicit-consent',
          words: 'your explicit consent (GDPR Art. 9(2)(a))',
          categories: ['meal requirements (which may reveal religion or health)', 'wellbeing'],
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
        { id: 'wellbeing', label: 'wellbeing', special: false },
      ],
      categoriesOfRecipients: ['hotel: Hôtel du Lac, Hotel <Riverside>'],
      // Within the EEA (FRA) is no transfer; a country not recorded may be one.
      transfers: [
        {
          country: 'the recipient’s country, when outside the EEA',
          safeguard: 'art49-contract',
          words: 'the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
        },
        {
          country: 'MAR',
          safeguard: 'art49-contract',
          words: 'the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
        },
      ],
      retention: null,
      securityMeasures: null,
      disclosed: {
        disclosures: 6,
        subjects: 4,
        lastDisclosedAt: '2027-05-02T08:00:00.000Z',
        failures: 2,
        withheld: 1,
      },
    });
    const [header, , hotel] = renderRecordCsv(withRemoved).split('\r\n');
    const columns = header?.split(',') ?? [];
    const cells = hotel?.split(',') ?? [];
    expect(cells.slice(0, 3)).toEqual(['hotel-classic', '3', 'no longer configured']);
    expect(hotel).toContain('not recorded in the register');
    expect(cells.slice(-5)).toEqual(['6', '4', '2027-05-02T08:00:00.000Z', '2', '1']);
    expect(columns).toHaveLength(18);
    const html = renderRecordHtml(withRemoved);
    expect(html).toContain(
      '<h2>2 recipients (hotel-classic)</h2><p><strong>No longer configured.</strong> Described from what the register recorded of its disclosures',
    );
    expect(html).toContain('Hotel &lt;Riverside&gt;');
    expect(html).toContain(
      '<tr><th>Retention at the recipient</th><td>not recorded in the register</td></tr>',
    );
    expect(html).toContain('6 disclosure(s) about 4 person(s)');
  });

  it('should count the disclosures of each version in its own activity when the register holds another version than the one loaded', () => {
    const counts = (disclosures: number): ActivityStatistics => ({
      disclosures,
      subjects: disclosures,
      lastDisclosedAt: '2027-06-01T00:00:00.000Z',
      failures: 0,
      withheld: 0,
    });
    const versions = buildRecordOfProcessing({
      contracts,
      catalogue,
      controller,
      recorded: [
        recordedVersion('us-apis', 1, counts(5), {
          recipients: [{ id: 'AF', name: 'Air France', category: 'airline' }],
          purposes: ['Report the passengers to US CBP (version 1).'],
          legalBases: ['legal-obligation'],
          categories: ['identity.name', 'travel-document'],
        }),
        recordedVersion('us-apis', 2, counts(3)),
        removedHotel,
      ],
      period: { from: null, to: null },
      generatedAt: '2027-08-01T00:00:00.000Z',
    });
    const apis = versions.activities.filter((a) => a.contractId === 'us-apis');
    expect(apis.map((a) => [a.contractVersion, a.status, a.versionInForce])).toEqual([
      [2, 'in-force', 2],
      [1, 'other-version', 2],
    ]);
    const [inForce, earlier] = apis;
    expect(inForce?.disclosed.disclosures).toBe(3);
    expect(inForce?.retention).toBe(contracts[2]?.contract.retention);
    expect(earlier).toMatchObject({
      name: 'Air France (us-apis)',
      purposes: ['Report the passengers to US CBP (version 1).'],
      legalBasis: { basis: 'legal-obligation' },
      categoriesOfRecipients: ['airline: Air France'],
      retention: null,
      disclosed: { disclosures: 5 },
    });
    expect(earlier?.categoriesOfData.map((c) => c.label)).toEqual([
      'names',
      'travel document details (passport, identity card, visa)',
    ]);
    // Every disclosure of the register in exactly one activity.
    expect(versions.activities.reduce((sum, a) => sum + a.disclosed.disclosures, 0)).toBe(14);
    const csv = renderRecordCsv(versions).split('\r\n');
    expect(csv.filter((row) => row.startsWith('us-apis,')).map((row) => row.split(',')[2])).toEqual(
      ['in force', 'a version no longer in force (version 2 is)'],
    );
    expect(renderRecordHtml(versions)).toContain(
      '<tr><th>Status</th><td>a version no longer in force (version 2 is)</td></tr>',
    );
  });
});
