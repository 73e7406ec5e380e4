import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeliverySlots } from '../src/modules/transmissions/delivery-slots.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import {
  TransmissionsRepository,
  type Transmission,
} from '../src/modules/transmissions/transmissions.repository.js';
import { ask, testDataKey, tripVariant } from './support/ingest.js';
import { edit, edits, personalValues, type JsonObject } from './support/input-documents.js';
import { eventually, transmissionsOf } from './support/pipeline.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signal } from './support/signal.js';
import {
  tripLeavingAt,
  upcomingBookingVariant,
  upcomingDate,
  upcomingTrip,
} from './support/upcoming-samples.js';

/**
 * The plan following its trip in the cases between the usual ones (an API process: it plans,
 * nothing dispatches or sends, so each row stays as the test puts it): a unit that comes
 * back, a send missed and then possible again, a queued send whose flight moves, and two
 * changes of a trip planned at once.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let t: TestApp;
let repository: TransmissionsRepository;
let outbox: string;

/** The files of a transmission that reached the recipient (the outbox, here). */
const outboxFilesOf = async (transmissionId: string): Promise<string[]> =>
  (await readdir(outbox, { recursive: true })).filter((file) => file.includes(transmissionId));

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'passerelle-replan-outbox-'));
  t = await startTestApp({
    PASSERELLE_DATA_KEY: testDataKey(),
    PASSERELLE_ROLE: 'api',
    PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
    PASSERELLE_OUTBOX_DIR: outbox,
  });
  repository = t.app.get(TransmissionsRepository);
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await t.close();
});

async function put(path: string, body: JsonObject, expected: number[] = [200, 201]) {
  const answer = await ask(t, 'PUT', path, { role: 'ingest', body });
  expect(expected, answer.text).toContain(answer.status);
}

/**
 * Holds the next read of a trip (a re-planning's) once it has read, until `release`:
 * `readHeld` resolves when it is held. Later reads go through.
 */
function holdFirstTripRead(): { readHeld: Promise<void>; release: () => void } {
  const bookings = t.app.get(BookingsService);
  const load = bookings.loadTrip.bind(bookings);
  const { promise: held, resolve: release } = signal();
  const { promise: readHeld, resolve: heldRead } = signal();
  let reads = 0;
  vi.spyOn(bookings, 'loadTrip').mockImplementation(async (...args) => {
    const loaded = await load(...args);
    reads += 1;
    if (reads === 1) {
      heldRead();
      await held;
    }
    return loaded;
  });
  return { readHeld, release };
}

const apisOf = async (tripId: string, unit = 'flight:F1'): Promise<Transmission> => {
  const found = (await transmissionsOf(t, tripId)).find(
    (x) => x.contractId === 'us-apis' && x.unit === unit && x.kind === 'scheduled',
  );
  if (found === undefined) throw new Error(`no us-apis send for ${unit}`);
  return found;
};

