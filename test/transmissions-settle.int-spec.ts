import { describe, expect, it } from 'vitest';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
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
    const repository = given.app.app.get(TransmissionsRepository);
    const finish = repository.finish.bind(repository);
    repository.finish = (finishes, now, executor) =>
      finishes.some((f) => f.status === 'delivered')
        ? Promise.reject(new Error('the database went away'))
        : finish(finishes, now, executor);
    const sender = given.app.app.get(TransmissionSender);
    try {
      await expect(sender.send([target.id])).rejects.toThrow('the database went away');
    } finally {
      repository.finish = finish;
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
});
