import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { ask, putStored, testDataKey, tripVariant } from './support/ingest.js';
import { edit, edits, type JsonObject } from './support/input-documents.js';
import { transmissionsOf } from './support/pipeline.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { tripLeavingAt, upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * Trips and bookings as a booking system drives them over months (an API process: it
 * plans, nothing dispatches or sends, so the plan stays as the changes leave it): a booking
 * moved to another trip and back, a participant moved between bookings, a trip cancelled
 * and scheduled again, a nightly full sync after an erasure and after retention, and
 * bookings of a trip already past retention.
 */

const RETENTION_DAYS = 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let t: TestApp;
let bookings: BookingsService;

beforeAll(async () => {
  t = await startTestApp({
    PASSERELLE_DATA_KEY: testDataKey(),
    PASSERELLE_ROLE: 'api',
    PASSERELLE_BOOKING_RETENTION_DAYS: String(RETENTION_DAYS),
  });
  bookings = t.app.get(BookingsService);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const put = (path: string, body: JsonObject) => ask(t, 'PUT', path, { role: 'ingest', body });

const putOk = (path: string, body: JsonObject) => putStored(t, path, body);

/** The sends of a trip still to come (planned), as `contract unit` strings, sorted. */
const plannedOf = async (tripId: string): Promise<string[]> =>
  (await transmissionsOf(t, tripId))
    .filter((x) => x.status === 'planned')
    .map((x) => `${x.contractId} ${x.unit}`)
    .sort();

const statusesOf = async (tripId: string): Promise<Map<string, string>> =>
  new Map((await transmissionsOf(t, tripId)).map((x) => [x.id, x.status]));

describe('a booking moved to another trip', () => {
  it('should cancel its sends on the trip it left, plan them on the trip it joined, and the same rows again when it comes back', async () => {
    await putOk('/v1/trips/T-MV-A', tripVariant(upcomingTrip(), 'T-MV-A'));
    await putOk('/v1/trips/T-MV-B', tripVariant(upcomingTrip(), 'T-MV-B'));
    const booking = upcomingBookingVariant(0, 'B-MV', 'T-MV-A');
    await putOk('/v1/bookings/B-MV', booking);
    const onA = await transmissionsOf(t, 'T-MV-A');
    const plannedOnA = onA.filter((x) => x.status === 'planned');
    expect(plannedOnA.length).toBeGreaterThan(3);
    expect(await plannedOf('T-MV-B')).toEqual([]);

    await putOk(
      '/v1/bookings/B-MV',
      edits(booking, [
        ['tripId', 'T-MV-B'],
        ['revision', 3],
      ]),
    );
    const leftA = await transmissionsOf(t, 'T-MV-A');
    for (const send of plannedOnA) {
      expect(leftA.find((x) => x.id === send.id)).toMatchObject({
        status: 'cancelled',
        reason: 'its unit no longer exists',
      });
    }
    // The same units (a trip's own unit is named after the trip).
    expect(await plannedOf('T-MV-B')).toEqual(
      plannedOnA.map((x) => `${x.contractId} ${x.unit.replace('T-MV-A', 'T-MV-B')}`).sort(),
    );
    // The policy index follows the booking: an insurer's emergency lookup finds the new trip.
    const { rows } = await t.database.admin(
      "SELECT DISTINCT trip_id FROM booking_policies WHERE booking_reference = 'B-MV'",
    );
    expect(rows).toEqual([{ trip_id: 'T-MV-B' }]);

    await putOk('/v1/bookings/B-MV', edit(booking, 'revision', 4));
    const backOnA = await statusesOf('T-MV-A');
    for (const send of plannedOnA) expect(backOnA.get(send.id)).toBe('planned');
    expect(await plannedOf('T-MV-B')).toEqual([]);
  });

  it('should refuse the move, and change nothing on either trip, when the trip it joins holds one of its participant ids', async () => {
    await putOk('/v1/trips/T-MV-C', tripVariant(upcomingTrip(), 'T-MV-C'));
    await putOk('/v1/trips/T-MV-D', tripVariant(upcomingTrip(), 'T-MV-D'));
    await putOk('/v1/bookings/B-MV-C', upcomingBookingVariant(1, 'B-MV-C', 'T-MV-C'));
    // The same participant id on trip D (ids are unique within a trip only).
    const onD = edit(
      upcomingBookingVariant(3, 'B-MV-D', 'T-MV-D'),
      'participants[0].id',
      'B-MV-C-1',
    );
    await putOk('/v1/bookings/B-MV-D', onD);
    const beforeC = await plannedOf('T-MV-C');

    const moved = edits(upcomingBookingVariant(1, 'B-MV-C', 'T-MV-D'), [['revision', 2]]);
    const refused = await put('/v1/bookings/B-MV-C', moved);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body).toMatchObject({
      error: { details: [{ path: 'participants[0].id' }] },
    });
    expect((await bookings.loadTrip('T-MV-C'))?.bookings.map((b) => b.reference)).toEqual([
      'B-MV-C',
    ]);
    expect(await plannedOf('T-MV-C')).toEqual(beforeC);
  });
});

describe('a participant moved from one booking to another of the same trip', () => {
  it('should refuse the participant in the second booking while the first still holds them, even cancelled, and accept once the first lets go', async () => {
    await putOk('/v1/trips/T-PX', tripVariant(upcomingTrip(), 'T-PX'));
    // Booking 0 of the samples has two participants: the second moves to another booking.
    const first = upcomingBookingVariant(0, 'B-PX-1', 'T-PX');
    await putOk('/v1/bookings/B-PX-1', first);
    const second = edit(
      upcomingBookingVariant(3, 'B-PX-2', 'T-PX'),
      'participants[0].id',
      'B-PX-1-2',
    );

    const early = await put('/v1/bookings/B-PX-2', second);
    expect(early.status, early.text).toBe(422);
    const cancelled = edits(first, [
      ['status', 'cancelled'],
      ['revision', (first.revision as number) + 1],
    ]);
    await putOk('/v1/bookings/B-PX-1', cancelled);
    expect((await put('/v1/bookings/B-PX-2', second)).status).toBe(422);

    const without = edits(first, [
      ['participants', [(first.participants as JsonObject[])[0]!]],
      ['revision', (first.revision as number) + 2],
    ]);
    await putOk('/v1/bookings/B-PX-1', without);
    expect((await put('/v1/bookings/B-PX-2', second)).status).toBe(201);
    const loaded = await bookings.loadTrip('T-PX');
    const holders = loaded!.bookings.flatMap((b) =>
      b.participants.filter((p) => p.id === 'B-PX-1-2').map(() => b.reference),
    );
    expect(holders).toEqual(['B-PX-2']);
  });
});

describe('a trip cancelled, then scheduled again', () => {
  it('should cancel every send still to come, then plan the same rows again', async () => {
    const trip = tripVariant(upcomingTrip(), 'T-UNCXL');
    await putOk('/v1/trips/T-UNCXL', trip);
    await putOk('/v1/bookings/B-UNCXL', upcomingBookingVariant(0, 'B-UNCXL', 'T-UNCXL'));
    const planned = (await transmissionsOf(t, 'T-UNCXL')).filter((x) => x.status === 'planned');
    expect(planned.length).toBeGreaterThan(3);

    await putOk(
      '/v1/trips/T-UNCXL',
      edits(trip, [
        ['status', 'cancelled'],
        ['revision', 2],
      ]),
    );
    expect(await plannedOf('T-UNCXL')).toEqual([]);

    await putOk('/v1/trips/T-UNCXL', edit(trip, 'revision', 3));
    const again = await statusesOf('T-UNCXL');
    for (const send of planned) expect(again.get(send.id)).toBe('planned');
  });
});

describe('a nightly full sync after an erasure', () => {
  it('should bring back no personal data of the erased booking, and plan nothing for its participants, whatever is sent again', async () => {
    const trip = tripVariant(upcomingTrip(), 'T-SYNC');
    const kept = upcomingBookingVariant(0, 'B-SYNC-KEPT', 'T-SYNC');
    const erased = upcomingBookingVariant(1, 'B-SYNC-GONE', 'T-SYNC');
    await putOk('/v1/trips/T-SYNC', trip);
    await putOk('/v1/bookings/B-SYNC-KEPT', kept);
    await putOk('/v1/bookings/B-SYNC-GONE', erased);
    expect((await ask(t, 'DELETE', '/v1/bookings/B-SYNC-GONE', { role: 'ingest' })).status).toBe(
      204,
    );
    const planAfterErasure = await plannedOf('T-SYNC');

    // The sync sends everything it has, as it has it: the same revisions, then higher ones.
    expect((await put('/v1/trips/T-SYNC', trip)).status).toBe(200);
    expect((await put('/v1/bookings/B-SYNC-KEPT', kept)).status).toBe(200);
    for (const revision of [erased.revision as number, 99]) {
      const again = await put('/v1/bookings/B-SYNC-GONE', edit(erased, 'revision', revision));
      expect(again.status, again.text).toBe(422);
      expect(again.body).toMatchObject({ error: { details: [{ path: 'reference' }] } });
    }
    // The same people under a new reference: their ids are refused too.
    const renamed = edits(erased, [['reference', 'B-SYNC-NEW']]);
    expect((await put('/v1/bookings/B-SYNC-NEW', renamed)).status).toBe(422);
    // A trip change goes through, and still plans nothing for them.
    await putOk(
      '/v1/trips/T-SYNC',
      edits(trip, [
        ['name', 'Renamed'],
        ['revision', 2],
      ]),
    );

    const { rows } = await t.database.admin(
      "SELECT ciphertext, wrapped_key, erased_at FROM bookings WHERE reference = 'B-SYNC-GONE'",
    );
    expect(rows).toEqual([
      { ciphertext: null, wrapped_key: null, erased_at: expect.any(Date) as Date },
    ]);
    expect(
      (await t.database.admin("SELECT 1 FROM bookings WHERE reference = 'B-SYNC-NEW'")).rows,
    ).toEqual([]);
    const loaded = await bookings.loadTrip('T-SYNC');
    expect(loaded?.bookings.map((b) => b.reference)).toEqual(['B-SYNC-KEPT']);
    expect(await plannedOf('T-SYNC')).toEqual(planAfterErasure);
  });
});

describe('bookings of a trip past retention', () => {
  // Retention erases the bookings of a trip that ended RETENTION_DAYS days ago: one sent
  // later (a full sync, a late cancellation) would be stored only to be erased at the next
  // daily run, its sends planned as missed and raised to operations meanwhile.
  const longAgo = Date.now() - 60 * DAY;
  const recently = Date.now() - 14 * DAY; // ended 2 days ago: inside retention

  it('should refuse with 422 naming tripId, store nothing and plan nothing, when the trip ended before the retention period', async () => {
    await putOk('/v1/trips/T-OLD', tripLeavingAt('T-OLD', longAgo));
    const answer = await put('/v1/bookings/B-OLD', upcomingBookingVariant(0, 'B-OLD', 'T-OLD'));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body).toMatchObject({
      error: { code: 'UNPROCESSABLE', details: [{ path: 'tripId' }] },
    });
    expect(
      (await t.database.admin("SELECT 1 FROM bookings WHERE reference = 'B-OLD'")).rows,
    ).toEqual([]);
    expect(await transmissionsOf(t, 'T-OLD')).toEqual([]);
  });

  it('should accept a booking of a trip ended inside the retention period, and refuse it once a trip change ends the trip before', async () => {
    await putOk('/v1/trips/T-RECENT', tripLeavingAt('T-RECENT', recently));
    const booking = upcomingBookingVariant(0, 'B-RECENT', 'T-RECENT');
    expect((await put('/v1/bookings/B-RECENT', booking)).status).toBe(201);
    // Sent again unchanged: still the no-op.
    expect((await put('/v1/bookings/B-RECENT', booking)).status).toBe(200);

    await putOk('/v1/trips/T-RECENT', tripLeavingAt('T-RECENT', longAgo, 2));
    const late = await put('/v1/bookings/B-RECENT', edit(booking, 'status', 'cancelled'));
    expect(late.status).toBe(409); // same revision, other content
    const later = await put(
      '/v1/bookings/B-RECENT',
      edits(booking, [
        ['status', 'cancelled'],
        ['revision', (booking.revision as number) + 1],
      ]),
    );
    expect(later.status, later.text).toBe(422);
    expect(later.body).toMatchObject({ error: { details: [{ path: 'tripId' }] } });
    expect((await bookings.loadTrip('T-RECENT'))?.bookings[0]?.status).toBe('confirmed');

    // Retention erases it; the full sync that follows brings nothing back, and the trip sent
    // again (a higher revision) plans nothing for its participants.
    expect(await bookings.eraseExpired(new Date())).toBeGreaterThanOrEqual(1);
    const synced = await put('/v1/bookings/B-RECENT', edit(booking, 'revision', 7));
    expect(synced.status, synced.text).toBe(422);
    expect(synced.body).toMatchObject({ error: { details: [{ path: 'reference' }] } });
    await putOk('/v1/trips/T-RECENT', tripLeavingAt('T-RECENT', longAgo, 3));
    expect((await bookings.loadTrip('T-RECENT'))?.bookings).toEqual([]);
    expect(
      (await transmissionsOf(t, 'T-RECENT')).filter((x) =>
        ['planned', 'queued'].includes(x.status),
      ),
    ).toEqual([]);
  });

  it('should refuse to move a booking onto a trip past retention', async () => {
    await putOk('/v1/trips/T-OLD-2', tripLeavingAt('T-OLD-2', longAgo));
    await putOk('/v1/trips/T-NEW-2', tripVariant(upcomingTrip(), 'T-NEW-2'));
    const booking = upcomingBookingVariant(0, 'B-TO-OLD', 'T-NEW-2');
    await putOk('/v1/bookings/B-TO-OLD', booking);
    const moved = await put(
      '/v1/bookings/B-TO-OLD',
      edits(booking, [
        ['tripId', 'T-OLD-2'],
        ['revision', 9],
      ]),
    );
    expect(moved.status, moved.text).toBe(422);
    expect((await bookings.loadTrip('T-NEW-2'))?.bookings.map((b) => b.reference)).toEqual([
      'B-TO-OLD',
    ]);
  });
});

