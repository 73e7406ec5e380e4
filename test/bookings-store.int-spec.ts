import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../src/modules/auth/api-client.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { PasserelleError } from '../src/modules/shared/passerelle-error.js';
import { edit } from './support/input-documents.js';
import { ask, tripVariant } from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { upcomingDate, upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * The bookings service as the planner and the worker use it: change listeners, the
 * retention job, and concurrent writers. No PASSERELLE_DATA_KEY here: the development key
 * of var/dev-data-key is used, as on a developer's machine.
 */

const RETENTION_DAYS = 10;
const DAY_MS = 24 * 60 * 60 * 1000;
const INGEST: ApiClient = { id: 'test-ingest', role: 'ingest' };

let t: TestApp;
let bookings: BookingsService;

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_BOOKING_RETENTION_DAYS: String(RETENTION_DAYS) });
  bookings = t.app.get(BookingsService);
}, 60_000);
afterAll(async () => {
  await t.close();
});

/** Records the trip ids listeners hear, from now on. */
function listen(): string[] {
  const heard: string[] = [];
  bookings.onTripChanged((tripId) => {
    heard.push(tripId);
    return Promise.resolve();
  });
  return heard;
}

const refusal = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof PasserelleError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('change listeners', () => {
  it('should be called once per effective change with the trip id, and never for a no-op or a refusal', async () => {
    const heard = listen();
    const trip = tripVariant(upcomingTrip(), 'T-LISTEN');
    const booking = upcomingBookingVariant(0, 'B-LISTEN', 'T-LISTEN');

    await bookings.putTrip(trip, 'T-LISTEN', INGEST);
    await bookings.putTrip(trip, 'T-LISTEN', INGEST);
    expect(heard).toEqual(['T-LISTEN']);

    expect(await bookings.putBooking(booking, 'B-LISTEN', INGEST)).toMatchObject({
      created: true,
      changed: true,
    });
    expect(await bookings.putBooking(booking, 'B-LISTEN', INGEST)).toMatchObject({
      created: false,
      changed: false,
    });
    expect(
      await refusal(bookings.putBooking(edit(booking, 'revision', 1), 'B-LISTEN', INGEST)),
    ).toBe('STALE_REVISION');
    expect(
      await refusal(
        bookings.putBooking(edit(booking, 'notes', '4111111111111111'), 'B-LISTEN', INGEST),
      ),
    ).toBe('PAYMENT_DATA_REFUSED');
    expect(heard).toEqual(['T-LISTEN', 'T-LISTEN']);

    await bookings.putBooking(edit(booking, 'revision', 3), 'B-LISTEN', INGEST);
    await bookings.putTrip({ ...trip, revision: 2, name: 'Renamed' }, 'T-LISTEN', INGEST);
    expect(heard).toHaveLength(4);

    await bookings.deleteBooking('B-LISTEN', INGEST);
    await bookings.deleteBooking('B-LISTEN', INGEST);
    expect(heard).toEqual(['T-LISTEN', 'T-LISTEN', 'T-LISTEN', 'T-LISTEN', 'T-LISTEN']);
  });

  it('should call the listeners of both trips when a booking moves to another trip', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-MOVE-A'), 'T-MOVE-A', INGEST);
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-MOVE-B'), 'T-MOVE-B', INGEST);
    await bookings.putBooking(upcomingBookingVariant(3, 'B-MOVE', 'T-MOVE-A'), 'B-MOVE', INGEST);
    const heard = listen();
    const moved = edit(upcomingBookingVariant(3, 'B-MOVE', 'T-MOVE-B'), 'revision', 2);
    await bookings.putBooking(moved, 'B-MOVE', INGEST);
    expect([...heard].sort()).toEqual(['T-MOVE-A', 'T-MOVE-B']);
    expect((await bookings.loadTrip('T-MOVE-A'))?.bookings).toEqual([]);
    expect((await bookings.loadTrip('T-MOVE-B'))?.bookings.map((b) => b.reference)).toEqual([
      'B-MOVE',
    ]);
  });

  it('should not fail the request, nor skip the other listeners, when a listener fails', async () => {
    bookings.onTripChanged(() => Promise.reject(new Error('planner down for Zoé')));
    const heard = listen();
    const answer = await ask(t, 'PUT', '/v1/trips/T-LISTEN-FAIL', {
      role: 'ingest',
      body: tripVariant(upcomingTrip(), 'T-LISTEN-FAIL'),
    });
    expect(answer.status).toBe(201);
    expect(heard).toEqual(['T-LISTEN-FAIL']);
    expect((await bookings.loadTrip('T-LISTEN-FAIL'))?.trip.id).toBe('T-LISTEN-FAIL');
  });
});

