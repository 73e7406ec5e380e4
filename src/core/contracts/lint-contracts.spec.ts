import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readdirSync } from 'node:fs';
import { aBooking, aParticipant, aTrip } from '../../../test/support/builders.js';
import {
  readRepoFile,
  repoPath,
  SHIPPED_CONTRACT_IDS,
  shippedLintContext,
} from '../../../test/support/shipped-catalog.js';
import { shippedFormatRegistry, SHIPPED_FORMATS } from '../formats/format-registry.js';
import {
  ANY_DISCLOSABLE_FIELD,
  createFormatRegistry,
  type PayloadFormat,
} from '../formats/payload-format.js';
import { CONSENT_FLAGS } from '../model/booking.js';
import { planTrip } from '../planning/plan-trip.js';
import { ok } from '../shared/result.js';
import {
  SPECIAL_CATEGORY_ARTICLE,
  SPECIAL_CATEGORY_CONDITIONS,
  type SpecialCategoryCondition,
} from './contract.js';
import {
  CONDITION_CATEGORIES,
  CONSENT_FLAG_CATEGORIES,
  formatProblem,
  lintContracts,
  MAX_SCHEDULE_OFFSET,
  type LintContext,
} from './lint-contracts.js';
import { MAX_CONTRACT_CHARS } from './parse-contract.js';

const context = shippedLintContext();

/** A contract that passes every rule; each test breaks one thing. */
const baseContract = (): Record<string, unknown> => ({
  id: 'test-coach-list',
  version: 1,
  // A fixed recipient: a hotel or an airline is taken from the unit (from-unit).
  recipient: {
    id: 'COACH-PARIS-1',
    name: 'A coach company in Paris',
    category: 'transport',
    country: 'FRA',
  },
  purpose: 'Take the group from the station to its hotel on the day of check-in.',
  legalBasis: 'contract',
  unit: 'stay',
  scope: { roles: ['participant', 'leader'] },
  fields: ['participant.surname', 'participant.givenNames', 'stay.checkIn'],
  format: { type: 'csv' },
  transport: { type: 'outbox' },
  schedule: { send: [{ before: 'stay.checkIn', offset: 'P7D' }], resend: 'on-change' },
  retention: 'P30D after stay.checkOut',
});

function lint(contract: Record<string, unknown>, lintContext: LintContext = context) {
  return lintContracts([{ file: 'contracts/test.yaml', text: stringify(contract) }], lintContext);
}

function problemsOf(contract: Record<string, unknown>, lintContext?: LintContext): string[] {
  return lint(contract, lintContext).problems.map(formatProblem);
}