describe('the plan between the usual cases', () => {
  it('should plan the same sends again when a cancelled booking is confirmed again', async () => {
    await put('/v1/trips/T-BACK', tripVariant(upcomingTrip(), 'T-BACK'));
    const booking = upcomingBookingVariant(0, 'T-BACK-B0', 'T-BACK');
    await put('/v1/bookings/T-BACK-B0', booking);
    const planned = (await transmissionsOf(t, 'T-BACK')).filter((x) => x.status === 'planned');
    expect(planned.length).toBeGreaterThan(3);

    const revision = booking.revision as number;
    await put(
      '/v1/bookings/T-BACK-B0',
      edits(booking, [
        ['status', 'cancelled'],
        ['revision', revision + 1],
      ]),
    );
    const cancelled = await transmissionsOf(t, 'T-BACK');
    for (const send of planned) {
      expect(cancelled.find((x) => x.id === send.id)).toMatchObject({
        status: 'cancelled',
        reason: 'its unit no longer exists',
      });
    }

    const backAt = Date.now();
    await put('/v1/bookings/T-BACK-B0', edit(booking, 'revision', revision + 2));
    const back = await transmissionsOf(t, 'T-BACK');
    // The same rows (no second send of a unit at the same moment), each waiting again.
    expect(back.map((x) => x.id).sort()).toEqual(cancelled.map((x) => x.id).sort());
    for (const send of planned) {
      const again = back.find((x) => x.id === send.id)!;
      // Due when it was, or at once if that moment has passed (the enrolment at confirmation).
      if (Date.parse(send.dueAt) > backAt) expect(again.dueAt).toBe(send.dueAt);
      else expect(Date.parse(again.dueAt)).toBeGreaterThanOrEqual(backAt);
      expect(again).toMatchObject({
        status: 'planned',
        deadline: send.deadline,
        digest: send.digest,
        generation: send.generation + 1,
        reason: 'planned again: its unit is back',
      });
    }
  });

  it('should plan a missed send again when its flight is delayed enough to send it in time', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    await put('/v1/trips/T-MISSED-LATER', tripLeavingAt('T-MISSED-LATER', now + HOUR, 1));
    await put(
      '/v1/bookings/T-MISSED-LATER-B0',
      upcomingBookingVariant(0, 'T-MISSED-LATER-B0', 'T-MISSED-LATER'),
    );
    const missed = await apisOf('T-MISSED-LATER');
    expect(missed.status).toBe('missed');

    // The flight leaves three days later: the send is due at once (48 h before), in time.
    const departure = now + 3 * DAY;
    await put('/v1/trips/T-MISSED-LATER', tripLeavingAt('T-MISSED-LATER', departure, 2));
    const again = await apisOf('T-MISSED-LATER');
    expect(again).toMatchObject({
      id: missed.id,
      status: 'planned',
      deadline: new Date(departure - 2 * HOUR).toISOString(),
      reason: 'planned again: its last moment moved later',
    });
    expect(Date.parse(again.dueAt)).toBe(departure - 48 * HOUR);
  });

  it('should give a queued send the last moment of its flight moved earlier, so that it is missed rather than sent late', async () => {
    await put('/v1/trips/T-QUEUED-EARLIER', tripVariant(upcomingTrip(), 'T-QUEUED-EARLIER'));
    await put(
      '/v1/bookings/T-QUEUED-EARLIER-B0',
      upcomingBookingVariant(0, 'T-QUEUED-EARLIER-B0', 'T-QUEUED-EARLIER'),
    );
    const apis = await apisOf('T-QUEUED-EARLIER');
    // Queued (fallen due, waiting in the queue or for a retry) when the flight moves.
    await t.database.admin(
      `UPDATE transmissions SET status = 'queued', job_id = $2 WHERE id = $1`,
      [apis.id, `${apis.id}.0`],
    );
    const now = Math.floor(Date.now() / 1000) * 1000;
    await put('/v1/trips/T-QUEUED-EARLIER', tripLeavingAt('T-QUEUED-EARLIER', now + HOUR, 2));
    const moved = await apisOf('T-QUEUED-EARLIER');
    expect(moved.status).toBe('queued');
    expect(Date.parse(moved.deadline)).toBe(now + HOUR - 2 * HOUR);

    // Its job finds nothing to lease, and the dispatcher's round misses it.
    expect(await repository.startSending([apis.id], new Date(), 60_000)).toEqual([]);
    const missed = await repository.markMissed(new Date());
    expect(missed.map((x) => x.id)).toContain(apis.id);
  });

  it('should give a queued resend the last moment of its flight moved earlier, so that it is missed rather than sent late', async () => {
    const tripId = 'T-RESEND-EARLIER';
    await put(`/v1/trips/${tripId}`, tripVariant(upcomingTrip(), tripId));
    await put(`/v1/bookings/${tripId}-B0`, upcomingBookingVariant(0, `${tripId}-B0`, tripId));
    const apis = await apisOf(tripId);
    // Delivered with data since changed: the plan sends it again, at once.
    await t.database.admin(
      `UPDATE transmissions SET status = 'delivered', delivered_digest = $2, delivered_at = now()
       WHERE id = $1`,
      [apis.id, '0'.repeat(64)],
    );
    await t.app.get(PlannerService).replan(tripId);
    const resendOf = async () =>
      (await transmissionsOf(t, tripId)).find(
        (x) => x.contractId === 'us-apis' && x.unit === 'flight:F1' && x.kind === 'resend',
      );
    const resend = await resendOf();
    expect(resend).toMatchObject({ status: 'planned', deadline: apis.deadline });
    // Claimed (waiting in the queue, or for a retry) when the flight moves.
    await t.database.admin(
      `UPDATE transmissions SET status = 'queued', job_id = $2 WHERE id = $1`,
      [resend!.id, `${resend!.id}.0`],
    );
    const now = Math.floor(Date.now() / 1000) * 1000;
    await put(`/v1/trips/${tripId}`, tripLeavingAt(tripId, now + HOUR, 2));
    const moved = await resendOf();
    expect(moved).toMatchObject({ id: resend!.id, status: 'queued' });
    expect(Date.parse(moved!.deadline)).toBe(now + HOUR - 2 * HOUR);

    // Its job finds nothing to lease, and the dispatcher's round misses it.
    expect(await repository.startSending([resend!.id], new Date(), 60_000)).toEqual([]);
    const missed = await repository.markMissed(new Date());
    expect(missed.map((x) => x.id)).toContain(resend!.id);
  });

  it('should send a queued send back to wait when its flight moves later', async () => {
    await put('/v1/trips/T-QUEUED-LATER', tripVariant(upcomingTrip(), 'T-QUEUED-LATER'));
    await put(
      '/v1/bookings/T-QUEUED-LATER-B0',
      upcomingBookingVariant(0, 'T-QUEUED-LATER-B0', 'T-QUEUED-LATER'),
    );
    const apis = await apisOf('T-QUEUED-LATER');
    await t.database.admin(
      `UPDATE transmissions SET status = 'queued', job_id = $2 WHERE id = $1`,
      [apis.id, `${apis.id}.0`],
    );
    const departure = Date.parse(upcomingDate('2027-07-03T10:30:00+02:00'));
    await put('/v1/trips/T-QUEUED-LATER', tripLeavingAt('T-QUEUED-LATER', departure, 2));
    const moved = await apisOf('T-QUEUED-LATER');
    expect(moved).toMatchObject({
      status: 'planned',
      generation: apis.generation + 1,
      reason: 'planned again: its due time moved later',
    });
    expect(Date.parse(moved.dueAt)).toBe(departure - 48 * HOUR);
    const { rows } = await t.database.admin(`SELECT job_id FROM transmissions WHERE id = $1`, [
      apis.id,
    ]);
    expect(rows[0]).toEqual({ job_id: null });
    // The job of before finds nothing to lease.
    expect(await repository.startSending([apis.id], new Date(), 60_000)).toEqual([]);
  });

  it("should give a failed send the contract's attempts again when it is planned again or sent now", async () => {
    await put('/v1/trips/T-ATTEMPTS', tripVariant(upcomingTrip(), 'T-ATTEMPTS'));
    const booking = upcomingBookingVariant(0, 'T-ATTEMPTS-B0', 'T-ATTEMPTS');
    await put('/v1/bookings/T-ATTEMPTS-B0', booking);
    const apis = await apisOf('T-ATTEMPTS');
    // Failed for good after the contract's five attempts.
    const failAgain = () =>
      t.database.admin(
        `UPDATE transmissions SET status = 'failed', attempts = attempts + 5, last_error = 'HTTPS_STATUS_503' WHERE id = $1`,
        [apis.id],
      );
    const leaseOnce = async () => {
      await t.database.admin(`UPDATE transmissions SET status = 'queued' WHERE id = $1`, [apis.id]);
      const [started] = await repository.startSending([apis.id], new Date(), 60_000);
      return started?.transmission;
    };
    await failAgain();

    // Its data fixed (a new passport number): planned again, its next attempt its first.
    await put(
      '/v1/bookings/T-ATTEMPTS-B0',
      edits(booking, [
        ['revision', (booking.revision as number) + 1],
        ['participants[0].documents[0].number', '21ZZ99999'],
      ]),
    );
    expect((await apisOf('T-ATTEMPTS')).status).toBe('planned');
    expect(await leaseOnce()).toMatchObject({ attempts: 6, generationAttempts: 1 });

    // Failed again, then sent now by an operator: the same.
    await failAgain();
    expect(await repository.operate(apis.id, 'send-now', new Date())).toMatchObject({
      before: 'failed',
      after: { status: 'planned' },
    });
    expect(await leaseOnce()).toMatchObject({ attempts: 12, generationAttempts: 1 });
  });

  it('should keep the plan of the newer data when two changes of a trip are planned at once', async () => {
    const first = Date.parse(upcomingDate('2027-07-01T10:30:00+02:00'));
    await put('/v1/trips/T-RACE', tripLeavingAt('T-RACE', first, 1));
    await put('/v1/bookings/T-RACE-B0', upcomingBookingVariant(0, 'T-RACE-B0', 'T-RACE'));
    expect(Date.parse((await apisOf('T-RACE')).deadline)).toBe(first - 2 * HOUR);

    // One re-planning reads the trip, then is held before it writes its plan…
    const { readHeld, release } = holdFirstTripRead();
    const slow = t.app.get(PlannerService).replan('T-RACE');
    await readHeld;
    // …while the flight moves two days earlier, and that change is planned.
    const moved = first - 2 * DAY;
    const change = put('/v1/trips/T-RACE', tripLeavingAt('T-RACE', moved, 2));
    // The change's re-planning waits for the plan lock (or, read outside it, is done).
    await eventually('the change to be planned or waiting', async () => {
      const { rows } = await t.database.admin(
        `SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
      );
      const waiting = (rows[0] as { waiting: number }).waiting > 0;
      const planned = Date.parse((await apisOf('T-RACE')).deadline) === moved - 2 * HOUR;
      return waiting || planned ? true : undefined;
    });
    release();
    await slow;
    await change;
    vi.restoreAllMocks();
    // The plan is the moved flight's, not the one read before the move.
    const apis = await apisOf('T-RACE');
    expect(Date.parse(apis.deadline)).toBe(moved - 2 * HOUR);
    expect(Date.parse(apis.dueAt)).toBe(moved - 48 * HOUR);
  });
});

describe('operations on one transmission, as recorded', () => {
  const ops = (method: string, path: string, body?: unknown) =>
    ask(t, method, path, { role: 'ops', ...(body === undefined ? {} : { body }) });
  const opsActions = async (): Promise<Record<string, unknown>[]> =>
    (
      await t.database.admin(
        `SELECT reason, subjects, transmission_id, detail FROM register_entries WHERE event = 'ops-action' ORDER BY seq`,
      )
    ).rows as Record<string, unknown>[];

  it('should record the read of a transmission and its register entries, naming whom they concern', async () => {
    await put('/v1/trips/T-OPS-READ', tripVariant(upcomingTrip(), 'T-OPS-READ'));
    await put(
      '/v1/bookings/T-OPS-READ-B0',
      upcomingBookingVariant(0, 'T-OPS-READ-B0', 'T-OPS-READ'),
    );
    const apis = await apisOf('T-OPS-READ');
    const preview = await ops('GET', `/v1/transmissions/${apis.id}/preview`);
    expect(preview.status, preview.text).toBe(200);
    const before = (await opsActions()).length;
    const read = await ops('GET', `/v1/transmissions/${apis.id}`);
    expect(read.status, read.text).toBe(200);
    const recorded = (await opsActions()).slice(before);
    expect(recorded).toEqual([
      expect.objectContaining({
        reason: 'register read: GET /v1/transmissions/{id}',
        transmission_id: null,
        detail: expect.objectContaining({ transmission: apis.id }) as unknown,
        subjects: ['T-OPS-READ-B0-1', 'T-OPS-READ-B0-2'],
      }) as unknown,
    ]);
  });

  it('should change nothing and answer 503 when the register cannot record an action', async () => {
    await put('/v1/trips/T-OPS-DOWN', tripVariant(upcomingTrip(), 'T-OPS-DOWN'));
    await put(
      '/v1/bookings/T-OPS-DOWN-B0',
      upcomingBookingVariant(0, 'T-OPS-DOWN-B0', 'T-OPS-DOWN'),
    );
    const apis = await apisOf('T-OPS-DOWN');
    // The register refuses ops-action entries (and only them) for the length of the test.
    await t.database.admin(
      `ALTER TABLE register_entries ADD CONSTRAINT no_ops_action CHECK (event <> 'ops-action') NOT VALID`,
    );
    try {
      const held = await ops('POST', `/v1/transmissions/${apis.id}/hold`, {
        reason: 'waiting for the airline to confirm the flight',
      });
      expect(held.status, held.text).toBe(503);
      expect((await apisOf('T-OPS-DOWN')).status).toBe('planned');
    } finally {
      await t.database.admin(`ALTER TABLE register_entries DROP CONSTRAINT no_ops_action`);
    }
    const held = await ops('POST', `/v1/transmissions/${apis.id}/hold`, {
      reason: 'waiting for the airline to confirm the flight',
    });
    expect(held.status, held.text).toBe(200);
    expect((await opsActions()).at(-1)).toMatchObject({
      reason: 'waiting for the airline to confirm the flight',
      detail: { action: 'hold', from: 'planned', to: 'held' },
    });
  });

  it('should show nothing of a preview whose view the register cannot record (503)', async () => {
    await put('/v1/trips/T-OPS-PEEK', tripVariant(upcomingTrip(), 'T-OPS-PEEK'));
    await put(
      '/v1/bookings/T-OPS-PEEK-B0',
      upcomingBookingVariant(0, 'T-OPS-PEEK-B0', 'T-OPS-PEEK'),
    );
    const apis = await apisOf('T-OPS-PEEK');
    const personal = personalValues(upcomingBookingVariant(0, 'T-OPS-PEEK-B0', 'T-OPS-PEEK'));
    const views = async () =>
      (
        await t.database.admin(
          `SELECT count(*)::int AS n FROM register_entries WHERE event = 'preview-viewed' AND transmission_id = $1`,
          [apis.id],
        )
      ).rows[0] as { n: number };
    // The register refuses preview-viewed entries (and only them) for the length of the test.
    await t.database.admin(
      `ALTER TABLE register_entries ADD CONSTRAINT no_preview CHECK (event <> 'preview-viewed') NOT VALID`,
    );
    try {
      const refused = await ops('GET', `/v1/transmissions/${apis.id}/preview`);
      expect(refused.status, refused.text).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'REGISTER_UNAVAILABLE' } });
      expect(personal.filter((value) => refused.text.includes(value))).toEqual([]);
    } finally {
      await t.database.admin(`ALTER TABLE register_entries DROP CONSTRAINT no_preview`);
    }
    expect(await views()).toEqual({ n: 0 });
    // The same preview, once the register can record it, shows the booking's data.
    const shown = await ops('GET', `/v1/transmissions/${apis.id}/preview`);
    expect(shown.status, shown.text).toBe(200);
    expect(personal.filter((value) => shown.text.includes(value)).length).toBeGreaterThan(0);
    expect(await views()).toEqual({ n: 1 });
  });

  it('should leave a send an operator sent now due when the data changes or the flight moves before it leaves', async () => {
    await put('/v1/trips/T-OPS-NOW', tripLeavingAt('T-OPS-NOW', Date.now() + 20 * DAY, 1));
    const booking = upcomingBookingVariant(0, 'T-OPS-NOW-B0', 'T-OPS-NOW');
    await put('/v1/bookings/T-OPS-NOW-B0', booking);
    const apis = await apisOf('T-OPS-NOW');
    const other = await apisOf('T-OPS-NOW', 'flight:F2');
    expect(Date.parse(apis.dueAt)).toBeGreaterThan(Date.now() + 10 * DAY);
    const sent = await ops('POST', `/v1/transmissions/${apis.id}/send-now`, {
      reason: 'the airline asked for it early',
    });
    expect(sent.status, sent.text).toBe(200);
    // The send-now wakes the dispatcher, which claims it (no worker here leases it).
    const due = await eventually('the send claimed', async () => {
      const now = await apisOf('T-OPS-NOW');
      return now.status === 'queued' ? now : undefined;
    });
    expect(due.sentNow).toBe(true);
    expect(Date.parse(due.dueAt)).toBeLessThanOrEqual(Date.now());

    // The booking changes before a worker leases it: the new data, still due now.
    await put(
      '/v1/bookings/T-OPS-NOW-B0',
      edits(booking, [
        ['revision', (booking.revision as number) + 1],
        ['participants[0].documents[0].number', '21ZZ99998'],
      ]),
    );
    const changed = await apisOf('T-OPS-NOW');
    expect(changed).toMatchObject({
      status: 'queued',
      dueAt: due.dueAt,
      generation: due.generation,
      sentNow: true,
    });
    expect(changed.digest).not.toBe(apis.digest);
    // The other flight's send, not sent now, follows its schedule as before.
    expect(await apisOf('T-OPS-NOW', 'flight:F2')).toMatchObject({
      dueAt: other.dueAt,
      sentNow: false,
    });

    // Waiting again (its job lost), then its flight moves later: it stays due now.
    await t.database.admin(
      `UPDATE transmissions SET status = 'planned', job_id = NULL WHERE id = $1`,
      [apis.id],
    );
    await put('/v1/trips/T-OPS-NOW', tripLeavingAt('T-OPS-NOW', Date.now() + 25 * DAY, 2));
    expect(await apisOf('T-OPS-NOW')).toMatchObject({ dueAt: due.dueAt, sentNow: true });
    expect(Date.parse((await apisOf('T-OPS-NOW', 'flight:F2')).dueAt)).toBeGreaterThan(
      Date.parse(other.dueAt),
    );
  });

  it('should leave a send an operator sent now due when a re-planning that read it before writes after', async () => {
    await put('/v1/trips/T-OPS-RACE', tripLeavingAt('T-OPS-RACE', Date.now() + 20 * DAY, 1));
    const booking = upcomingBookingVariant(0, 'T-OPS-RACE-B0', 'T-OPS-RACE');
    await put('/v1/bookings/T-OPS-RACE-B0', booking);
    const apis = await apisOf('T-OPS-RACE');
    expect(Date.parse(apis.dueAt)).toBeGreaterThan(Date.now() + 10 * DAY);

    // The booking's change is planned: its re-planning reads the plan, then is held before it
    // writes it (the passport's number changed: the send takes the new digest)…
    const { readHeld, release } = holdFirstTripRead();
    // (No dispatcher claims it in between: the row says alone when it is due.)
    vi.spyOn(repository, 'claimDue').mockResolvedValue([]);
    const change = put(
      '/v1/bookings/T-OPS-RACE-B0',
      edits(booking, [
        ['revision', (booking.revision as number) + 1],
        ['participants[0].documents[0].number', '21ZZ99997'],
      ]),
    );
    await readHeld;
    // …while an operator sends it now.
    const sent = await ops('POST', `/v1/transmissions/${apis.id}/send-now`, {
      reason: 'the airline asked for it early',
    });
    expect(sent.status, sent.text).toBe(200);
    release();
    await change;
    vi.restoreAllMocks();
    // The plan of the new data, and still due now: the operator's send-now is not undone.
    const after = await apisOf('T-OPS-RACE');
    expect(after.digest).not.toBe(apis.digest);
    expect(after.sentNow).toBe(true);
    expect(Date.parse(after.dueAt)).toBeLessThanOrEqual(Date.now());
  });

  it('should keep a send an operator holds held when it comes back after its unit went, or after it was missed', async () => {
    const departure = Date.now() + 20 * DAY;
    await put('/v1/trips/T-OPS-HELD', tripLeavingAt('T-OPS-HELD', departure, 1));
    const booking = upcomingBookingVariant(0, 'T-OPS-HELD-B0', 'T-OPS-HELD');
    await put('/v1/bookings/T-OPS-HELD-B0', booking);
    const apis = await apisOf('T-OPS-HELD');
    const held = await ops('POST', `/v1/transmissions/${apis.id}/hold`, {
      reason: 'the airline asked us to wait for its new format',
    });
    expect(held.status, held.text).toBe(200);

    // The booking cancelled, then confirmed again: its unit goes and comes back, still held.
    const revision = booking.revision as number;
    await put(
      '/v1/bookings/T-OPS-HELD-B0',
      edits(booking, [
        ['status', 'cancelled'],
        ['revision', revision + 1],
      ]),
    );
    expect((await apisOf('T-OPS-HELD')).status).toBe('cancelled');
    await put('/v1/bookings/T-OPS-HELD-B0', edit(booking, 'revision', revision + 2));
    expect((await apisOf('T-OPS-HELD')).status).toBe('held');

    // Missed while held, then its flight delayed enough to be sent in time: held again.
    await t.database.admin(
      `UPDATE transmissions SET deadline = now() - interval '1 second' WHERE id = $1`,
      [apis.id],
    );
    await repository.markMissed(new Date());
    expect((await apisOf('T-OPS-HELD')).status).toBe('missed');
    await put('/v1/trips/T-OPS-HELD', tripLeavingAt('T-OPS-HELD', departure + DAY, 2));
    expect((await apisOf('T-OPS-HELD')).status).toBe('held');

    // Released, it is the plan's again: cancelled and back, it comes back planned.
    expect(
      (await ops('POST', `/v1/transmissions/${apis.id}/release`, { reason: 'format agreed' }))
        .status,
    ).toBe(200);
    await put(
      '/v1/bookings/T-OPS-HELD-B0',
      edits(booking, [
        ['status', 'cancelled'],
        ['revision', revision + 3],
      ]),
    );
    await put('/v1/bookings/T-OPS-HELD-B0', edit(booking, 'revision', revision + 4));
    expect((await apisOf('T-OPS-HELD')).status).toBe('planned');
  });

  it('should refuse a blank reason, and answer 404 for an id that is not a UUID', async () => {
    await put('/v1/trips/T-OPS-BLANK', tripVariant(upcomingTrip(), 'T-OPS-BLANK'));
    await put(
      '/v1/bookings/T-OPS-BLANK-B0',
      upcomingBookingVariant(0, 'T-OPS-BLANK-B0', 'T-OPS-BLANK'),
    );
    const apis = await apisOf('T-OPS-BLANK');
    for (const reason of ['   ', '\n\t ']) {
      const answer = await ops('POST', `/v1/transmissions/${apis.id}/hold`, { reason });
      expect(answer.status, answer.text).toBe(400);
    }
    expect((await apisOf('T-OPS-BLANK')).status).toBe('planned');
    // Week and ordinal dates are ISO 8601 too, but not dates the filters can read: 400.
    for (const bound of ['2027-W01-1', '2027-182', '2027-02-30']) {
      expect((await ops('GET', `/v1/transmissions?from=${bound}`)).status, bound).toBe(400);
    }
    for (const id of ['a'.repeat(36), '-'.repeat(36)]) {
      expect((await ops('GET', `/v1/transmissions/${id}`)).status).toBe(404);
      expect((await ops('GET', `/v1/transmissions/${id}/preview`)).status).toBe(404);
      expect(
        (await ops('POST', `/v1/transmissions/${id}/send-now`, { reason: 'the flight is early' }))
          .status,
      ).toBe(404);
    }
  });
});

describe('the sender when the database or the register fails mid-round', () => {
  const queue = (ids: readonly string[]) =>
    t.database.admin(`UPDATE transmissions SET status = 'queued' WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
  const row = async (id: string) =>
    (
      await t.database.admin(
        'SELECT status, attempts, attempts_before FROM transmissions WHERE id = $1',
        [id],
      )
    ).rows[0] as { status: string; attempts: number; attempts_before: number };

  it('should give back every delivery slot when finishing the round’s cancelled sends fails', async () => {
    await put('/v1/trips/T-SLOTS', tripVariant(upcomingTrip(), 'T-SLOTS'));
    await put('/v1/bookings/T-SLOTS-B0', upcomingBookingVariant(0, 'T-SLOTS-B0', 'T-SLOTS'));
    const first = await apisOf('T-SLOTS', 'flight:F1');
    const gone = await apisOf('T-SLOTS', 'flight:F2');
    // F2's unit is gone by the time it is sent: the round cancels it, and finishing that fails.
    await t.database.admin(`UPDATE transmissions SET unit_key = 'flight:F9' WHERE id = $1`, [
      gone.id,
    ]);
    await queue([first.id, gone.id]);
    await t.database.admin(`
      CREATE FUNCTION refuse_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.status = 'cancelled' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_cancel BEFORE UPDATE ON transmissions
      FOR EACH ROW EXECUTE FUNCTION refuse_cancel()`);
    const sender = t.app.get(TransmissionSender);
    const slots = (sender as unknown as { slots: DeliverySlots }).slots;
    try {
      await expect(sender.send([first.id, gone.id], 'T-SLOTS')).rejects.toThrow();
    } finally {
      await t.database.admin(`
        DROP TRIGGER refuse_cancel ON transmissions;
        DROP FUNCTION refuse_cancel()`);
    }
    expect(slots.used).toBe(0);
  });

  it('should not count against the contract an attempt the register could not record', async () => {
    await put('/v1/trips/T-NOTSENT', tripVariant(upcomingTrip(), 'T-NOTSENT'));
    await put('/v1/bookings/T-NOTSENT-B0', upcomingBookingVariant(0, 'T-NOTSENT-B0', 'T-NOTSENT'));
    const apis = await apisOf('T-NOTSENT');
    await queue([apis.id]);
    await t.database.admin(
      `ALTER TABLE register_entries ADD CONSTRAINT no_attempts CHECK (event <> 'disclosure-attempted') NOT VALID`,
    );
    try {
      await expect(t.app.get(TransmissionSender).send([apis.id], 'T-NOTSENT')).rejects.toThrow();
    } finally {
      await t.database.admin(`ALTER TABLE register_entries DROP CONSTRAINT no_attempts`);
    }
    // Leased once (the fencing token grew), sent never: not one of the contract's attempts.
    expect(await row(apis.id)).toEqual({ status: 'queued', attempts: 1, attempts_before: 1 });
    // Fail closed: no file of it reached the recipient…
    expect(await outboxFilesOf(apis.id)).toEqual([]);
    const [started] = await repository.startSending([apis.id], new Date(), 60_000);
    expect(started?.transmission).toMatchObject({ attempts: 2, generationAttempts: 1 });
    // …where a send whose attempt the register records does leave.
    const other = await apisOf('T-NOTSENT', 'flight:F2');
    await queue([other.id]);
    const sent = await t.app.get(TransmissionSender).send([other.id], 'T-NOTSENT');
    expect(sent.get(other.id)).toBe('delivered');
    expect(await outboxFilesOf(other.id)).not.toEqual([]);
  });

  it('should say, of a send missed while the outcome of its attempt was unknown, that its files may have left', async () => {
    await put('/v1/trips/T-UNKNOWN', tripVariant(upcomingTrip(), 'T-UNKNOWN'));
    await put('/v1/bookings/T-UNKNOWN-B0', upcomingBookingVariant(0, 'T-UNKNOWN-B0', 'T-UNKNOWN'));
    const apis = await apisOf('T-UNKNOWN');
    // Its attempt's outcome was never recorded; its lease and its last moment have passed.
    await t.database.admin(
      `UPDATE transmissions SET status = 'sending', attempts = 1,
         lease_until = now() - interval '1 minute', deadline = now() - interval '1 second'
       WHERE id = $1`,
      [apis.id],
    );
    const missed = await repository.markMissed(new Date());
    expect(missed.find((x) => x.id === apis.id)).toMatchObject({
      status: 'missed',
      reason:
        'its last moment passed while the outcome of an attempt was unknown: its files may have left',
    });
  });
});