describe('erasure when the register is down', () => {
  it('should answer 503 and erase nothing when the erasure cannot be recorded', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-NOREG'), 'T-NOREG', INGEST);
    await bookings.putBooking(upcomingBookingVariant(3, 'B-NOREG', 'T-NOREG'), 'B-NOREG', INGEST);
    const register = t.app.get(RegisterService);
    const append = vi.spyOn(register, 'append').mockRejectedValueOnce(new Error('down'));
    try {
      const answer = await ask(t, 'DELETE', '/v1/bookings/B-NOREG', { role: 'ingest' });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'REGISTER_UNAVAILABLE' });
    } finally {
      append.mockRestore();
    }
    expect((await bookings.loadTrip('T-NOREG'))?.bookings.map((b) => b.reference)).toEqual([
      'B-NOREG',
    ]);
    expect((await ask(t, 'DELETE', '/v1/bookings/B-NOREG', { role: 'ingest' })).status).toBe(204);
    expect((await bookings.loadTrip('T-NOREG'))?.bookings).toEqual([]);
  });
});

describe('erasure, all or nothing', () => {
  it('should leave the booking whole when a later part of its erasure fails, and finish it on retry', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-HALF'), 'T-HALF', INGEST);
    // Booking 3 holds the group leader, insured.
    await bookings.putBooking(upcomingBookingVariant(3, 'B-HALF', 'T-HALF'), 'B-HALF', INGEST);
    const leads = async () =>
      (await t.database.admin(`SELECT leads FROM bookings WHERE reference = 'B-HALF'`)).rows[0] as {
        leads: boolean | null;
      };
    const policies = async () =>
      (
        await t.database.admin(
          `SELECT count(*)::int AS n FROM booking_policies WHERE booking_reference = 'B-HALF'`,
        )
      ).rows[0] as { n: number };
    expect((await policies()).n).toBeGreaterThan(0);
    expect((await leads()).leads).toBe(true);
    // The policy index refuses the erasure's delete, once.
    await t.database.admin(`
      CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused'; END $$;
      CREATE TRIGGER refuse_policy_delete BEFORE DELETE ON booking_policies
      FOR EACH ROW EXECUTE FUNCTION refuse_delete()`);
    try {
      expect((await ask(t, 'DELETE', '/v1/bookings/B-HALF', { role: 'ingest' })).status).toBe(500);
    } finally {
      await t.database.admin(`
        DROP TRIGGER refuse_policy_delete ON booking_policies;
        DROP FUNCTION refuse_delete()`);
    }
    // Nothing of it was erased: the booking still opens, its index is whole.
    expect((await bookings.loadTrip('T-HALF'))?.bookings.map((b) => b.reference)).toEqual([
      'B-HALF',
    ]);
    expect((await policies()).n).toBeGreaterThan(0);
    // The retry erases all of it, the leader flag too.
    expect((await ask(t, 'DELETE', '/v1/bookings/B-HALF', { role: 'ingest' })).status).toBe(204);
    expect((await policies()).n).toBe(0);
    const { rows } = await t.database.admin(
      `SELECT ciphertext, wrapped_key, leads, erased_at FROM bookings WHERE reference = 'B-HALF'`,
    );
    expect(rows[0]).toMatchObject({
      ciphertext: null,
      wrapped_key: null,
      leads: null,
      erased_at: expect.any(Date) as Date,
    });
  });
});

