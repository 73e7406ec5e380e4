import { describe, expect, it } from 'vitest';
import { aBooking, aParticipant, aStay, aTrip } from '../../../test/support/builders.js';
import { aDisclosure } from '../../../test/support/register-entries.js';
import {
  readRepoFile,
  shippedCatalogue,
  shippedLintContext,
} from '../../../test/support/shipped-catalog.js';
import type { Contract } from '../contracts/contract.js';
import { lintContracts } from '../contracts/lint-contracts.js';
import { emergencyUnit } from '../emergency/emergency-release.js';
import type { Booking } from '../model/booking.js';
import type { Trip } from '../model/trip.js';
import type { ProjectedUnit } from '../projection/minimized-unit.js';
import { projectAllUnits, projectUnit } from '../projection/project-unit.js';
import { parseControllerConfig } from './controller-config.js';
import { disclosureEntryBase, namesOthers, UNIT_PARTICIPANTS_DETAIL } from './disclosure-entry.js';
import { namedAsOtherInWords } from './plain-words.js';
import {
  GENESIS_HASH,
  sealEntries,
  type RegisterEntry,
  type RegisterEntryInput,
} from './register-entry.js';
import { buildSubjectReport, entryForSubject, renderSubjectReportHtml } from './subject-report.js';

/**
 * The access report of someone named in an entry only through fields that name others (a
 * group leader in a participant's emergency release), and the transfers of recipients whose
 * country the register does not record.
 */

const catalogue = shippedCatalogue();
const controllerResult = parseControllerConfig(readRepoFile('config/controller.yaml'));
if (!controllerResult.ok) throw new Error('controller.yaml');
const controller = controllerResult.value;
const GENERATED = '2027-08-01T00:00:00.000Z';

function shipped(id: string): Contract {
  const linted = lintContracts(
    [{ file: id, text: readRepoFile(`contracts/${id}.yaml`) }],
    shippedLintContext(),
  ).contracts.get(id);
  if (linted === undefined) throw new Error(id);
  return linted.contract;
}

const INSURER = 'INS-A';
const MINOR = 'P-MINOR'; // the participant whose emergency data is released
const LEADER = 'L-LEADER'; // the group's leader, named by `trip.leaders.*`
const trip = aTrip();
const bookings: Booking[] = [
  aBooking('B1', [
    aParticipant({
      id: MINOR,
      health: {
        allergies: ['penicillin'],
        conditions: ['asthma'],
        medications: ['inhaler'],
        bloodType: 'O+',
      },
      insurance: { insurerId: INSURER, policyNumber: 'POL-1' },
    }),
  ]),
  aBooking('B2', [
    aParticipant({
      id: LEADER,
      role: 'leader',
      dateOfBirth: '1980-01-01',
      phone: '+33 6 99 99 99 99',
      insurance: { insurerId: INSURER, policyNumber: 'POL-2' },
    }),
  ]),
];

/** The entry a disclosure of the unit leaves in the register, as the gateway writes it. */
function recorded(
  contract: Contract,
  unit: ProjectedUnit,
  event: RegisterEntryInput['event'] = 'disclosure-delivered',
  on: Trip = trip,
): RegisterEntry {
  const input: RegisterEntryInput = {
    event,
    ...disclosureEntryBase({
      contract,
      contractSha256: 'f'.repeat(64),
      catalogue,
      unit,
      tripId: on.id,
      payload: { sha256: 'a'.repeat(64), bytes: 100 },
      transport: { type: 'api-response' },
      actor: { kind: 'client', id: 'insurer-a' },
    }),
  };
  const [entry] = sealEntries([input], { seq: 0, hash: GENESIS_HASH }, '2027-07-03T10:00:00.000Z', [
    '00000000-0000-4000-8000-000000000001',
  ]);
  if (entry === undefined) throw new Error('sealed');
  return entry;
}

const report = (subjectId: string, entries: readonly RegisterEntry[]) =>
  buildSubjectReport(subjectId, entries, catalogue, controller, GENERATED);

