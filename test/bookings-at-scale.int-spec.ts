import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../src/modules/auth/api-client.js';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import { tripVariant } from './support/ingest.js';
import { plansOf } from './support/query-plans.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * Every write of a booking reads its trip's erased bookings (their tombstones keep the
 * participants an erasure took out of the sends). With years of trips stored — most of their
 * bookings erased by retention — that must be a look at the trip's own rows, never a scan of
 * the table: it was one, and the ingest slowed as the database grew (25 ms a trip with 250
 * trips stored, 63 ms with 2,000).
 */
describe("a booking's write, with a long history of trips", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    // 2,000 trips of ten bookings each: those of the older half erased (tombstones), the others live.
    await t.database.admin(
      `INSERT INTO trips (id, revision, document, ends_at, created_at, updated_at)
       SELECT 'T-HISTORY-' || n, 1, '{}'::jsonb, now() + interval '1 year', now(), now()
         FROM generate_series(1, 2000) n`,
    );
    await t.database.admin(
      `INSERT INTO bookings (reference, trip_id, revision, status, participant_ids, ciphertext,
         iv, auth_tag, wrapped_key, wrap_iv, wrap_tag, key_id, created_at, updated_at, erased_at)
       SELECT 'B-HISTORY-' || n || '-' || b, 'T-HISTORY-' || n, 1, 'confirmed',
              ARRAY['P-' || n || '-' || b],
              CASE WHEN n > 1000 THEN '\\x00'::bytea END, CASE WHEN n > 1000 THEN '\\x00'::bytea END,
              CASE WHEN n > 1000 THEN '\\x00'::bytea END, CASE WHEN n > 1000 THEN '\\x00'::bytea END,
              CASE WHEN n > 1000 THEN '\\x00'::bytea END, CASE WHEN n > 1000 THEN '\\x00'::bytea END,
              CASE WHEN n > 1000 THEN 'k1' END, now(), now(),
              CASE WHEN n <= 1000 THEN now() END
         FROM generate_series(1, 2000) n, generate_series(1, 10) b`,
    );
    await t.database.admin('ANALYZE trips');
    await t.database.admin('ANALYZE bookings');
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it("should read the trip's erased bookings through their index, not scan every booking", async () => {
    const repository = t.app.get(BookingsRepository);
    for (const tripId of ['T-HISTORY-10', 'T-HISTORY-1500']) {
      const query = repository
        .erasedParticipantIdsQuery(repository.db, tripId, 'B-HISTORY-10-1')
        .compile();
      const plans = await plansOf(t.database.admin, query);
      for (const plan of [plans.custom, plans.generic]) {
        expect(plan).not.toContain('Seq Scan');
        expect(plan).toContain('bookings_erased_trip');
      }
    }
    // What it reads: the tombstones' participants, the one named left out.
    const erased = await repository.erasedParticipantIdsOfTrip(
      repository.db,
      'T-HISTORY-10',
      'B-HISTORY-10-1',
    );
    expect(erased.size).toBe(9);
    expect(erased.has('P-10-1')).toBe(false);
    expect(erased.has('P-10-2')).toBe(true);
  });
});

/**
 * The plan at start goes over the trips that can still have sends. A trip whose bookings are
 * all erased (retention erases those of every trip a month after it ends) plans nothing: with
 * years of them, planning each held every send back at every start. An `api` app: nothing
 * claims or sends in the background, so what is open is what the test made.
 */
describe('the plan at start, with trips whose bookings were all erased', () => {
  const INGEST: ApiClient = { id: 'test-ingest', role: 'ingest' };
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PASSERELLE_ROLE: 'api' });
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('should leave out a trip with no live booking and nothing open, and plan the others', async () => {
    const bookings = t.app.get(BookingsService);
    for (const tripId of ['T-START-LIVE', 'T-START-ERASED']) {
      await bookings.putTrip(tripVariant(upcomingTrip(), tripId), tripId, INGEST);
      const reference = `B-${tripId}`;
      await bookings.putBooking(upcomingBookingVariant(0, reference, tripId), reference, INGEST);
    }
    await bookings.deleteBooking('B-T-START-ERASED', INGEST);
    const { rows: open } = await t.database.admin(
      `SELECT count(*)::int AS n FROM transmissions
        WHERE trip_id = 'T-START-ERASED' AND status IN ('planned', 'held', 'queued', 'sending')`,
    );
    expect(open).toEqual([{ n: 0 }]);
    expect(await bookings.listTripIds()).toContain('T-START-ERASED');

    const planner = t.app.get(PlannerService);
    const replan = vi.spyOn(planner, 'replan');
    try {
      expect(await planner.replanAll()).toBe(1);
      expect(replan.mock.calls.map(([tripId]) => tripId)).toEqual(['T-START-LIVE']);
    } finally {
      replan.mockRestore();
    }
  });
});
