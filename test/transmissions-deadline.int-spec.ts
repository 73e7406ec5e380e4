import { describe, expect, it } from 'vitest';
import { DispatcherService } from '../src/modules/transmissions/dispatcher.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
import { plansOf as plansOfQuery } from './support/query-plans.js';
import { sampleTrip } from './support/input-documents.js';
import { transmissionsOf, useSampleOutboxApp } from './support/pipeline.js';

/**
 * "Never sent late", when the last moment passes between the dispatcher's claim and the
 * worker's lease (or while a job waits for its retry): the worker leases nothing past its
 * last moment, and the dispatcher then reports it missed. An `api` app: no timer runs, the
 * test turns the worker and the dispatcher itself, in the order of the race.
 */
describe('a queued transmission whose last moment has passed', () => {
  const given = useSampleOutboxApp();

  it('should not be leased, nor sent, and should then be reported missed', async () => {
    const target = await given.sample.planned('us-apis');
    // Claimed a moment ago; its last moment passed since.
    await given.app.database.admin(
      `UPDATE transmissions SET status = 'queued', due_at = now() - interval '2 seconds',
         deadline = now() - interval '1 second' WHERE id = $1`,
      [target.id],
    );
    const outcomes = await given.app.app.get(TransmissionSender).send([target.id]);
    expect(outcomes.get(target.id)).toBe('skipped');
    expect(eventsOf(await registerEntries(given.app), target.id)).toEqual([]);
    expect(await given.sample.outboxFilesOf(target.id)).toEqual([]);

    const round = await given.app.app.get(DispatcherService).tick();
    expect(round.missed).toBeGreaterThanOrEqual(1);
    const after = (await transmissionsOf(given.app, sampleTrip().id as string)).find(
      (t) => t.id === target.id,
    );
    expect(after).toMatchObject({ status: 'missed' });
  });

  it('should report missed one whose sender died past its last moment', async () => {
    const target = await given.sample.planned('secure-flight');
    await given.app.database.admin(
      `UPDATE transmissions SET status = 'sending', attempts = 1,
         lease_until = now() - interval '1 second', deadline = now() - interval '1 second'
       WHERE id = $1`,
      [target.id],
    );
    await given.app.app.get(DispatcherService).tick();
    const after = (await transmissionsOf(given.app, sampleTrip().id as string)).find(
      (t) => t.id === target.id,
    );
    expect(after).toMatchObject({ status: 'missed' });
  });
});

/**
 * The dispatcher looks for missed transmissions on every tick (every 5 s by default): with a
 * long history of finished ones, that must be a look at the open ones through the partial
 * indexes, never a scan of the whole table.
 */