describe('the access report of a leader named in a participant’s emergency release', () => {
  const emergency = shipped('insurer-emergency');
  const released = recorded(
    emergency,
    projectUnit(
      { trip, bookings, contract: emergency, catalogue, now: '2027-07-03T12:00:00+02:00' },
      emergencyUnit(MINOR, INSURER),
    ),
    'emergency-released',
  );

  it('should name the leader among the release’s subjects (the projection does)', () => {
    expect(released.subjects).toEqual([MINOR, LEADER]);
    expect(released.unit).toBe(`participant:${MINOR}:insurer:${INSURER}`);
  });

  it('should report to the leader only their name and telephone number as group leader when another participant’s data was released', () => {
    const [disclosure] = report(LEADER, [released]).disclosures;
    expect(disclosure?.event).toBe('emergency-released');
    expect(disclosure?.categories).toEqual([
      'name, as a leader of the group',
      'telephone number, as a leader of the group',
    ]);
    // No special-category data of the leader's left: no Art. 9(2) condition to state.
    expect(disclosure?.specialCondition).toBeUndefined();
    const html = renderSubjectReportHtml(report(LEADER, [released]));
    expect(html).not.toMatch(/health data|date of birth|insurance policy|sensitive data/);
    expect(html).not.toContain(MINOR);
  });

  it('should show the leader the release’s entry without the participant’s id, fields, categories or Art. 9 condition', () => {
    const shown = entryForSubject(released, LEADER, catalogue);
    expect(shown.unit).toBe(`participant:(another participant):insurer:${INSURER}`);
    expect(shown.subjects).toEqual([LEADER]);
    expect(shown.fields).toEqual(['trip.leaders.name', 'trip.leaders.phone']);
    expect(shown.categories).toEqual(['contact.leader']);
    expect(shown.specialCondition).toBeUndefined();
    expect(shown.withheld).toEqual([]);
    // The entry is still named by the register's hash, for the DPO to verify.
    expect(shown.hash).toBe(released.hash);
    expect(JSON.stringify(shown)).not.toContain(MINOR);
  });

  it('should report to the participant whose data was released every category, and show the unit', () => {
    const [disclosure] = report(MINOR, [released]).disclosures;
    expect(disclosure?.categories).toEqual(
      expect.arrayContaining([
        'insurance policy',
        'names',
        'date of birth',
        'health data (allergies, conditions, medications, blood type)',
      ]),
    );
    expect(disclosure?.specialCondition).toBe('vital-interests');
    expect(entryForSubject(released, MINOR, catalogue)).toEqual({
      ...released,
      subjects: [MINOR],
    });
  });

  it('should report every category to a leader whose own emergency data was released', () => {
    const own = recorded(
      emergency,
      projectUnit(
        { trip, bookings, contract: emergency, catalogue, now: '2027-07-03T12:00:00+02:00' },
        emergencyUnit(LEADER, INSURER),
      ),
      'emergency-released',
    );
    expect(own.subjects).toEqual([LEADER]);
    expect(report(LEADER, [own]).disclosures[0]?.categories).toContain('date of birth');
    expect(entryForSubject(own, LEADER, catalogue).unit).toBe(
      `participant:${LEADER}:insurer:${INSURER}`,
    );
  });

  it('should not show another participant’s id in the unit of an entry that names the subject otherwise (a refusal about several holders)', () => {
    const [refusal] = sealEntries(
      [
        aDisclosure({
          event: 'emergency-refused',
          unit: `participant:${MINOR}:insurer:${INSURER}`,
          subjects: [MINOR, 'P-OTHER'],
          fields: [],
          categories: [],
          withheld: [],
        }),
      ],
      { seq: 0, hash: GENESIS_HASH },
      '2027-07-03T10:00:00.000Z',
      ['00000000-0000-4000-8000-000000000002'],
    );
    if (refusal === undefined) throw new Error('sealed');
    expect(JSON.stringify(entryForSubject(refusal, 'P-OTHER', catalogue))).not.toContain(MINOR);
    expect(entryForSubject(refusal, MINOR, catalogue).unit).toBe(refusal.unit);
  });

  it('should have plain words for every catalogued field that names others', () => {
    const naming = [...catalogue.fields.values()].filter(namesOthers).map((field) => field.id);
    expect(naming).toEqual(['trip.leaders.name', 'trip.leaders.phone']);
    for (const id of naming) expect(namedAsOtherInWords(id)).toBeDefined();
  });
});

