import { describe, expect, it } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
import { useSampleOutboxApp } from './support/pipeline.js';

/**
 * Jobs that start at the same moment (BullMQ runs several at once) share their statements: one
 * lease for the transmissions of all of them, one load of their trips; their rows are finished
 * in the statement that appends their outcomes to the register. A transmission two
 * jobs name (its lost job given again while the first still runs) is leased by one, and
 * sent once. An `api` app: no timer runs, the test turns the worker itself.
 */
describe('jobs starting together', () => {
  const given = useSampleOutboxApp();

  it('should lease in one statement, load the trip once, finish the rows with their entries, and send a transmission two of them name once', async () => {
    // The first transmission of four units of the sample trip, queued as if claimed.
    const { rows } = await given.app.database.admin(
      `UPDATE transmissions SET status = 'queued', due_at = now()
        WHERE id IN (SELECT DISTINCT ON (contract_id, unit_key) id FROM transmissions
                      WHERE status = 'planned' ORDER BY contract_id, unit_key, moment LIMIT 4)
        RETURNING id`,
    );
    const [a, b, c, d] = (rows as { id: string }[]).map((row) => row.id);
    if (a === undefined || b === undefined || c === undefined || d === undefined)
      throw new Error('the sample plans fewer than four units');

    const repository = given.app.app.get(TransmissionsRepository);
    const bookings = given.app.app.get(BookingsService);
    const leases: string[][] = [];
    const loads: string[][] = [];
    const startSending = repository.startSending.bind(repository);
    const finish = repository.finish.bind(repository);
    let finishedApart = 0;
    repository.finish = (finishes, now, executor) => {
      finishedApart += 1;
      return finish(finishes, now, executor);
    };
    const loadTrips = bookings.loadTrips.bind(bookings);
    repository.startSending = (ids, now, leaseMs) => {
      leases.push([...ids]);
      return startSending(ids, now, leaseMs);
    };
    bookings.loadTrips = (tripIds) => {
      loads.push([...tripIds]);
      return loadTrips(tripIds);
    };
    const sender = given.app.app.get(TransmissionSender);
    let outcomes: Map<string, string>[];
    try {
      outcomes = await Promise.all([sender.send([a, b]), sender.send([b, c, d])]);
    } finally {
      repository.startSending = startSending;
      repository.finish = finish;
      bookings.loadTrips = loadTrips;
    }

    expect(leases.map((ids) => [...ids].sort())).toEqual([[a, b, c, d].sort()]);
    expect(loads).toHaveLength(1);
    // The rows finished in the register's append of their outcomes: no statement of their own.
    expect(finishedApart).toBe(0);
    // `b` went to one job, and the other was told it was not its to send.
    const ofB = outcomes.map((outcome) => outcome.get(b)).sort();
    expect(ofB).toEqual(['delivered', 'skipped']);
    const entries = await registerEntries(given.app);
    for (const id of [a, b, c, d]) {
      expect(eventsOf(entries, id)).toEqual(['disclosure-attempted', 'disclosure-delivered']);
    }
  });
});