describe('bookings sealed under another master key', () => {
  it('should count them and index the others, rather than failing every batch they are in', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-OTHERKEY'), 'T-OTHERKEY', INGEST);
    await bookings.putBooking(
      upcomingBookingVariant(0, 'B-OTHERKEY', 'T-OTHERKEY'),
      'B-OTHERKEY',
      INGEST,
    );
    await bookings.putBooking(
      upcomingBookingVariant(3, 'B-OURKEY', 'T-OTHERKEY'),
      'B-OURKEY',
      INGEST,
    );
    const { rows } = await t.database.admin(
      `SELECT key_id FROM bookings WHERE reference = 'B-OTHERKEY'`,
    );
    const ours = (rows[0] as { key_id: string }).key_id;
    // One sealed under another key, both waiting for the policy index.
    await t.database.admin(
      `UPDATE bookings SET key_id = 'another-master-key' WHERE reference = 'B-OTHERKEY';
       UPDATE bookings SET policies_key_id = NULL WHERE reference IN ('B-OTHERKEY', 'B-OURKEY');
       DELETE FROM booking_policies WHERE booking_reference = 'B-OURKEY'`,
    );
    try {
      expect(await bookings.indexPolicies()).toBe(1);
      const indexed = await t.database.admin(
        `SELECT count(*)::int AS n FROM booking_policies WHERE booking_reference = 'B-OURKEY'`,
      );
      expect((indexed.rows[0] as { n: number }).n).toBeGreaterThan(0);
    } finally {
      await t.database.admin(`UPDATE bookings SET key_id = $1 WHERE reference = 'B-OTHERKEY'`, [
        ours,
      ]);
    }
  });
});

describe('loadTrip', () => {
  it('should return confirmed and cancelled bookings, and undefined for an unknown trip', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-LOAD'), 'T-LOAD', INGEST);
    await bookings.putBooking(upcomingBookingVariant(0, 'B-LOAD-1', 'T-LOAD'), 'B-LOAD-1', INGEST);
    await bookings.putBooking(
      edit(upcomingBookingVariant(1, 'B-LOAD-2', 'T-LOAD'), 'status', 'cancelled'),
      'B-LOAD-2',
      INGEST,
    );
    const loaded = await bookings.loadTrip('T-LOAD');
    expect(loaded?.bookings.map((b) => [b.reference, b.status])).toEqual([
      ['B-LOAD-1', 'confirmed'],
      ['B-LOAD-2', 'cancelled'],
    ]);
    expect(await bookings.loadTrip('T-NONE')).toBeUndefined();
    expect(await bookings.listTripIds()).toEqual(expect.arrayContaining(['T-LOAD', 'T-LISTEN']));
  });
});

describe('eraseExpired (retention)', () => {
  // The sample trip ends 2027-07-12 (before it is moved); its last flight lands
  // 2027-07-12T07:55+02:00, so the trip is over when 2027-07-12 ends in the latest zone
  // (UTC−12), 2027-07-13T12:00Z, and its bookings go RETENTION_DAYS days later.
  const ENDED = Date.parse(upcomingDate('2027-07-13T12:00:00Z'));

  it('should erase nothing before the trip end plus the retention days, and every live booking after', async () => {
    const trip = tripVariant(upcomingTrip(), 'T-RETAIN');
    await bookings.putTrip(trip, 'T-RETAIN', INGEST);
    await bookings.putBooking(upcomingBookingVariant(0, 'B-RET-1', 'T-RETAIN'), 'B-RET-1', INGEST);
    await bookings.putBooking(upcomingBookingVariant(1, 'B-RET-2', 'T-RETAIN'), 'B-RET-2', INGEST);
    // A later trip keeps its bookings.
    const later = {
      ...tripVariant(upcomingTrip(), 'T-LATER'),
      startDate: upcomingDate('2027-08-01'),
      endDate: upcomingDate('2027-08-20'),
    };
    await bookings.putTrip({ ...later, flights: [] }, 'T-LATER', INGEST);
    await bookings.putBooking(upcomingBookingVariant(3, 'B-LATER', 'T-LATER'), 'B-LATER', INGEST);
    const heard = listen();

    const before = new Date(ENDED + RETENTION_DAYS * DAY_MS - 1);
    expect(await bookings.eraseExpired(before)).toBe(0);
    expect((await bookings.loadTrip('T-RETAIN'))?.bookings).toHaveLength(2);

    const after = new Date(ENDED + RETENTION_DAYS * DAY_MS);
    const erased = await bookings.eraseExpired(after);
    // Everything else stored in this file ends on the same day and goes too, but not T-LATER.
    expect(erased).toBeGreaterThanOrEqual(2);
    expect((await bookings.loadTrip('T-RETAIN'))?.bookings).toEqual([]);
    expect((await bookings.loadTrip('T-LATER'))?.bookings).toHaveLength(1);
    expect(heard).toContain('T-RETAIN');
    expect(heard).not.toContain('T-LATER');

    const { rows } = await t.database.admin(
      "SELECT reference, ciphertext, wrapped_key, erased_at FROM bookings WHERE trip_id = 'T-RETAIN'",
    );
    for (const row of rows as Record<string, unknown>[]) {
      expect(row).toMatchObject({
        ciphertext: null,
        wrapped_key: null,
        erased_at: expect.any(Date) as Date,
      });
    }

    const register = t.app.get(RegisterService);
    // (The insurer's enrolment, due at confirmation, may have been attempted meanwhile.)
    const entries = (
      await register.list({ subjectId: 'B-RET-1-1', event: 'ops-action' }, undefined, 50)
    ).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      event: 'ops-action',
      actor: { kind: 'system', id: 'retention' },
      reason: 'retention',
      subjects: ['B-RET-1-1', 'B-RET-1-2'],
      fields: [],
      unit: 'booking:B-RET-1',
    });

    expect(await bookings.eraseExpired(after)).toBe(0);
    const again = await ask(t, 'PUT', '/v1/bookings/B-RET-1', {
      role: 'ingest',
      body: edit(upcomingBookingVariant(0, 'B-RET-1', 'T-RETAIN'), 'revision', 5),
    });
    expect(again.status).toBe(422);
  });
});

