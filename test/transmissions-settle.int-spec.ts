import { describe, expect, it } from 'vitest';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { TransportsService } from '../src/modules/transports/transports.service.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
import { useSampleOutboxApp } from './support/pipeline.js';

/**
 * A delivery's outcome is one commit: the row marked delivered and its `disclosure-delivered`
 * entry, or neither. Were the entry appended first and the row finished after, a failure
 * between the two would leave the delivery recorded on a row still being sent — sent again
 * when its lease runs out, and recorded twice. An `api` app: no timer runs, the test turns
 * the worker itself.
 */
describe('recording a delivery', () => {
  const given = useSampleOutboxApp();

  it('should commit the row and its entry together: a failure finishing the row records no delivery, and the next attempt records the only one', async () => {
    const target = await given.sample.planned('us-apis');
    await given.app.database.admin(
      `UPDATE transmissions SET status = 'queued', due_at = now() WHERE id = $1`,
      [target.id],
    );
    // PostgreSQL refuses to mark the row delivered (as a lost connection or a full disk would).
    await given.app.database.admin(`
      CREATE FUNCTION test_refuse_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the database went away'; END $$;
      CREATE TRIGGER test_refuse_delivered BEFORE UPDATE ON transmissions FOR EACH ROW
        WHEN (NEW.status = 'delivered') EXECUTE FUNCTION test_refuse_delivered()`);
    const sender = given.app.app.get(TransmissionSender);
    try {
      await expect(sender.send([target.id])).rejects.toThrow('the database went away');
    } finally {
      await given.app.database.admin(`
        DROP TRIGGER test_refuse_delivered ON transmissions;
        DROP FUNCTION test_refuse_delivered()`);
    }
    // The file left; its delivery is not recorded, and the row is still being sent.
    expect(await given.sample.outboxFilesOf(target.id)).not.toEqual([]);
    expect(eventsOf(await registerEntries(given.app), target.id)).toEqual(['disclosure-attempted']);
    const { rows } = await given.app.database.admin(
      'SELECT status FROM transmissions WHERE id = $1',
      [target.id],
    );
    expect(rows[0]).toEqual({ status: 'sending' });

    // Its lease runs out (the reconciler's case): sent again, recorded once.
    await given.app.database.admin(
      `UPDATE transmissions SET lease_until = now() - interval '1 second' WHERE id = $1`,
      [target.id],
    );
    expect((await sender.send([target.id])).get(target.id)).toBe('delivered');
    expect(eventsOf(await registerEntries(given.app), target.id)).toEqual([
      'disclosure-attempted',
      'disclosure-attempted',
      'disclosure-delivered',
    ]);
  });

  it('should record the delivery of each attempt still holding its row, and none of one taken over', async () => {
    const { rows } = await given.app.database.admin(
      `UPDATE transmissions SET status = 'queued', due_at = now()
        WHERE id IN (SELECT DISTINCT ON (contract_id, unit_key) id FROM transmissions
                      WHERE status = 'planned' AND contract_id <> 'us-apis'
                      ORDER BY contract_id, unit_key, moment LIMIT 2)
        RETURNING id`,
    );
    const [kept, lost] = (rows as { id: string }[]).map((row) => row.id);
    if (kept === undefined || lost === undefined) throw new Error('the sample plans too few');
    // While the files are on their way, `lost` is presumed dead and taken over (another
    // attempt leases it): its attempt no longer holds the row.
    const transports = given.app.app.get(TransportsService);
    const deliver = transports.deliver.bind(transports);
    let takenOver = false;
    transports.deliver = async (transport, delivery) => {
      const delivered = await deliver(transport, delivery);
      if (delivery.transmissionId === lost) {
        await given.app.database.admin(
          `UPDATE transmissions SET attempts = attempts + 1 WHERE id = $1`,
          [lost],
        );
        takenOver = true;
      }
      return delivered;
    };
    const repository = given.app.app.get(TransmissionsRepository);
    const finish = repository.finish.bind(repository);
    let steps = 0;
    repository.finish = (finishes, now, executor) => {
      steps += 1;
      return finish(finishes, now, executor);
    };
    let outcomes: Map<string, string>;
    try {
      outcomes = await given.app.app.get(TransmissionSender).send([kept, lost]);
    } finally {
      transports.deliver = deliver;
      repository.finish = finish;
    }
    expect(takenOver).toBe(true);
    // The one statement did not hold; the step finished the row still held, alone.
    expect(steps).toBe(1);
    expect(outcomes.get(kept)).toBe('delivered');
    expect(outcomes.get(lost)).toBe('skipped');
    const entries = await registerEntries(given.app);
    expect(eventsOf(entries, kept)).toEqual(['disclosure-attempted', 'disclosure-delivered']);
    expect(eventsOf(entries, lost)).toEqual(['disclosure-attempted']);
    const { rows: after } = await given.app.database.admin(
      'SELECT id, status FROM transmissions WHERE id = ANY($1::uuid[])',
      [[kept, lost]],
    );
    expect(
      Object.fromEntries((after as { id: string; status: string }[]).map((r) => [r.id, r.status])),
    ).toEqual({
      [kept]: 'delivered',
      [lost]: 'sending',
    });
  });
});