/** The shipped contracts with one file edited, linted together: the edited file's problems. */
function shippedProblemsWith(file: string, edit: (text: string) => string): string[] {
  const sources = readdirSync(repoPath('contracts'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => {
      const text = readRepoFile(`contracts/${name}`);
      if (name !== file) return { file: name, text };
      const edited = edit(text);
      expect(edited, 'the edit applies').not.toBe(text);
      return { file: name, text: edited };
    });
  return lintContracts(sources, context)
    .problems.filter((problem) => problem.file === file)
    .map(formatProblem);
}

describe('lintContracts', () => {
  it('should pass every shipped contract', () => {
    const files = readdirSync(repoPath('contracts')).filter((name) => name.endsWith('.yaml'));
    const sources = files.map((name) => ({
      file: `contracts/${name}`,
      text: readRepoFile(`contracts/${name}`),
    }));
    const result = lintContracts(sources, context);
    expect(result.problems.map(formatProblem)).toEqual([]);
    for (const id of SHIPPED_CONTRACT_IDS) expect(result.contracts.has(id)).toBe(true);
  });

  it('should pass the base contract of these tests', () => {
    expect(problemsOf(baseContract())).toEqual([]);
  });

  describe('rule 1: field ids exist in the catalogue', () => {
    it('should reject an unknown field id, naming file, key and rule', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.shoeSize'],
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: fields[1]: unknown field participant.shoeSize (not in config/fields.yaml)',
      ]);
    });

    it('should reject a field listed twice', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.surname'],
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: fields[1]: participant.surname is listed twice',
      ]);
    });
  });

  describe('rule 2: necessity, both ways', () => {
    // A format added later declares a narrow list: the lint must use it.
    const narrowFormat: PayloadFormat<Record<string, never>> = {
      type: 'name-list',
      standard: 'test',
      units: ['stay', 'flight'],
      parseOptions: () => ok({}),
      emits: () => ['participant.surname', 'participant.givenNames', 'stay.checkIn'],
      requires: () => ['participant.surname', 'stay.checkIn'],
      serialize: () => ok([]),
    };
    const withNarrow: LintContext = {
      ...context,
      formats: createFormatRegistry([...SHIPPED_FORMATS, narrowFormat]),
    };

    it('should reject a field the format never emits as unnecessary', () => {
      const contract = {
        ...baseContract(),
        format: { type: 'name-list' },
        fields: [
          'participant.surname',
          'participant.givenNames',
          'stay.checkIn',
          'participant.dateOfBirth',
        ],
      };
      expect(problemsOf(contract, withNarrow)).toEqual([
        'contracts/test.yaml: fields[3]: unnecessary field participant.dateOfBirth: the name-list format never emits it',
      ]);
    });

    it('should reject a contract missing a field the format requires', () => {
      const contract = {
        ...baseContract(),
        format: { type: 'name-list' },
        fields: ['participant.surname'],
      };
      expect(problemsOf(contract, withNarrow)).toEqual([
        'contracts/test.yaml: fields: the name-list format requires stay.checkIn',
      ]);
    });

    it('should reject a required value that the contract does not allow (csv option)', () => {
      const contract = {
        ...baseContract(),
        format: { type: 'csv', options: { required: ['participant.dateOfBirth'] } },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: fields: the csv format requires participant.dateOfBirth',
      ]);
    });

    it('should reject a field that has no value in the unit', () => {
      const contract = { ...baseContract(), fields: ['participant.surname', 'flight.pnr'] };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: fields[1]: unnecessary field flight.pnr: it has no value in a stay unit',
      ]);
    });

    it('should reject a unit the format does not render', () => {
      const contract = {
        ...baseContract(),
        unit: 'trip',
        format: { type: 'name-list' },
        fields: ['participant.surname'],
        schedule: { send: [{ before: 'trip.start', offset: 'P7D' }], resend: 'never' },
      };
      expect(problemsOf(contract, withNarrow)).toContain(
        'contracts/test.yaml: unit: the name-list format renders stay or flight units',
      );
    });

    it('should reject an unknown format and bad format options', () => {
      expect(problemsOf({ ...baseContract(), format: { type: 'xlsx' } })).toEqual([
        `contracts/test.yaml: format.type: unknown format (known: ${[...shippedFormatRegistry().keys()].join(', ')})`,
      ]);
      expect(
        problemsOf({ ...baseContract(), format: { type: 'csv', options: { delimiter: '|' } } }),
      ).toEqual(['contracts/test.yaml: format.options.delimiter: must be one of ,, ;']);
    });

    it('should accept any disclosable field for generic formats', () => {
      expect(shippedFormatRegistry().get('csv')?.emits({})).toBe(ANY_DISCLOSABLE_FIELD);
    });
  });

  describe('rule 3: special categories need an Art. 9(2) condition, and consent a flag', () => {
    it('should reject a special-category field without specialCategories', () => {
      const contract = { ...baseContract(), fields: ['participant.surname', 'participant.meal'] };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories: required: the contract lists special-category data (meal) and needs an Art. 9(2) condition',
      ]);
    });

    it('should reject explicit consent without a consent flag', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal'],
        specialCategories: { condition: 'explicit-consent' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories.consentFlag: required when the condition is explicit-consent',
      ]);
    });

    it('should reject a consent flag that is not a recorded consent', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal'],
        specialCategories: { condition: 'explicit-consent', consentFlag: 'likesFood' },
      };
      expect(problemsOf(contract)[0]).toMatch(/^contracts\/test\.yaml: specialCategories: /);
    });

    it('should reject a special category no condition covers', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal', 'participant.accessibleRoom'],
        specialCategories: [
          {
            condition: 'explicit-consent',
            categories: ['meal'],
            consentFlag: 'shareMealWithProviders',
          },
        ],
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories: no condition covers category assistance',
      ]);
    });

    it('should reject a condition covering a category the contract does not list', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal'],
        specialCategories: [
          {
            condition: 'explicit-consent',
            categories: ['meal'],
            consentFlag: 'shareMealWithProviders',
          },
          {
            condition: 'explicit-consent',
            categories: ['health'],
            consentFlag: 'shareHealthWithInsurer',
          },
        ],
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories[1].categories[0]: no listed field is in category health',
      ]);
    });

    it('should reject a consent flag that is not the consent for the category it gates', () => {
      // Meal codes can reveal religion: a participant who agreed to share assistance needs
      // but refused to share their meal must not have the meal sent on that consent.
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal'],
        specialCategories: {
          condition: 'explicit-consent',
          consentFlag: 'shareAssistanceWithProviders',
        },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories.consentFlag: shareAssistanceWithProviders is not a consent to share meal: use shareMealWithProviders, in a rule of its own',
      ]);
    });

    it('should reject one consent flag gating several categories when it fits only one', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal', 'participant.accessibleRoom'],
        specialCategories: { condition: 'explicit-consent', consentFlag: 'shareMealWithProviders' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories.consentFlag: shareMealWithProviders is not a consent to share assistance: use shareAssistanceWithProviders, in a rule of its own',
      ]);
    });

    it('should reject health data gated on a meal or assistance consent', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.health.allergies'],
        specialCategories: [
          {
            condition: 'explicit-consent',
            categories: ['health'],
            consentFlag: 'shareMealWithProviders',
          },
        ],
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories[0].consentFlag: shareMealWithProviders is not a consent to share health: use shareHealthWithInsurer, in a rule of its own',
      ]);
    });

    it('should reject the shipped airline group list with its two consent flags swapped', () => {
      expect(
        shippedProblemsWith('airline-group-list.yaml', (text) =>
          text
            .replace('consentFlag: shareMealWithProviders', 'consentFlag: SWAP')
            .replace(
              'consentFlag: shareAssistanceWithProviders',
              'consentFlag: shareMealWithProviders',
            )
            .replace('consentFlag: SWAP', 'consentFlag: shareAssistanceWithProviders'),
        ),
      ).toEqual([
        'airline-group-list.yaml: specialCategories[0].consentFlag: shareAssistanceWithProviders is not a consent to share meal: use shareMealWithProviders, in a rule of its own',
        'airline-group-list.yaml: specialCategories[1].consentFlag: shareMealWithProviders is not a consent to share assistance: use shareAssistanceWithProviders, in a rule of its own',
      ]);
    });

    it('should map every special category of the catalogue to a consent flag, and only those', () => {
      const special = [...context.catalogue.categories.values()]
        .filter((category) => category.special)
        .map((category) => category.id)
        .sort();
      const gated = CONSENT_FLAGS.flatMap((flag) => CONSENT_FLAG_CATEGORIES[flag]).sort();
      expect(gated).toEqual(special);
    });

    it('should reject a consent flag on a condition that is not consent', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal'],
        specialCategories: { condition: 'legal-claims', consentFlag: 'shareMealWithProviders' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories.consentFlag: only meaningful with explicit-consent, not legal-claims',
      ]);
    });

    it('should reject an Art. 9(2) condition that never covers a disclosure to a recipient', () => {
      // Under any condition but consent, the projection releases every participant's value:
      // 9(2)(d) forbids disclosure outside the body without consent, and a booking is not
      // data the person made public (9(2)(e)).
      for (const condition of ['not-for-profit-body', 'made-public']) {
        const contract = {
          ...baseContract(),
          fields: ['participant.surname', 'participant.health.conditions'],
          specialCategories: { condition },
        };
        expect(problemsOf(contract)).toEqual([
          `contracts/test.yaml: specialCategories.condition: ${condition} (${SPECIAL_CATEGORY_ARTICLE[condition as SpecialCategoryCondition]}) never covers a disclosure to a recipient: use explicit-consent`,
        ]);
      }
    });

    it('should reject medical care or public health as the condition for meal codes, which may reveal religion', () => {
      expect(
        shippedProblemsWith('airline-group-list.yaml', (text) =>
          text.replace(
            '  - condition: explicit-consent\n    categories: [meal]\n    consentFlag: shareMealWithProviders\n',
            '  - condition: health-care\n    categories: [meal]\n',
          ),
        ),
      ).toEqual([
        'airline-group-list.yaml: specialCategories[0].condition: health-care (Art. 9(2)(h)) does not cover meal: it covers health and assistance only',
      ]);
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.meal'],
        specialCategories: { condition: 'public-health' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories.condition: public-health (Art. 9(2)(i)) does not cover meal: it covers health and assistance only',
      ]);
    });

    it('should say for every Art. 9(2) condition which special categories it can cover', () => {
      const special = [...context.catalogue.categories.values()]
        .filter((category) => category.special)
        .map((category) => category.id);
      for (const condition of SPECIAL_CATEGORY_CONDITIONS) {
        const covers = CONDITION_CATEGORIES[condition];
        if (covers === 'any') continue;
        for (const category of covers) expect(special).toContain(category);
      }
    });
  });

  describe('rule 4: fields that never leave', () => {
    it.each([
      'participant.notes',
      'participant.marketing',
      'participant.consents',
      'booking.notes',
      'booking.payment',
      'participant.image',
      'participant.voice',
    ])('should reject %s', (field) => {
      const contract = { ...baseContract(), fields: ['participant.surname', field] };
      expect(problemsOf(contract)).toEqual([
        `contracts/test.yaml: fields[1]: ${field} never leaves Passerelle`,
      ]);
    });
  });

  describe('rule 5: transfers outside the EEA need a safeguard', () => {
    it('should reject a recipient outside the EEA without transfer.safeguard', () => {
      const contract = {
        ...baseContract(),
        recipient: { id: 'BUS-1', name: 'A coach company', category: 'transport', country: 'USA' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: transfer.safeguard: required: USA is outside the EEA',
      ]);
    });

    it('should reject a from-unit country without transfer.safeguard', () => {
      const contract = {
        ...baseContract(),
        recipient: { id: 'from-unit', name: 'Hotel', category: 'hotel', country: 'from-unit' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: transfer.safeguard: required: the recipient country comes from the unit and may be outside the EEA',
      ]);
    });

    it('should require transfer.safeguard when recipient.id is from-unit, even with a fixed EEA country', () => {
      // The hotel of the stay is whichever hotel the trip books (one in New York, say):
      // `country: FRA` must not silence rule 5 ("or from-unit with a non-EEA possibility").
      const contract = {
        ...baseContract(),
        recipient: { id: 'from-unit', name: 'Hotel', category: 'hotel', country: 'FRA' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: transfer.safeguard: required: the recipient comes from the unit (recipient.id from-unit) and may be outside the EEA',
        'contracts/test.yaml: recipient.country: must be from-unit when recipient.id is from-unit: the recipient, and so its country, comes from the unit',
      ]);
    });

    it('should reject the shipped rooming list with a fixed EEA country and no transfer', () => {
      expect(
        shippedProblemsWith('hotel-rooming-list.yaml', (text) =>
          text
            .replace(/^ {2}country: from-unit$/m, '  country: FRA')
            .replace(/^transfer:\n(?: {2}.*\n)+/m, ''),
        ),
      ).toEqual([
        'hotel-rooming-list.yaml: transfer.safeguard: required: the recipient comes from the unit (recipient.id from-unit) and may be outside the EEA',
        'hotel-rooming-list.yaml: recipient.country: must be from-unit when recipient.id is from-unit: the recipient, and so its country, comes from the unit',
      ]);
    });

    it('should reject a fixed country with a from-unit recipient even with a safeguard', () => {
      // The register would record FRA for every hotel, wherever it is.
      const contract = {
        ...baseContract(),
        recipient: { id: 'from-unit', name: 'Hotel', category: 'hotel', country: 'FRA' },
        transfer: { safeguard: 'art49-contract' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: recipient.country: must be from-unit when recipient.id is from-unit: the recipient, and so its country, comes from the unit',
      ]);
    });

    it('should accept a recipient outside the EEA with a safeguard, and one inside without', () => {
      const outside = {
        ...baseContract(),
        recipient: { id: 'BUS-1', name: 'A coach company', category: 'transport', country: 'USA' },
        transfer: { safeguard: 'art49-contract' },
      };
      expect(problemsOf(outside)).toEqual([]);
      const inside = {
        ...baseContract(),
        recipient: { id: 'BUS-1', name: 'A coach company', category: 'transport', country: 'NOR' },
      };
      expect(problemsOf(inside)).toEqual([]);
    });
  });

  describe('rule 6: vital interests only on demand', () => {
    it('should reject legalBasis vital-interests on a scheduled send', () => {
      const contract = { ...baseContract(), legalBasis: 'vital-interests' };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: legalBasis: vital-interests is allowed only for on-demand release (transport api-response)',
      ]);
    });

    it('should reject an Art. 9(2)(c) condition on a scheduled send', () => {
      const contract = {
        ...baseContract(),
        fields: ['participant.surname', 'participant.health.allergies'],
        specialCategories: { condition: 'vital-interests' },
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: specialCategories[0].condition: vital-interests is allowed only for on-demand release (transport api-response)',
      ]);
    });

    it('should accept vital interests released on demand', () => {
      const contract = {
        ...baseContract(),
        legalBasis: 'vital-interests',
        recipient: { id: 'from-unit', name: 'Insurer', category: 'insurer', country: 'from-unit' },
        transfer: { safeguard: 'art49-vital-interests' },
        unit: 'participant',
        scope: { insuredBy: 'recipient' },
        fields: ['participant.surname', 'participant.health.allergies'],
        specialCategories: { condition: 'vital-interests' },
        format: { type: 'json' },
        transport: { type: 'api-response' },
        schedule: {
          onDemand: {
            from: { before: 'trip.start', offset: 'P1D' },
            until: { after: 'trip.end', offset: 'P1D' },
          },
        },
        retention: 'P5Y after trip.end',
      };
      expect(problemsOf(contract)).toEqual([]);
    });
  });

  describe('structure and consistency', () => {
    it('should name the key of a structural problem and never accept unknown keys', () => {
      expect(problemsOf({ ...baseContract(), version: 0, colour: 'blue' })).toEqual([
        'contracts/test.yaml: version: must be at least 1',
        'contracts/test.yaml: colour: unknown key',
      ]);
    });

    it('should report a YAML syntax error with its line', () => {
      const result = lintContracts(
        [{ file: 'contracts/bad.yaml', text: 'id: [unclosed\n' }],
        context,
      );
      expect(result.problems.map(formatProblem)[0]).toMatch(
        /^contracts\/bad\.yaml: line \d+: not valid YAML/,
      );
    });

    it('should reject two files with the same contract id', () => {
      const text = stringify(baseContract());
      const result = lintContracts(
        [
          { file: 'a.yaml', text },
          { file: 'b.yaml', text },
        ],
        context,
      );
      expect(result.problems.map(formatProblem)).toEqual([
        'b.yaml: id: duplicate contract id (also in a.yaml)',
      ]);
    });

    it('should reject an endpoint that is missing or of another transport', () => {
      expect(
        problemsOf({ ...baseContract(), transport: { type: 'sftp', endpoint: 'nowhere' } }),
      ).toEqual([
        'contracts/test.yaml: transport.endpoint: unknown endpoint (not in config/endpoints.yaml)',
      ]);
      expect(
        problemsOf({
          ...baseContract(),
          transport: { type: 'sftp', endpoint: 'insurer-enrollment' },
        }),
      ).toEqual(['contracts/test.yaml: transport.endpoint: endpoint is for https, not sftp']);
    });

    it('should reject a schedule event the unit does not have', () => {
      const contract = {
        ...baseContract(),
        schedule: { send: [{ before: 'flight.departure', offset: 'PT72H' }], resend: 'never' },
      };
      expect(problemsOf(contract)).toContain(
        'contracts/test.yaml: schedule.send[0]: a stay unit has no event flight.departure',
      );
    });

    it("should reject a send that comes after the schedule's last moment on the same event", () => {
      expect(
        problemsOf({
          ...baseContract(),
          schedule: {
            send: [
              { before: 'stay.checkIn', offset: 'P7D' },
              { after: 'stay.checkIn', offset: 'PT6H' },
            ],
            resend: 'never',
            until: { before: 'stay.checkIn', offset: 'P1D' },
          },
        }),
      ).toEqual([
        "contracts/test.yaml: schedule.send[1]: comes at or after schedule.until (without one, the first send's event), so it could never be sent in time",
      ]);
    });

    it('should reject a send at its last moment, which falls due when it may no longer leave', () => {
      const withSchedule = (schedule: Record<string, unknown>) =>
        problemsOf({ ...baseContract(), schedule: { resend: 'on-change', ...schedule } });
      const never = (index: number) =>
        `contracts/test.yaml: schedule.send[${index}]: comes at or after schedule.until (without one, the first send's event), so it could never be sent in time`;
      // Due at the very moment it is no longer allowed to leave, it is missed at every trip.
      expect(
        withSchedule({ send: [{ at: 'stay.checkIn' }], until: { at: 'stay.checkIn' } }),
      ).toEqual([never(0)]);
      // Without `until`, the last moment is the first send's event.
      expect(withSchedule({ send: [{ at: 'stay.checkIn' }] })).toEqual([never(0)]);
      expect(withSchedule({ send: [{ after: 'stay.checkIn', offset: 'PT6H' }] })).toEqual([
        never(0),
      ]);
      expect(
        withSchedule({
          send: [
            { before: 'stay.checkIn', offset: 'P7D' },
            { after: 'stay.checkIn', offset: 'PT6H' },
          ],
        }),
      ).toEqual([never(1)]);
      // A later last moment: sendable.
      expect(
        withSchedule({
          send: [{ after: 'stay.checkIn', offset: 'PT6H' }],
          until: { at: 'stay.checkOut' },
        }),
      ).toEqual([]);
      expect(
        withSchedule({
          send: [{ after: 'stay.checkIn', offset: 'PT6H' }],
          until: { after: 'stay.checkIn', offset: 'P1D' },
        }),
      ).toEqual([]);
    });

    it('should reject booking.confirmed as a last moment or with an offset, since it moves with every re-planning', () => {
      const enrollment = (schedule: Record<string, unknown>) =>
        problemsOf({
          ...baseContract(),
          unit: 'trip',
          fields: ['participant.surname', 'participant.givenNames'],
          schedule: { resend: 'on-change', ...schedule },
          retention: 'P30D after trip.end',
        });
      const lastMoment =
        "contracts/test.yaml: schedule.until: cannot be booking.confirmed (without one, the first send's event): it is when the unit is planned, again at every re-planning, so nothing could be sent in time";
      const offset =
        'contracts/test.yaml: schedule.send[0]: booking.confirmed takes no offset: it is when the unit is planned, again at every re-planning';
      // The shipped enrolment without its `until`: each send due at planning, and past its
      // last moment — the moment of planning — by the time the dispatcher looks.
      expect(
        enrollment({
          send: [{ at: 'booking.confirmed' }, { before: 'trip.start', offset: 'P1D' }],
        }),
      ).toEqual([lastMoment]);
      expect(
        enrollment({
          send: [{ before: 'trip.start', offset: 'P1D' }],
          until: { after: 'booking.confirmed', offset: 'P30D' },
        }),
      ).toEqual([lastMoment]);
      // An hour after planning: every change of the trip before it falls due moves it again.
      expect(
        enrollment({
          send: [{ after: 'booking.confirmed', offset: 'PT1H' }],
          until: { at: 'trip.end' },
        }),
      ).toEqual([offset]);
      expect(
        enrollment({ send: [{ at: 'booking.confirmed' }], until: { at: 'trip.end' } }),
      ).toEqual([]);
    });

    it('should reject scope.insuredBy: recipient with a fixed recipient id', () => {
      // The unit is split per insurer: a fixed id would address every insurer's list to it.
      const contract = {
        ...baseContract(),
        unit: 'trip',
        recipient: { id: 'INS-1', name: 'Insurer', category: 'insurer', country: 'FRA' },
        scope: { insuredBy: 'recipient' },
        fields: ['participant.surname'],
        schedule: { send: [{ before: 'trip.start', offset: 'P1D' }], resend: 'never' },
        retention: 'P30D after trip.end',
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: recipient.id: must be from-unit with scope.insuredBy: recipient: each insurer gets only its own insured participants',
      ]);
    });

    it('should reject the shipped insurer enrolment addressed to one fixed insurer', () => {
      expect(
        shippedProblemsWith('insurer-enrollment.yaml', (text) =>
          text.replace(/^ {2}id: from-unit.*$/m, '  id: INS-MUTUELLE-VOYAGE'),
        ),
      ).toContain(
        'insurer-enrollment.yaml: recipient.id: must be from-unit with scope.insuredBy: recipient: each insurer gets only its own insured participants',
      );
    });

    it('should refuse a schedule offset that no date can hold, naming the key', () => {
      expect(
        problemsOf({
          ...baseContract(),
          schedule: {
            send: [{ before: 'stay.checkIn', offset: 'P99999999999D' }],
            resend: 'on-change',
          },
        }),
      ).toEqual([
        `contracts/test.yaml: schedule.send[0].offset: longer than ${MAX_SCHEDULE_OFFSET} (about 10 years) from its event`,
      ]);
      // A number of days too large for a number at all: refused, not a crash.
      expect(
        problemsOf({
          ...baseContract(),
          schedule: {
            send: [{ before: 'stay.checkIn', offset: 'P7D' }],
            resend: 'never',
            until: { after: 'stay.checkIn', offset: `P${'9'.repeat(400)}D` },
          },
        }),
      ).toEqual([
        `contracts/test.yaml: schedule.until.offset: longer than ${MAX_SCHEDULE_OFFSET} (about 10 years) from its event`,
      ]);
      expect(
        problemsOf({
          ...baseContract(),
          legalBasis: 'vital-interests',
          transport: { type: 'api-response' },
          schedule: {
            onDemand: {
              from: { before: 'stay.checkIn', offset: 'P99999W' },
              until: { at: 'stay.checkOut' },
            },
          },
        }),
      ).toEqual([
        `contracts/test.yaml: schedule.onDemand.from.offset: longer than ${MAX_SCHEDULE_OFFSET} (about 10 years) from its event`,
      ]);
    });

    it('should refuse the shipped group list with an offset no date can hold', () => {
      expect(
        shippedProblemsWith('airline-group-list.yaml', (text) =>
          text.replace(/offset: P\w+/, 'offset: P99999999999D'),
        ),
      ).toEqual([
        `airline-group-list.yaml: schedule.send[0].offset: longer than ${MAX_SCHEDULE_OFFSET} (about 10 years) from its event`,
      ]);
    });

    it('should accept the longest offset, and the planner should plan it', () => {
      const longest = {
        ...baseContract(),
        id: 'test-flight-list',
        recipient: {
          id: 'from-unit',
          name: 'Operating airline',
          category: 'airline',
          country: 'from-unit',
        },
        transfer: { safeguard: 'art49-contract' },
        unit: 'flight',
        fields: ['participant.surname', 'flight.flightNumber'],
        schedule: {
          send: [{ before: 'flight.departure', offset: MAX_SCHEDULE_OFFSET }],
          resend: 'never',
        },
        retention: 'P30D after flight.departure',
      };
      const result = lint(longest);
      expect(result.problems.map(formatProblem)).toEqual([]);
      const contract = result.contracts.get('test-flight-list')?.contract;
      expect(contract).toBeDefined();
      if (contract === undefined) return;
      const sends = planTrip({
        trip: aTrip(),
        bookings: [aBooking('B1', [aParticipant({ id: 'P1' })])],
        contracts: [contract],
        catalogue: context.catalogue,
        now: Date.parse('2027-05-01T08:00:00Z'),
      });
      expect(sends.map((send) => send.contractId)).toEqual(['test-flight-list']);
    });

    it('should reject an insurer recipient that is not scoped to its own insured', () => {
      const contract = {
        ...baseContract(),
        unit: 'trip',
        recipient: { id: 'INS-1', name: 'Insurer', category: 'insurer', country: 'FRA' },
        fields: ['participant.surname'],
        schedule: { send: [{ before: 'trip.start', offset: 'P1D' }], resend: 'never' },
        retention: 'P30D after trip.end',
      };
      expect(problemsOf(contract)).toEqual([
        'contracts/test.yaml: scope.insuredBy: required for insurer recipients: an insurer gets only its own insured participants',
      ]);
    });

    it('should reject a fixed hotel or airline recipient, which would receive every stay or flight', () => {
      expect(
        problemsOf({
          ...baseContract(),
          recipient: { id: 'HTL-PARIS-1', name: 'A hotel', category: 'hotel', country: 'FRA' },
        }),
      ).toEqual([
        'contracts/test.yaml: recipient.id: must be from-unit for a hotel: each hotel gets only the guests of its own stays',
      ]);
      expect(
        shippedProblemsWith('airline-group-list.yaml', (text) =>
          text.replace(
            /^ {2}id: from-unit.*\n {2}name: (.*)\n {2}category: airline\n {2}country: from-unit$/m,
            '  id: AF\n  name: $1\n  category: airline\n  country: FRA',
          ),
        ),
      ).toEqual([
        'airline-group-list.yaml: recipient.id: must be from-unit for an airline: each carrier gets only the passengers of its own flights',
      ]);
    });

    it('should reject an on-demand window that never opens, or that booking.confirmed keeps open', () => {
      const onDemand = (from: Record<string, string>, until: Record<string, string>) =>
        shippedProblemsWith('insurer-emergency.yaml', (text) =>
          text.replace(
            /^ {2}onDemand:\n[\s\S]*?\nretention:/m,
            `  onDemand:\n${stringify({ from, until })
              .trimEnd()
              .split('\n')
              .map((line) => `    ${line}`)
              .join('\n')}\nretention:`,
          ),
        );
      expect(
        onDemand({ after: 'trip.end', offset: 'P1D' }, { before: 'trip.end', offset: 'P1D' }),
      ).toEqual([
        'insurer-emergency.yaml: schedule.onDemand: from never comes before until: no request could ever be answered',
      ]);
      // A trip ends after it starts: from the end to the start is empty too.
      expect(onDemand({ at: 'trip.end' }, { at: 'trip.start' })).toEqual([
        'insurer-emergency.yaml: schedule.onDemand: from never comes before until: no request could ever be answered',
      ]);
      // booking.confirmed is the moment of the request: health data on demand for ever.
      expect(
        onDemand({ before: 'trip.start', offset: 'P1D' }, { at: 'booking.confirmed' }),
      ).toEqual([
        'insurer-emergency.yaml: schedule.onDemand.until: cannot be booking.confirmed: an on-demand window is bounded by the trip (trip.start, trip.end)',
      ]);
    });

    it('should reject a send that can only come after the last moment on a later event, and a moment given twice', () => {
      expect(
        problemsOf({
          ...baseContract(),
          schedule: {
            send: [{ before: 'stay.checkOut', offset: 'P1D' }],
            resend: 'never',
            until: { before: 'stay.checkIn', offset: 'P1D' },
          },
        }),
      ).toEqual([
        "contracts/test.yaml: schedule.send[0]: comes at or after schedule.until (without one, the first send's event), so it could never be sent in time",
      ]);
      expect(
        problemsOf({
          ...baseContract(),
          schedule: {
            send: [
              { before: 'stay.checkIn', offset: 'P7D' },
              { before: 'stay.checkIn', offset: 'P1D' },
              { before: 'stay.checkIn', offset: 'P1W' },
            ],
            resend: 'on-change',
          },
        }),
      ).toEqual([
        'contracts/test.yaml: schedule.send[2]: the same moment as schedule.send[0]: the data would be sent twice',
      ]);
    });

    it('should name the key and the rule of a mistake inside the schedule', () => {
      expect(
        problemsOf({
          ...baseContract(),
          schedule: { send: [{ before: 'stay.checkin', offest: 'P7D' }], resend: 'on-change' },
        }),
      ).toEqual([
        'contracts/test.yaml: schedule.send[0].before: must be one of flight.departure, stay.checkIn, stay.checkOut, trip.start, trip.end, booking.confirmed',
        'contracts/test.yaml: schedule.send[0].offest: unknown key',
      ]);
      expect(
        problemsOf({
          ...baseContract(),
          schedule: { sned: [{ at: 'stay.checkIn' }], resend: 'never' },
        }),
      ).toEqual([
        'contracts/test.yaml: schedule.sned: unknown key',
        'contracts/test.yaml: schedule.send: required (or onDemand)',
      ]);
      expect(
        problemsOf({
          ...baseContract(),
          schedule: {
            send: [{ at: 'stay.checkIn', offset: 'P1D' }, { before: 'stay.checkIn' }],
            resend: 'never',
            onDemand: { from: { at: 'trip.start' }, until: { at: 'trip.end' } },
          },
        }),
      ).toEqual([
        'contracts/test.yaml: schedule.send[0].offset: not with at',
        'contracts/test.yaml: schedule.send[1].offset: required with before',
        'contracts/test.yaml: schedule.send: not with onDemand',
        'contracts/test.yaml: schedule.resend: not with onDemand',
      ]);
    });

    it('should reject a retention counted from an event the unit does not have', () => {
      expect(problemsOf({ ...baseContract(), retention: 'P30D after stay.chekOut' })).toEqual([
        'contracts/test.yaml: retention: a stay unit has no event stay.chekOut (events: stay.checkIn, stay.checkOut, trip.start, trip.end)',
      ]);
      expect(problemsOf({ ...baseContract(), retention: 'P30D after flight.departure' })).toEqual([
        'contracts/test.yaml: retention: a stay unit has no event flight.departure (events: stay.checkIn, stay.checkOut, trip.start, trip.end)',
      ]);
    });

    it('should reject a blank or placeholder purpose and a blank recipient name', () => {
      const recipient = baseContract().recipient as Record<string, unknown>;
      expect(
        problemsOf({
          ...baseContract(),
          purpose: '            ',
          recipient: { ...recipient, name: ' ' },
        }),
      ).toEqual([
        'contracts/test.yaml: recipient.name: must name the recipient',
        'contracts/test.yaml: purpose: must say what the data is for (at least 10 characters besides spaces)',
      ]);
      expect(problemsOf({ ...baseContract(), purpose: 'TODO: write the purpose' })).toEqual([
        'contracts/test.yaml: purpose: is a placeholder (TODO, TBD, FIXME, XXX, lorem ipsum): say what the data is for',
      ]);
    });

    it('should reject retries on an api-response, which is answered once', () => {
      expect(
        shippedProblemsWith('insurer-emergency.yaml', (text) =>
          text.replace('  type: api-response\n', '  type: api-response\n  maxAttempts: 3\n'),
        ),
      ).toEqual([
        'insurer-emergency.yaml: transport.maxAttempts: an api-response is answered once, never retried',
      ]);
    });
  });

  describe('YAML features', () => {
    const base = () => stringify(baseContract());

    it('should refuse an unknown tag rather than read it as a string', () => {
      const text = base().replace('purpose: ', 'purpose: !!js/function ');
      expect(
        lintContracts([{ file: 'contracts/test.yaml', text }], context).problems.map(formatProblem),
      ).toEqual(['contracts/test.yaml: line 8: not valid YAML (TAG_RESOLVE_FAILED)']);
    });

    it('should refuse YAML 1.1, whose merge keys let the keys beside them win', () => {
      const text = `%YAML 1.1\n---\nbase: &base { id: COACH-PARIS-1 }\n${base().replace(
        'recipient:\n  id: COACH-PARIS-1\n',
        'recipient:\n  <<: *base\n',
      )}`;
      expect(
        lintContracts([{ file: 'contracts/test.yaml', text }], context).problems.map(formatProblem),
      ).toEqual(['contracts/test.yaml: line 1: only YAML 1.2 (remove the %YAML directive)']);
      // In YAML 1.2, `<<` is a key like any other: unknown.
      const plain = base().replace('recipient:\n', 'recipient:\n  <<: { id: X }\n');
      expect(
        lintContracts([{ file: 'contracts/test.yaml', text: plain }], context).problems.map(
          formatProblem,
        ),
      ).toEqual(['contracts/test.yaml: recipient.<<: unknown key']);
    });

    it('should report aliases that expand without end as a problem, not throw', () => {
      let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
      for (let level = 1; level < 9; level++) {
        const alias = `*a${level - 1}`;
        text += `a${level}: &a${level} [${Array.from({ length: 10 }, () => alias).join(', ')}]\n`;
      }
      const lint = () => lintContracts([{ file: 'contracts/bomb.yaml', text }], context);
      expect(lint).not.toThrow();
      expect(lint().problems.map(formatProblem)).toEqual([
        'contracts/bomb.yaml: (file): not valid YAML (too many aliases to expand)',
      ]);
    });

    it('should refuse a contract too long to be one', () => {
      const text = `${base()}# ${'x'.repeat(MAX_CONTRACT_CHARS)}\n`;
      expect(
        lintContracts([{ file: 'contracts/test.yaml', text }], context).problems.map(formatProblem),
      ).toEqual([
        `contracts/test.yaml: (file): longer than ${MAX_CONTRACT_CHARS} characters: a contract is a page, reviewed like code`,
      ]);
    });
  });
});
