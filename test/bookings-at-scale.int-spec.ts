import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { plansOf } from './support/query-plans.js';
import { startTestApp, type TestApp } from './support/test-app.js';

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