describe('the access report of a leader named in a flight’s, stay’s, trip’s or booking’s list', () => {
  // No shipped contract sends `trip.leaders.*` outside a participant's unit; a future one may.
  const roster: Contract = {
    ...shipped('airline-group-list'),
    id: 'airline-roster',
    scope: { roles: ['participant'] },
    fields: ['participant.surname', 'participant.givenNames', 'trip.leaders.phone'],
  };
  const [flight] = projectAllUnits({ trip, bookings, contract: roster, catalogue });
  if (flight === undefined) throw new Error('unit');
  const entry = recorded(roster, flight);

  it('should record how many of the subjects are the unit’s participants when its fields name others', () => {
    expect(entry.subjects).toEqual([MINOR, LEADER]);
    expect(entry.detail).toEqual({ [UNIT_PARTICIPANTS_DETAIL]: 1 });
    const plain = projectAllUnits({ trip, bookings, contract: shipped('us-apis'), catalogue });
    expect(plain[0]).toBeDefined();
    if (plain[0] !== undefined)
      expect(recorded(shipped('us-apis'), plain[0]).detail).toBeUndefined();
  });

  it('should report to the leader only their telephone number as group leader when the entry tells', () => {
    expect(report(LEADER, [entry]).disclosures[0]?.categories).toEqual([
      'telephone number, as a leader of the group',
    ]);
    expect(report(MINOR, [entry]).disclosures[0]?.categories).toContain('names');
    const shown = entryForSubject(entry, LEADER, catalogue);
    expect(shown.unit).toBe('flight:F1');
    expect(shown.fields).toEqual(['trip.leaders.phone']);
  });

  it('should hide another family’s booking reference from a leader named in its list', () => {
    const perBooking: Contract = { ...roster, unit: 'booking' };
    const units = projectAllUnits({ trip, bookings, contract: perBooking, catalogue });
    const b1 = units.find((u) => u.unit.key === 'booking:B1');
    if (b1 === undefined) throw new Error('unit');
    const shown = entryForSubject(recorded(perBooking, b1), LEADER, catalogue);
    expect(shown.unit).toBe('booking:(another booking)');
    expect(shown.subjects).toEqual([LEADER]);
  });

  it('should report the whole entry, as before, when an entry written before the count does not tell', () => {
    // Known limit: such an entry cannot tell a leader named by `trip.leaders.*` from a
    // passenger of the flight; the report over-reports rather than hide a disclosure.
    const older: RegisterEntry = { ...entry, detail: { attempt: 1 } };
    expect(report(LEADER, [older]).disclosures[0]?.categories).toContain('names');
    expect(entryForSubject(older, LEADER, catalogue).fields).toEqual(entry.fields);
  });
});

describe('the access report’s transfers', () => {
  const enrolment = shipped('insurer-enrollment');
  const [insurerUnit] = projectAllUnits({ trip, bookings, contract: enrolment, catalogue });
  if (insurerUnit === undefined) throw new Error('unit');
  const unknownCountry = recorded(enrolment, insurerUnit);

  it('should record the country as unknown when the unit does not tell the insurer’s seat', () => {
    expect(unknownCountry.transfer).toEqual({ country: 'unknown', safeguard: 'art49-contract' });
  });

  it('should say the recipient’s country is not recorded, not that the data went outside the EEA, when the register does not know it', () => {
    const built = report(MINOR, [unknownCountry]);
    expect(built.disclosures[0]?.transfer).toEqual({
      country: null,
      withinEea: null,
      safeguard: 'art49-contract',
      words:
        'the recipient’s country is not recorded; if it is outside the European Economic Area, the safeguard is: the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
    });
    const html = renderSubjectReportHtml(built);
    expect(html).not.toContain('to unknown');
    expect(html).not.toMatch(/unknown, outside/);
    expect(html).toContain(
      'the recipient’s country is not recorded; if it is outside the European Economic Area, the safeguard is: the transfer is necessary to carry out the travel contract (GDPR Art. 49(1)(b))',
    );
  });

  it('should record and report the hotel’s country when the stay tells it', () => {
    const hotel = shipped('hotel-rooming-list');
    const usa = recorded(
      hotel,
      projectAllUnits({ trip, bookings, contract: hotel, catalogue })[0]!,
    );
    expect(usa.transfer?.country).toBe('USA');
    const [disclosure] = report(MINOR, [usa]).disclosures;
    expect(disclosure?.transfer).toMatchObject({ country: 'USA', withinEea: false });
    expect(renderSubjectReportHtml(report(MINOR, [usa]))).toContain(
      'to USA, outside the European Economic Area — safeguard:',
    );
    const inFrance = { ...trip, stays: [aStay('S1', 'FRA')] };
    const fra = recorded(
      hotel,
      projectAllUnits({ trip: inFrance, bookings, contract: hotel, catalogue })[0]!,
      'disclosure-delivered',
      inFrance,
    );
    expect(fra.transfer).toBeUndefined();
    expect(renderSubjectReportHtml(report(MINOR, [fra]))).toContain(
      'within the European Economic Area',
    );
  });
});

