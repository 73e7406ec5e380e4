import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import {
  DispatcherService,
  TRANSMISSIONS_QUEUE,
  type SendJob,
} from '../src/modules/transmissions/dispatcher.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { putTripAndBookings, tripVariant } from './support/ingest.js';
import { sampleTrip } from './support/input-documents.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
import { useSampleOutboxApp } from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/** Queued as if claimed. */
const QUEUED = `status = 'queued', due_at = now()`;

/** The first transmission of `count` units of the sample trip, changed as `set` says. */
async function firstOfUnits(
  app: TestApp,
  count: number,
  set: string,
): Promise<{ id: string; trip_id: string }[]> {
  const { rows } = await app.database.admin(
    `UPDATE transmissions SET ${set}
      WHERE id IN (SELECT DISTINCT ON (contract_id, unit_key) id FROM transmissions
                    WHERE status = 'planned' ORDER BY contract_id, unit_key, moment LIMIT $1)
      RETURNING id, trip_id`,
    [count],
  );
  return rows as { id: string; trip_id: string }[];
}

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
    const [a, b, c, d] = (await firstOfUnits(given.app, 4, QUEUED)).map((row) => row.id);
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

describe('a job that names its trip', () => {
  const given = useSampleOutboxApp();

  it('should load the trip while it leases the transmissions, and send those of another trip too', async () => {
    const [a, b] = await firstOfUnits(given.app, 2, QUEUED);
    if (a === undefined || b === undefined)
      throw new Error('the sample plans fewer than two units');

    const repository = given.app.app.get(TransmissionsRepository);
    const bookings = given.app.app.get(BookingsService);
    const steps: string[] = [];
    const startSending = repository.startSending.bind(repository);
    const loadTrips = bookings.loadTrips.bind(bookings);
    repository.startSending = async (ids, now, leaseMs) => {
      steps.push('lease asked');
      const started = await startSending(ids, now, leaseMs);
      steps.push('leased');
      return started;
    };
    bookings.loadTrips = (tripIds) => {
      steps.push(`load ${tripIds.join(',')}`);
      return loadTrips(tripIds);
    };
    const sender = given.app.app.get(TransmissionSender);
    let named: Map<string, string>;
    let misnamed: Map<string, string>;
    try {
      named = await sender.send([a.id], a.trip_id);
      const together = steps.splice(0);
      // Both statements asked in the same turn, before the lease came back.
      expect(together.slice(0, 2).sort()).toEqual([`load ${a.trip_id}`, 'lease asked'].sort());
      expect(together.indexOf('leased')).toBe(2);
      // A job that names a trip its transmission is not of (a trip not stored): that one is
      // loaded for nothing, and the transmission's own after its lease.
      misnamed = await sender.send([b.id], 'NO-SUCH-TRIP');
      expect(steps).toEqual(
        expect.arrayContaining(['load NO-SUCH-TRIP', 'lease asked', 'leased', `load ${b.trip_id}`]),
      );
      expect(steps.indexOf(`load ${b.trip_id}`)).toBeGreaterThan(steps.indexOf('leased'));
    } finally {
      repository.startSending = startSending;
      bookings.loadTrips = loadTrips;
    }
    expect(named.get(a.id)).toBe('delivered');
    expect(misnamed.get(b.id)).toBe('delivered');
  });
});

/**
 * The trips of jobs starting together are read in one statement; a trip that cannot be read
 * (a booking sealed under a master key this process does not hold, or altered) must fail
 * its own jobs only — not the sends of every other trip read with it, round after round.
 */