describe('revisions as a booking system may number them', () => {
  // The input model asks for an integer ≥ 1 and the API documents any safe integer: a
  // booking system that numbers revisions by the time of the change (milliseconds since
  // 1970) sends revisions past 2^31.
  const at = 1_764_300_000_000;

  it('should store, compare and refuse revisions beyond 2^31 as it does small ones', async () => {
    const trip = tripVariant(upcomingTrip(), 'T-EPOCH', at);
    expect((await put('/v1/trips/T-EPOCH', trip)).status).toBe(201);
    expect((await put('/v1/trips/T-EPOCH', trip)).status).toBe(200);
    expect((await put('/v1/trips/T-EPOCH', edit(trip, 'revision', at - 1))).status).toBe(409);
    const renamed = await put(
      '/v1/trips/T-EPOCH',
      edits(trip, [
        ['name', 'Renamed'],
        ['revision', at + 1],
      ]),
    );
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ revision: at + 1, changed: true });

    const booking = edit(upcomingBookingVariant(0, 'B-EPOCH', 'T-EPOCH'), 'revision', at);
    expect((await put('/v1/bookings/B-EPOCH', booking)).status).toBe(201);
    expect((await put('/v1/bookings/B-EPOCH', booking)).status).toBe(200);
    const stale = await put('/v1/bookings/B-EPOCH', edit(booking, 'revision', at - 1));
    expect(stale.status).toBe(409);
    const newer = await put(
      '/v1/bookings/B-EPOCH',
      edits(booking, [
        ['status', 'cancelled'],
        ['revision', Number.MAX_SAFE_INTEGER],
      ]),
    );
    expect(newer.status, newer.text).toBe(200);
    expect((await bookings.loadTrip('T-EPOCH'))?.bookings[0]).toMatchObject({
      revision: Number.MAX_SAFE_INTEGER,
      status: 'cancelled',
    });
    expect((await ask(t, 'DELETE', '/v1/bookings/B-EPOCH', { role: 'ingest' })).status).toBe(204);
    const { rows } = await t.database.admin(
      "SELECT erased_at FROM bookings WHERE reference = 'B-EPOCH'",
    );
    expect(rows).toEqual([{ erased_at: expect.any(Date) as Date }]);
  });
});
