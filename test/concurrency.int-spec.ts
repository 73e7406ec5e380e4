import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/database/database.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import {
  TransmissionsRepository,
  type Transmission,
} from '../src/modules/transmissions/transmissions.repository.js';
import { ask, testDataKey, tripVariant } from './support/ingest.js';
import { edits, type JsonObject } from './support/input-documents.js';
import { eventually, transmissionsOf } from './support/pipeline.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signal } from './support/signal.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * Races between concurrent requests, and between the planner and the worker, against the
 * real PostgreSQL (an API process: it plans, nothing dispatches or sends by itself, so the
 * test plays the worker's part at the moment it chooses).
 */

let t: TestApp;
let repository: TransmissionsRepository;

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_DATA_KEY: testDataKey(), PASSERELLE_ROLE: 'api' });
  repository = t.app.get(TransmissionsRepository);
}, 60_000);
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await t.close();
});

async function put(path: string, body: JsonObject, expected: number[] = [200, 201]) {
  const answer = await ask(t, 'PUT', path, { role: 'ingest', body });
  expect(expected, answer.text).toContain(answer.status);
  return answer;
}

const apisSends = async (tripId: string): Promise<Transmission[]> =>
  (await transmissionsOf(t, tripId)).filter(
    (x) => x.contractId === 'us-apis' && x.unit === 'flight:F1',
  );

/**
 * Holds the next re-planning of a trip once it has read its transmissions and the trip (inside
 * its transaction, under the plan lock), until `release` is called.
 */
function holdNextPlanning(): { readonly read: Promise<void>; readonly release: () => void } {
  const bookings = t.app.get(BookingsService);
  const load = bookings.loadTrip.bind(bookings);
  const { promise: held, resolve: release } = signal();
  const { promise: wasRead, resolve: read } = signal();
  let reads = 0;
  vi.spyOn(bookings, 'loadTrip').mockImplementation(async (...args) => {
    const loaded = await load(...args);
    reads += 1;
    if (reads === 1) {
      read();
      await held;
    }
    return loaded;
  });
  return { read: wasRead, release };
}

describe('the planner racing the worker', () => {
  it('should plan the resend of the new data when a send is delivered while its trip is re-planned', async () => {
    await put('/v1/trips/T-MID', tripVariant(upcomingTrip(), 'T-MID'));
    const booking = upcomingBookingVariant(0, 'T-MID-B0', 'T-MID');
    await put('/v1/bookings/T-MID-B0', booking);
    const [apis] = await apisSends('T-MID');
    if (apis === undefined) throw new Error('no us-apis send');
    // The worker leases it, as the dispatcher queued it: it is being sent, with today's data.
    await t.database.admin(`UPDATE transmissions SET status = 'queued' WHERE id = $1`, [apis.id]);
    const [started] = await repository.startSending([apis.id], new Date(), 60_000);
    expect(started).toBeDefined();

    // A passport is corrected; its re-planning reads the plan (the send being sent) and the
    // new data, and is held there…
    const hold = holdNextPlanning();
    const change = put(
      '/v1/bookings/T-MID-B0',
      edits(booking, [
        ['revision', (booking.revision as number) + 1],
        ['participants[0].documents[0].number', '19ZZ99999'],
      ]),
    );
    await hold.read;
    // …while the worker records its delivery of the data of before.
    const finishing = repository.finish(
      [
        {
          id: apis.id,
          attempt: started!.transmission.attempts,
          status: 'delivered',
          deliveredDigest: apis.digest,
        },
      ],
      new Date(),
    );
    await eventually('the delivery to be recorded or waiting', async () => {
      const { rows } = await t.database.admin(
        `SELECT (SELECT status FROM transmissions WHERE id = $1) AS status,
                (SELECT count(*)::int FROM pg_locks WHERE NOT granted) AS waiting`,
        [apis.id],
      );
      const row = rows[0] as { status: string; waiting: number };
      return row.status === 'delivered' || row.waiting > 0 ? true : undefined;
    });
    hold.release();
    await change;
    await finishing;

    // The recipient holds the old passport number: the new one must follow, as a resend
    // planned now, or as the plan's new digest beside the old one delivered (which the
    // stale-delivery trigger announces, for a dispatcher to plan the resend).
    const sends = await apisSends('T-MID');
    const delivered = sends.find((x) => x.id === apis.id)!;
    expect(delivered.status).toBe('delivered');
    const resend = sends.find((x) => x.kind === 'resend' && x.status === 'planned');
    const stale = delivered.digest !== delivered.deliveredDigest;
    expect({ resend: resend !== undefined, stale }).not.toEqual({ resend: false, stale: false });
  });
  it('should plan again a send marked missed while its trip was re-planned with a later last moment', async () => {
    await put('/v1/trips/T-LATE', tripVariant(upcomingTrip(), 'T-LATE'));
    await put('/v1/bookings/T-LATE-B0', upcomingBookingVariant(0, 'T-LATE-B0', 'T-LATE'));
    const [apis] = await apisSends('T-LATE');
    if (apis === undefined) throw new Error('no us-apis send');
    // Its last moment, as stored, is about to pass…
    await t.database.admin(
      `UPDATE transmissions SET deadline = now() + interval '300 milliseconds' WHERE id = $1`,
      [apis.id],
    );
    // …when the trip changes (a new revision of the same flights: the last moment it should
    // have is the flight's, days ahead) and the re-planning is held after its read…
    const hold = holdNextPlanning();
    const change = put('/v1/trips/T-LATE', tripVariant(upcomingTrip(), 'T-LATE', 2));
    await hold.read;
    // …while the dispatcher finds it past its last moment.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const missed = await repository.markMissed(new Date());
    expect(missed.map((x) => x.id)).toContain(apis.id);
    hold.release();
    await change;
    const [after] = await apisSends('T-LATE');
    expect(after).toMatchObject({ id: apis.id, status: 'planned' });
    expect(Date.parse(after!.deadline)).toBeGreaterThan(Date.now());
  });
});

