import { describe, expect, it } from 'vitest';
import { aDisclosure } from '../../../test/support/register-entries.js';
import {
  readRepoFile,
  shippedCatalogue,
  shippedLintContext,
} from '../../../test/support/shipped-catalog.js';
import { lintContracts } from '../contracts/lint-contracts.js';
import { buildRecordOfProcessing, renderRecordCsv, renderRecordHtml } from './build-ropa.js';
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
    statistics: new Map([
      [
        'us-apis',
        {
          disclosures: 4,
          subjects: 3,
          lastDisclosedAt: '2027-06-29T07:15:00.000Z',
          failures: 1,
          withheld: 0,
        },
      ],
    ]),
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
    expect(csv[0]).toMatch(/^contract,version,activity,purposes,legal basis/);
    expect(renderRecordHtml(record)).toContain('Record of processing activities (GDPR Article 30)');
  });

  it('should give in the CSV every count of what was disclosed that the JSON and the page give, the values withheld included', () => {
    const withWithheld = buildRecordOfProcessing({
      contracts,
      catalogue,
      controller,
      statistics: new Map([
        [
          'us-apis',
          {
            disclosures: 4,
            subjects: 3,
            lastDisclosedAt: '2027-06-29T07:15:00.000Z',
            failures: 1,
            withheld: 7,
          },
        ],
      ]),
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
});
