import { describe, expect, it } from 'vitest';
import { DispatcherService } from '../src/modules/transmissions/dispatcher.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
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
  /** The plan PostgreSQL makes for a statement of the repository, as JSON text. */
  const planOf = async (
    query: (repository: TransmissionsRepository) => {
      readonly sql: string;
      readonly parameters: readonly unknown[];
    },
  ): Promise<string> => {
    const { sql, parameters } = query(given.app.app.get(TransmissionsRepository));
    const { rows } = await given.app.database.admin(`EXPLAIN (FORMAT JSON) ${sql}`, [
      ...parameters,
    ]);
    return JSON.stringify((rows[0] as { 'QUERY PLAN': unknown })['QUERY PLAN']);
  };

  it('should use the indexes of open transmissions, not scan the table', async () => {
    const plan = await planOf((repository) => repository.missedQuery(new Date()).compile());
    expect(plan).not.toContain('Seq Scan');
    expect(plan).toContain('transmissions_deadline');
    expect(plan).toContain('transmissions_open');
  });

  it('should claim due transmissions by key, asking the index of their unit', async () => {
    const plan = await planOf((repository) => repository.claimQuery(new Date(), 500, 100));
    expect(plan).not.toContain('Seq Scan');
    expect(plan).toContain('transmissions_due');
    expect(plan).toContain('"transmissions_unit"');
    // Not compared with every row in flight (this history's statistics say there are none).
    expect(plan).not.toContain('transmissions_open');
  });

  it('should lease by key, finding what was last delivered through the index of its unit', async () => {
    const { rows: some } = await given.app.database.admin(
      `SELECT id FROM transmissions WHERE status = 'planned' LIMIT 7`,
    );
    const ids = some.map((row) => (row as { id: string }).id);
    expect(ids).toHaveLength(7);
    const plan = await planOf((repository) => repository.leaseQuery(ids, new Date(), 60_000));
    expect(plan).not.toContain('Seq Scan');
    expect(plan).toContain('transmissions_pkey');
    expect(plan).toContain('"transmissions_unit"');
    expect(plan).not.toContain('transmissions_open');
  });
});