describe('a trip whose bookings cannot be opened', () => {
  const given = useSampleOutboxApp(async (app) => {
    await putTripAndBookings(app, tripVariant(upcomingTrip(), 'T-UNOPENED'), [
      upcomingBookingVariant(0, 'B-UNOPENED', 'T-UNOPENED'),
    ]);
  });

  it('should fail the jobs of that trip alone, and send those of the trips loaded with it', async () => {
    const { rows } = await given.app.database.admin(
      `UPDATE transmissions SET ${QUEUED}
        WHERE id IN (SELECT DISTINCT ON (trip_id) id FROM transmissions
                      WHERE status = 'planned' ORDER BY trip_id, contract_id, unit_key, moment)
        RETURNING id, trip_id`,
    );
    const byTrip = new Map(
      (rows as { id: string; trip_id: string }[]).map((r) => [r.trip_id, r.id]),
    );
    const healthy = byTrip.get(sampleTrip().id as string);
    const unopened = byTrip.get('T-UNOPENED');
    if (healthy === undefined || unopened === undefined) throw new Error('both trips plan sends');
    const { rows: keys } = await given.app.database.admin(
      `SELECT key_id FROM bookings WHERE reference = 'B-UNOPENED'`,
    );
    const ours = (keys[0] as { key_id: string }).key_id;
    await given.app.database.admin(
      `UPDATE bookings SET key_id = 'another-master-key' WHERE reference = 'B-UNOPENED'`,
    );
    const sender = given.app.app.get(TransmissionSender);
    let outcomes: PromiseSettledResult<Map<string, string>>[];
    try {
      // Two jobs starting together: their trips are read in one statement.
      outcomes = await Promise.allSettled([
        sender.send([healthy], sampleTrip().id as string),
        sender.send([unopened], 'T-UNOPENED'),
      ]);
    } finally {
      await given.app.database.admin(
        `UPDATE bookings SET key_id = $1 WHERE reference = 'B-UNOPENED'`,
        [ours],
      );
    }
    const [ofHealthy, ofUnopened] = outcomes;
    expect(ofHealthy).toEqual({ status: 'fulfilled', value: new Map([[healthy, 'delivered']]) });
    expect(ofUnopened?.status).toBe('rejected');
    const { rows: after } = await given.app.database.admin(
      'SELECT id, status, last_error FROM transmissions WHERE id = ANY($1::uuid[])',
      [[healthy, unopened]],
    );
    expect(
      Object.fromEntries(
        (after as { id: string; status: string; last_error: string | null }[]).map((r) => [
          r.id,
          [r.status, r.last_error],
        ]),
      ),
    ).toEqual({ [healthy]: ['delivered', null], [unopened]: ['queued', 'LOAD_FAILED'] });
    const entries = await registerEntries(given.app);
    expect(eventsOf(entries, healthy)).toEqual(['disclosure-attempted', 'disclosure-delivered']);
    expect(eventsOf(entries, unopened)).toEqual([]);
  });
});

describe('the jobs the dispatcher queues', () => {
  const given = useSampleOutboxApp();

  it('should name the trip of their transmissions, when claimed and when given a job of their own again', async () => {
    await firstOfUnits(given.app, 3, `due_at = now() - interval '1 second'`);
    const queue = given.app.app.get<Queue<SendJob>>(getQueueToken(TRANSMISSIONS_QUEUE));
    const dispatcher = given.app.app.get(DispatcherService);
    const { queued } = await dispatcher.tick();
    const claimed = async () =>
      (
        await given.app.database.admin(
          `SELECT id, trip_id, job_id FROM transmissions WHERE status = 'queued' ORDER BY id`,
        )
      ).rows as { id: string; trip_id: string; job_id: string }[];
    const rows = await claimed();
    expect(queued).toBeGreaterThanOrEqual(3);
    expect(rows).toHaveLength(queued);
    const jobs = new Map<string, string[]>();
    for (const row of rows) jobs.set(row.job_id, [...(jobs.get(row.job_id) ?? []), row.id]);
    for (const [jobId, ids] of jobs) {
      const job = await queue.getJob(jobId);
      expect(job?.data).toEqual({
        transmissionIds: expect.arrayContaining(ids) as unknown,
        tripId: rows[0]?.trip_id,
      });
      // The job lost (Redis flushed): each of its transmissions gets a job of its own.
      await job?.remove();
    }
    expect(await dispatcher.reconcile(new Date())).toBe(queued);
    for (const row of await claimed()) {
      const job = await queue.getJob(row.job_id);
      expect(job?.data).toEqual({ transmissionIds: [row.id], tripId: row.trip_id });
    }
  });
});