describe('concurrent writers', () => {
  it('should end at revision 3, never 2, when revisions 2 and 3 of a booking are put at once', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-RACE'), 'T-RACE', INGEST);
    for (let round = 0; round < 15; round += 1) {
      const reference = `B-RACE-${round}`;
      const base = upcomingBookingVariant(0, reference, 'T-RACE');
      await bookings.putBooking(edit(base, 'revision', 1), reference, INGEST);
      const two = edit(edit(base, 'revision', 2), 'participants[0].meal', 'KSML');
      const three = edit(edit(base, 'revision', 3), 'participants[0].meal', 'VGML');
      const bodies = round % 2 === 0 ? [two, three] : [three, two];
      const answers = await Promise.all(
        bodies.map((body) => ask(t, 'PUT', `/v1/bookings/${reference}`, { role: 'ingest', body })),
      );
      for (const answer of answers) expect([200, 409]).toContain(answer.status);
      const { rows } = await t.database.admin(
        'SELECT revision FROM bookings WHERE reference = $1',
        [reference],
      );
      // A bigint column (migration 0020): pg gives it as text.
      expect(rows[0]).toEqual({ revision: '3' });
      const stored = (await bookings.loadTrip('T-RACE'))?.bookings.find(
        (b) => b.reference === reference,
      );
      expect(stored?.participants[0]?.meal).toBe('VGML');
    }
  });

  it('should create a trip once when the same trip is put twice at once', async () => {
    const trip = tripVariant(upcomingTrip(), 'T-TWICE');
    const answers = await Promise.all(
      [trip, trip, trip].map((body) =>
        ask(t, 'PUT', '/v1/trips/T-TWICE', { role: 'ingest', body }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
  });

  it('should let only one of two bookings claim a participant id when both arrive at once', async () => {
    await bookings.putTrip(tripVariant(upcomingTrip(), 'T-CLAIM'), 'T-CLAIM', INGEST);
    const one = edit(
      upcomingBookingVariant(3, 'B-CLAIM-1', 'T-CLAIM'),
      'participants[0].id',
      'P-SHARED',
    );
    const two = edit(
      upcomingBookingVariant(3, 'B-CLAIM-2', 'T-CLAIM'),
      'participants[0].id',
      'P-SHARED',
    );
    const answers = await Promise.all([
      ask(t, 'PUT', '/v1/bookings/B-CLAIM-1', { role: 'ingest', body: one }),
      ask(t, 'PUT', '/v1/bookings/B-CLAIM-2', { role: 'ingest', body: two }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 422]);
  });
});
