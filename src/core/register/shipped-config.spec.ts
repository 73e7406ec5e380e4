import { describe, expect, it } from 'vitest';
import { buildRecordOfProcessing } from '../register/build-ropa.js';
import { parseControllerConfig } from '../register/controller-config.js';
import {
  readRepoFile,
  shippedCatalogue,
  shippedContracts,
  unwrap,
} from '../../../test/support/shipped-catalog.js';

/** The shipped configuration against the controller it is shipped for (config/controller.yaml). */
describe('the shipped contracts and field catalogue', () => {
  const { all } = shippedContracts();
  const controller = unwrap(parseControllerConfig(readRepoFile('config/controller.yaml')));

  it('should name the controller as the sender of every message that names one', () => {
    const named: string[] = [];
    for (const c of all) {
      const options = c.format.options as {
        reportingParty?: { name?: string };
        requestor?: { name?: string };
      };
      const name = options.reportingParty?.name ?? options.requestor?.name;
      if (name !== undefined) named.push(`${c.id}: ${name}`);
    }
    expect(named.length).toBeGreaterThan(0);
    const expected = controller.controller.name.toUpperCase();
    expect(named.filter((entry) => entry.split(': ')[1]?.toUpperCase() !== expected)).toEqual([]);
  });

  it("should describe the group leaders' name and phone as theirs, not as legal representatives'", () => {
    const catalogue = shippedCatalogue();
    for (const id of ['trip.leaders.name', 'trip.leaders.phone']) {
      const field = catalogue.fields.get(id);
      expect(field, id).toBeDefined();
      const label = catalogue.categories.get(field?.category ?? '')?.label ?? '';
      expect(label, `${id} (${field?.category ?? ''})`).toMatch(/leader/i);
    }
  });

  it('should count the leaders among the data subjects of an activity that sends their phone', () => {
    const catalogue = shippedCatalogue();
    const record = buildRecordOfProcessing({
      // Its units of participants only: the leaders are still in it, through their phone.
      contracts: all
        .filter((c) => c.id === 'insurer-emergency')
        .map((contract) => ({
          contract: { ...contract, scope: { ...contract.scope, roles: ['participant' as const] } },
          sha256: 'c'.repeat(64),
        })),
      catalogue,
      controller,
      recorded: [],
      period: { from: null, to: null },
      generatedAt: '2027-01-01T00:00:00.000Z',
    });
    const [activity] = record.activities;
    expect(activity?.categoriesOfDataSubjects).toContain('group leaders');
    expect(activity?.categoriesOfData.map((c) => c.id)).toContain('contact.leader');
  });
});