describe("the dispatcher's search for missed transmissions", () => {
  const given = useSampleOutboxApp(async (app) => {
    // A year of history: finished transmissions, many times the open ones.
    await app.database.admin(
      `INSERT INTO transmissions (id, contract_id, contract_version, trip_id, unit_key,
         recipient_id, kind, moment, due_at, deadline, status, digest, delivered_digest,
         delivered_at, attempts, created_at, updated_at)
       SELECT md5(t.id::text || n)::uuid, t.contract_id, t.contract_version, t.trip_id,
              t.unit_key, t.recipient_id, t.kind, t.moment + 1000 * n, t.due_at, t.deadline,
              'delivered', t.digest, t.digest, t.due_at, 1, t.created_at, t.updated_at
         FROM transmissions t, generate_series(1, 3000) n`,
    );
    await app.database.admin('ANALYZE transmissions');
  });
  /** The plans of a statement of the repository (custom and generic). */
  const plansOf = (
    query: (repository: TransmissionsRepository) => {
      readonly sql: string;
      readonly parameters: readonly unknown[];
    },
  ) => plansOfQuery(given.app.database.admin, query(given.app.app.get(TransmissionsRepository)));
  /** A node of a plan as `EXPLAIN (FORMAT JSON)` gives it: the fields these tests read. */
  interface PlanNode {
    readonly 'Subplan Name'?: string;
    readonly 'Parent Relationship'?: string;
    readonly 'Index Name'?: string;
    readonly 'Index Cond'?: string;
    readonly Plans?: readonly PlanNode[];
  }
  const rootOf = (plan: string): PlanNode | undefined =>
    (JSON.parse(plan) as { Plan: PlanNode }[])[0]?.Plan;
  /** `node` and the nodes under it; `withInitPlans: false` leaves out the sub-plans it runs first. */
  const nodesUnder = (node: PlanNode, withInitPlans = true): PlanNode[] => [
    node,
    ...(node.Plans ?? [])
      .filter((child) => withInitPlans || child['Parent Relationship'] !== 'InitPlan')
      .flatMap((child) => nodesUnder(child, withInitPlans)),
  ];
  /**
   * The indexes the rows of a plan's CTE `name` are read through (not those its sub-plans
   * read: `locked` takes the ids `picked` chose).
   */
  const indexesOfCte = (plan: string, name: string): string[] => {
    const root = rootOf(plan);
    const cte = (root === undefined ? [] : nodesUnder(root)).find(
      (node) => node['Subplan Name'] === `CTE ${name}`,
    );
    return (cte === undefined ? [] : nodesUnder(cte, false)).flatMap((node) =>
      node['Index Name'] === undefined ? [] : [node['Index Name']],
    );
  };
  /** Every scan of an index in a plan, with its condition. */
  const indexScans = (plan: string): PlanNode[] => {
    const root = rootOf(plan);
    return (root === undefined ? [] : nodesUnder(root)).filter(
      (node) => node['Index Name'] !== undefined,
    );
  };
  /** A transmission's unique key: its unit (trip, contract, unit key), kind and moment. */
  const UNIT_KEY = '"transmissions_trip_id_contract_id_unit_key_kind_moment_key"';

  it('should use the indexes of open transmissions up to the deadline, not scan the table', async () => {
    const plans = await plansOf((repository) => repository.missedQuery(new Date()));
    for (const plan of [plans.custom, plans.generic]) {
      expect(plan).not.toContain('Seq Scan');
      expect(plan).toContain('transmissions_deadline');
      // Those in flight read up to their deadline: not every one of them, nor every entry
      // left behind by those long sent.
      const open = indexScans(plan).filter((scan) => scan['Index Name'] === 'transmissions_open');
      expect(open.length).toBeGreaterThan(0);
      for (const scan of open) expect(scan['Index Cond']).toContain('deadline <');
    }
  });

  it('should claim due transmissions by key, asking the key of their unit', async () => {
    const plans = await plansOf((repository) => repository.claimQuery(new Date(), 500, 100));
    for (const plan of [plans.custom, plans.generic]) {
      expect(plan).not.toContain('Seq Scan');
      expect(plan).toContain('transmissions_due');
      expect(plan).toContain(UNIT_KEY);
      // Not compared with every row in flight (this history's statistics say there are none).
      expect(plan).not.toContain('transmissions_open');
      // The rows picked, locked by key: not every due row read again, each compared with
      // the whole list of those picked.
      expect(indexesOfCte(plan, 'locked')).toEqual(['transmissions_pkey']);
    }
  });

  it('should finish attempts by key, not reading every transmission being sent', async () => {
    const { rows: some } = await given.app.database.admin(
      `SELECT id FROM transmissions WHERE status = 'planned' LIMIT 7`,
    );
    const finishes = some.map((row) => ({
      id: (row as { id: string }).id,
      attempt: 1,
      status: 'delivered' as const,
      deliveredDigest: 'a'.repeat(64),
      lastError: null,
    }));
    expect(finishes).toHaveLength(7);
    const plans = await plansOf((repository) =>
      repository.finishQuery(finishes, new Date()).compile(repository.db),
    );
    for (const plan of [plans.custom, plans.generic]) {
      expect(plan).not.toContain('Seq Scan');
      expect(plan).toContain('transmissions_pkey');
      expect(plan).not.toContain('transmissions_open');
    }
  });

  it('should lease by key, finding what was last delivered through the key of its unit', async () => {
    const { rows: some } = await given.app.database.admin(
      `SELECT id FROM transmissions WHERE status = 'planned' LIMIT 7`,
    );
    const ids = some.map((row) => (row as { id: string }).id);
    expect(ids).toHaveLength(7);
    const plans = await plansOf((repository) => repository.leaseQuery(ids, new Date(), 60_000));
    for (const plan of [plans.custom, plans.generic]) {
      expect(plan).not.toContain('Seq Scan');
      expect(plan).toContain('transmissions_pkey');
      expect(plan).toContain(UNIT_KEY);
      expect(plan).not.toContain('transmissions_open');
    }
  });
});