describe('the access report of a restricted subject (Art. 18)', () => {
  const restriction = (action: string, exceptions: string): RegisterEntryInput =>
    aDisclosure({
      event: 'ops-action',
      subjects: ['P1'],
      fields: [],
      categories: [],
      withheld: [],
      actor: { kind: 'client', id: 'demo-ops' },
      reason: 'DPO ticket 118',
      detail: { action, role: 'ops', exceptions },
    });
  const entries = sealEntries(
    [
      restriction('restriction-applied', 'us-apis:consent'),
      restriction('restriction-lifted', 'us-apis:consent'),
      aDisclosure({ event: 'ops-action', subjects: ['P1'], detail: { action: 'hold' } }),
    ],
    { seq: 0, hash: GENESIS_HASH },
    '2027-07-03T10:00:00.000Z',
    [
      '00000000-0000-4000-8000-000000000011',
      '00000000-0000-4000-8000-000000000012',
      '00000000-0000-4000-8000-000000000013',
    ],
  );

  it('should list the restrictions put and lifted, with their exceptions, and no other action', () => {
    const built = report('P1', entries);
    expect(built.restrictions).toEqual([
      {
        entryId: '00000000-0000-4000-8000-000000000011',
        date: '2027-07-03T10:00:00.000Z',
        action: 'applied',
        exceptions: [{ contractId: 'us-apis', ground: 'consent' }],
      },
      {
        entryId: '00000000-0000-4000-8000-000000000012',
        date: '2027-07-03T10:00:00.000Z',
        action: 'lifted',
        exceptions: [{ contractId: 'us-apis', ground: 'consent' }],
      },
    ]);
    expect(report('P2', entries).restrictions).toEqual([]);
  });

  it('should say so in the printable report, in words', () => {
    const html = renderSubjectReportHtml(report('P1', entries));
    expect(html).toContain('<h2>Restriction of processing</h2>');
    expect(html).toContain('processing was restricted');
    expect(html).toContain('us-apis (with your consent)');
    expect(html).toContain('the restriction of processing was lifted');
    expect(renderSubjectReportHtml(report('P2', entries))).not.toContain(
      'Restriction of processing',
    );
  });
});

describe('the Art. 9(2) condition in the access report', () => {
  const hotel = shipped('hotel-rooming-list');
  // Meal and accessible room on the contract; this participant consented to neither.
  const refused: Booking[] = [
    aBooking('B3', [
      aParticipant({
        id: 'P-NOCONSENT',
        meal: 'VGML',
        assistance: ['WCHR'],
        consents: {
          shareMealWithProviders: false,
          shareAssistanceWithProviders: false,
          shareHealthWithInsurer: false,
          image: false,
          voice: false,
        },
      }),
      aParticipant({ id: 'P-CONSENT', meal: 'VGML', assistance: ['WCHR'] }),
    ]),
  ];
  const [stay] = projectAllUnits({ trip, bookings: refused, contract: hotel, catalogue });
  if (stay === undefined) throw new Error('unit');
  const entry = recorded(hotel, stay);

  it('should not tell a subject whose sensitive values were all withheld that they were shared on an Art. 9(2) condition', () => {
    expect(entry.specialCondition).toBe('explicit-consent');
    expect(entry.withheld.filter((w) => w.subject === 'P-NOCONSENT')).not.toEqual([]);
    const [disclosure] = report('P-NOCONSENT', [entry]).disclosures;
    expect(disclosure?.categories).not.toContain(
      'meal requirements (which may reveal religion or health)',
    );
    expect(disclosure?.specialCondition).toBeUndefined();
    expect(renderSubjectReportHtml(report('P-NOCONSENT', [entry]))).not.toContain(
      'health or other sensitive data',
    );
    // One whose sensitive values left is told on which condition.
    expect(report('P-CONSENT', [entry]).disclosures[0]?.specialCondition).toBe('explicit-consent');
  });

  it('should put each condition of an entry recording several in words on the printable page', () => {
    // Meal on consent, the accessible room for medical care: the linter takes it.
    const mixed: Contract = {
      ...hotel,
      specialCategories: [
        {
          condition: 'explicit-consent',
          categories: ['meal'],
          consentFlag: 'shareMealWithProviders',
        },
        { condition: 'health-care', categories: ['assistance'] },
      ],
    };
    const [unit] = projectAllUnits({ trip, bookings: refused, contract: mixed, catalogue });
    if (unit === undefined) throw new Error('unit');
    const both = recorded(mixed, unit);
    expect(both.specialCondition).toBe('explicit-consent,health-care');
    const html = renderSubjectReportHtml(report('P-CONSENT', [both]));
    expect(html).toContain('your explicit consent (GDPR Art. 9(2)(a))');
    expect(html).toContain('medical care (GDPR Art. 9(2)(h))');
    expect(html).not.toContain('explicit-consent,health-care');
  });
});