describe('concurrent writers of one booking', () => {
  it('should never answer 500, nor bring an erased booking back, when a PUT and its DELETE arrive at once', async () => {
    await put('/v1/trips/T-ERASE-RACE', tripVariant(upcomingTrip(), 'T-ERASE-RACE'));
    for (let round = 0; round < 8; round += 1) {
      const reference = `T-ER-${round}`;
      const booking = upcomingBookingVariant(0, reference, 'T-ERASE-RACE');
      await put(`/v1/bookings/${reference}`, booking);
      const next = edits(booking, [
        ['revision', (booking.revision as number) + 1],
        ['participants[0].documents[0].number', '19ZZ99999'],
      ]);
      const change = () =>
        ask(t, 'PUT', `/v1/bookings/${reference}`, { role: 'ingest', body: next });
      const erase = () => ask(t, 'DELETE', `/v1/bookings/${reference}`, { role: 'ingest' });
      const [changed, erased] =
        round % 2 === 0
          ? await Promise.all([change(), erase()])
          : await Promise.all([erase(), change()]).then(
              ([deleted, put]) => [put, deleted] as const,
            );
      expect([200, 422], changed.text).toContain(changed.status);
      expect(erased.status, erased.text).toBe(204);
      const { rows } = await t.database.admin(
        `SELECT erased_at IS NOT NULL AS erased, ciphertext IS NULL AS cleared
           FROM bookings WHERE reference = $1`,
        [reference],
      );
      expect(rows[0]).toEqual({ erased: true, cleared: true });
    }
    // The erasures' plans: nothing of the erased bookings is left to send.
    const open = (await transmissionsOf(t, 'T-ERASE-RACE')).filter((x) =>
      ['planned', 'held', 'queued'].includes(x.status),
    );
    expect(open).toEqual([]);
  });

  it('should answer one 201 and no 500 when one new booking is put for two trips at once', async () => {
    await put('/v1/trips/T-TWO-A', tripVariant(upcomingTrip(), 'T-TWO-A'));
    await put('/v1/trips/T-TWO-B', tripVariant(upcomingTrip(), 'T-TWO-B'));
    for (let round = 0; round < 6; round += 1) {
      const reference = `T-TWO-${round}`;
      const answers = await Promise.all(
        ['T-TWO-A', 'T-TWO-B'].map((tripId) =>
          ask(t, 'PUT', `/v1/bookings/${reference}`, {
            role: 'ingest',
            body: upcomingBookingVariant(0, reference, tripId),
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses[0], answers.map((a) => a.text).join('\n')).toBe(201);
      expect([409, 422]).toContain(statuses[1]);
    }
  });

  it('should leave the plan in step with the data after a trip and its bookings change at once', async () => {
    const trip = tripVariant(upcomingTrip(), 'T-MIX');
    await put('/v1/trips/T-MIX', trip);
    const bookings = [0, 1, 2].map((i) => upcomingBookingVariant(i, `T-MIX-B${i}`, 'T-MIX'));
    for (const booking of bookings)
      await put(`/v1/bookings/${booking.reference as string}`, booking);
    const flight = (trip.flights as JsonObject[])[0]!;
    const departure = Date.parse((flight.departure as JsonObject).scheduledAt as string);
    for (let round = 1; round <= 4; round += 1) {
      const moved = new Date(departure - round * 3_600_000).toISOString().slice(0, 19) + '+00:00';
      await Promise.all([
        put(
          '/v1/trips/T-MIX',
          edits(trip, [
            ['revision', 1 + round],
            ['flights[0].departure.scheduledAt', moved],
          ]),
        ),
        ...bookings.map((booking) =>
          put(
            `/v1/bookings/${booking.reference as string}`,
            edits(booking, [
              ['revision', (booking.revision as number) + round],
              ['participants[0].documents[0].number', `19ZZ0000${round}`],
            ]),
          ),
        ),
      ]);
      // Planned again now, from what is stored, nothing changes: the last plan was of it.
      expect(await t.app.get(PlannerService).replan('T-MIX')).toEqual([]);
    }
  });
});

describe('two dispatchers', () => {
  it('should claim each due transmission once when two processes claim at once', async () => {
    await put('/v1/trips/T-CLAIMS', tripVariant(upcomingTrip(), 'T-CLAIMS'));
    for (let i = 0; i < 4; i += 1) {
      await put(
        `/v1/bookings/T-CLAIMS-B${i}`,
        upcomingBookingVariant(i, `T-CLAIMS-B${i}`, 'T-CLAIMS'),
      );
    }
    const other = new TransmissionsRepository(await openDatabase(t.database.url, 4));
    try {
      await t.database.admin(
        `UPDATE transmissions SET due_at = now() - interval '1 second'
          WHERE trip_id = 'T-CLAIMS' AND status = 'planned'`,
      );
      const now = new Date();
      const claims = await Promise.all(
        [repository, other, repository, other].map((r) => r.claimDue(now, 3)),
      );
      const ids = claims.flat().map((c) => c.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await other.db.destroy();
    }
  });
});
