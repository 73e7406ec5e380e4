import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { edit, edits, personalValues, REMOVE, type JsonObject } from './support/input-documents.js';
import { ask, personalValuesIn, testDataKey, tripVariant } from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import {
  upcomingDate,
  upcomingBookingVariant,
  upcomingBookings,
  upcomingPersonalValues,
  upcomingTrip,
} from './support/upcoming-samples.js';

/**
 * Ingest over HTTP against a real PostgreSQL: the sample trip and bookings in, every
 * refusal (revisions, payment data, unknown trip, invalid input, size, roles), the stored
 * form read directly from the tables, and erasure.
 */

let t: TestApp;
let bookings: BookingsService;
// Moved to start soon: the samples' own trip (July 2027) is refused once past retention.
const TRIP = upcomingTrip();
const TRIP_ID = TRIP.id as string;

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_DATA_KEY: testDataKey() });
  bookings = t.app.get(BookingsService);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const putTrip = (trip: JsonObject, path = `/v1/trips/${trip.id as string}`) =>
  ask(t, 'PUT', path, { role: 'ingest', body: trip });
const putBooking = (booking: JsonObject, path = `/v1/bookings/${booking.reference as string}`) =>
  ask(t, 'PUT', path, { role: 'ingest', body: booking });
const deleteBooking = (reference: string) =>
  ask(t, 'DELETE', `/v1/bookings/${reference}`, { role: 'ingest' });

/** A digest of a whole table, to show that a refused request changed nothing. */
async function tableDigest(table: 'trips' | 'bookings'): Promise<string> {
  const key = table === 'trips' ? 'id' : 'reference';
  const { rows } = await t.database.admin(
    `SELECT count(*)::int AS n, md5(coalesce(string_agg(row_to_json(x)::text, ',' ORDER BY ${key}), '')) AS digest FROM ${table} x`,
  );
  return JSON.stringify(rows[0]);
}

describe('PUT /v1/trips/{id} and PUT /v1/bookings/{reference} with the samples', () => {
  it('should answer 201 when the trip and each booking are created, then 200 without change when they are sent again', async () => {
    const created = await putTrip(TRIP);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({ id: TRIP_ID, revision: 1, created: true, changed: true });

    for (const booking of upcomingBookings()) {
      const answer = await putBooking(booking);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.body).toMatchObject({ reference: booking.reference, created: true });
    }

    const again = await putTrip(TRIP);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: TRIP_ID, revision: 1, created: false, changed: false });
    for (const booking of upcomingBookings()) {
      const answer = await putBooking(booking);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ created: false, changed: false });
    }
  });

  it('should treat a booking as identical when only its key order and spacing differ', async () => {
    const booking = upcomingBookings()[1]!;
    const reordered: JsonObject = Object.fromEntries(Object.entries(booking).reverse());
    const spaced = edit(
      reordered,
      'customer.surname',
      ` ${(booking.customer as JsonObject).surname as string} `,
    );
    const answer = await putBooking(spaced);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ changed: false });
  });

  it('should load the trip and every booking decrypted when the planner asks for it', async () => {
    const loaded = await bookings.loadTrip(TRIP_ID);
    expect(loaded?.trip.id).toBe(TRIP_ID);
    expect(loaded?.bookings.map((booking) => booking.reference)).toEqual([
      'B-1001',
      'B-1002',
      'B-1003',
      'B-STAFF-07',
    ]);
    expect(loaded?.bookings[0]?.customer.surname).toBe("O'Neill");
    expect(await bookings.listTripIds()).toContain(TRIP_ID);
  });

  it('should answer 200 and store the new revision when a higher revision changes the booking', async () => {
    const booking = edits(upcomingBookings()[2]!, [
      ['revision', 2],
      ['participants[0].meal', 'VGML'],
    ]);
    const answer = await putBooking(booking);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: false, changed: true, revision: 2 });
    const loaded = await bookings.loadTrip(TRIP_ID);
    const stored = loaded?.bookings.find((b) => b.reference === 'B-1003');
    expect(stored?.revision).toBe(2);
    expect(stored?.participants[0]?.meal).toBe('VGML');
  });

  it('should answer 409 STALE_REVISION and change nothing when a booking comes with a lower revision', async () => {
    const before = await tableDigest('bookings');
    const answer = await putBooking(edit(upcomingBookings()[2]!, 'participants[0].meal', 'KSML'));
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: 'STALE_REVISION',
      details: [{ path: 'revision', rule: expect.any(String) as string }],
    });
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 409 when the same revision of a booking comes with another content', async () => {
    const before = await tableDigest('bookings');
    const answer = await putBooking(
      edits(upcomingBookings()[2]!, [
        ['revision', 2],
        ['participants[0].meal', 'KSML'],
      ]),
    );
    expect(answer.status).toBe(409);
    expect((answer.body.error as JsonObject).code).toBe('STALE_REVISION');
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 409 when a trip comes with a lower revision, or the same revision changed', async () => {
    expect((await putTrip({ ...TRIP, revision: 2 })).status).toBe(200);
    const before = await tableDigest('trips');
    const lower = await putTrip(TRIP);
    expect(lower.status).toBe(409);
    expect((lower.body.error as JsonObject).code).toBe('STALE_REVISION');
    const changed = await putTrip({ ...TRIP, revision: 2, name: 'Another name' });
    expect(changed.status).toBe(409);
    expect(await tableDigest('trips')).toBe(before);
  });

  it('should answer 400 TRIP_INVALID with paths when the trip is invalid or names another id than the path', async () => {
    const answer = await putTrip(
      edit(TRIP, 'endDate', upcomingDate('2027-06-01')),
      `/v1/trips/${TRIP_ID}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'TRIP_INVALID',
      details: [{ path: 'endDate', rule: 'must not be before startDate' }],
    });
    const other = await putTrip(TRIP, '/v1/trips/T-OTHER');
    expect(other.status).toBe(400);
    expect((other.body.error as JsonObject).details).toEqual([
      { path: 'id', rule: 'must equal the trip id of the request path' },
    ]);
  });
});

describe('refusals of a trip', () => {
  it('should answer 422 PAYMENT_DATA_REFUSED and store nothing when a trip carries a card number', async () => {
    const before = await tableDigest('trips');
    const answer = await putTrip(
      edit(tripVariant(TRIP, 'T-PAY'), 'stays[0].hotel.address.lines[0]', '4111-1111-1111-1111'),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'PAYMENT_DATA_REFUSED',
      details: [{ path: 'stays[0].hotel.address.lines[0]', rule: 'payment data is not accepted' }],
    });
    expect(answer.text).not.toContain('4111');
    expect(await tableDigest('trips')).toBe(before);
  });
});

describe('refusals of a booking', () => {
  it('should answer 422 PAYMENT_DATA_REFUSED and store nothing when a card number is in the notes', async () => {
    const before = await tableDigest('bookings');
    const booking = edit(
      upcomingBookingVariant(0, 'B-PAY-1'),
      'notes',
      'paid with 4111 1111 1111 1111',
    );
    const answer = await putBooking(booking);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toEqual({
      code: 'PAYMENT_DATA_REFUSED',
      message: 'payment data is not accepted',
      details: [{ path: 'notes', rule: 'payment data is not accepted' }],
    });
    expect(answer.text).not.toContain('4111');
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 422 for payment data even when the rest of the booking is invalid too', async () => {
    const booking = edits(upcomingBookingVariant(0, 'B-PAY-2'), [
      ['participants[0].dateOfBirth', 'yesterday'],
      ['customer.surname', REMOVE],
      ['participants[1].insurance.policyNumber', '5500-0000-0000-0004'],
    ]);
    const answer = await putBooking(booking);
    expect(answer.status).toBe(422);
    expect((answer.body.error as JsonObject).code).toBe('PAYMENT_DATA_REFUSED');
  });

  it('should answer 422 for payment data in an existing booking, and keep the stored one', async () => {
    const before = await tableDigest('bookings');
    const booking = edits(upcomingBookings()[0]!, [
      ['revision', 3],
      ['customer.address.lines[0]', '4012888888881881'],
    ]);
    expect((await putBooking(booking)).status).toBe(422);
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 422 UNPROCESSABLE naming tripId when the trip is not stored', async () => {
    const before = await tableDigest('bookings');
    const answer = await putBooking(upcomingBookingVariant(0, 'B-NOTRIP', 'T-NOT-STORED'));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'UNPROCESSABLE',
      details: [{ path: 'tripId', rule: 'must name a stored trip' }],
    });
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 400 BOOKING_INVALID with every path, and no personal value anywhere in the answer', async () => {
    const booking = edits(upcomingBookingVariant(0, 'B-BAD'), [
      ['participants[0].dateOfBirth', '2099-01-01'],
      ['participants[0].documents[0].number', 'ab'],
      ['participants[1].surname', 'O’Neill; DROP'],
      ['customer.email', 'not an email'],
      ['participants[0].unexpected', 'Claire Marie'],
    ]);
    const before = await tableDigest('bookings');
    const answer = await putBooking(booking);
    expect(answer.status).toBe(400);
    const error = answer.body.error as { code: string; details: { path: string }[] };
    expect(error.code).toBe('BOOKING_INVALID');
    expect(error.details.map((detail) => detail.path)).toEqual(
      expect.arrayContaining([
        'participants[0].dateOfBirth',
        'participants[0].documents[0].number',
        'participants[1].surname',
        'customer.email',
        'participants[0].unexpected',
      ]),
    );
    for (const value of [...personalValues(booking), 'DROP', 'not an email', '2099-01-01']) {
      expect(answer.text).not.toContain(value);
    }
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 400 when the body is not an object, or the path names another reference', async () => {
    const list = await ask(t, 'PUT', '/v1/bookings/B-LIST', { role: 'ingest', body: [1, 2] });
    expect(list.status).toBe(400);
    expect((list.body.error as JsonObject).details).toEqual([
      { path: '', rule: 'must be an object' },
    ]);
    const other = await putBooking(upcomingBookingVariant(0, 'B-PATH'), '/v1/bookings/B-ELSEWHERE');
    expect(other.status).toBe(400);
    expect((other.body.error as JsonObject).details).toEqual([
      { path: 'reference', rule: 'must equal the booking reference of the request path' },
    ]);
  });

  it('should answer 422 naming the participant when another booking of the trip uses its id', async () => {
    const booking = edit(upcomingBookingVariant(3, 'B-DUP'), 'participants[0].id', 'B-1002-1');
    const answer = await putBooking(booking);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'UNPROCESSABLE',
      details: [
        {
          path: 'participants[0].id',
          rule: 'participant id already used in another booking of the trip',
        },
      ],
    });
  });

  it('should answer 422 naming the flight when a participant takes a flight the trip does not have', async () => {
    const answer = await putBooking(
      edit(upcomingBookingVariant(3, 'B-NOFLIGHT'), 'participants[0].flightIds', ['F9']),
    );
    expect(answer.status).toBe(422);
    expect((answer.body.error as JsonObject).details).toEqual([
      { path: 'participants[0].flightIds[0]', rule: 'must name a flight of the trip' },
    ]);
  });

  it('should answer 413 PAYLOAD_TOO_LARGE when the body is over 1 MiB, and store nothing', async () => {
    const before = await tableDigest('bookings');
    const booking = edit(upcomingBookingVariant(3, 'B-BIG'), 'notes', 'x'.repeat(1024 * 1024 + 1));
    const answer = await putBooking(booking);
    expect(answer.status).toBe(413);
    expect((answer.body.error as JsonObject).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 401 without a key and 403 to every role but ingest', async () => {
    const booking = upcomingBookingVariant(3, 'B-ROLE');
    const calls = [
      (role?: 'ops' | 'auditor' | 'insurer') =>
        ask(
          t,
          'PUT',
          '/v1/bookings/B-ROLE',
          role === undefined ? { body: booking } : { role, body: booking },
        ),
      (role?: 'ops' | 'auditor' | 'insurer') =>
        ask(
          t,
          'PUT',
          `/v1/trips/${TRIP_ID}`,
          role === undefined ? { body: TRIP } : { role, body: TRIP },
        ),
      (role?: 'ops' | 'auditor' | 'insurer') =>
        ask(t, 'DELETE', '/v1/bookings/B-1001', role === undefined ? {} : { role }),
    ];
    for (const call of calls) {
      expect((await call()).status).toBe(401);
      for (const role of ['ops', 'auditor', 'insurer'] as const) {
        const answer = await call(role);
        expect(answer.status).toBe(403);
        expect((answer.body.error as JsonObject).code).toBe('FORBIDDEN');
      }
    }
    expect((await bookings.loadTrip(TRIP_ID))?.bookings.map((b) => b.reference)).toContain(
      'B-1001',
    );
  });
});

describe('a trip change against its stored bookings', () => {
  const OTHER_TRIP = tripVariant(TRIP, 'T-CHANGE-01');

  it('should refuse with 422 naming the booking when the new trip drops a flight a participant takes', async () => {
    expect((await putTrip(OTHER_TRIP)).status).toBe(201);
    const booking = edit(
      upcomingBookingVariant(3, 'B-F2', 'T-CHANGE-01'),
      'participants[0].flightIds',
      ['F2'],
    );
    expect((await putBooking(booking)).status).toBe(201);
    const before = await tableDigest('trips');
    const withoutF2 = {
      ...OTHER_TRIP,
      revision: 2,
      flights: (OTHER_TRIP.flights as JsonObject[]).slice(0, 1),
    };
    const answer = await putTrip(withoutF2);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'UNPROCESSABLE',
      details: [
        {
          path: 'bookings[B-F2].participants[0].flightIds[0]',
          rule: 'must name a flight of the trip',
        },
      ],
    });
    expect(await tableDigest('trips')).toBe(before);
  });

  it('should accept rooms naming participants whose booking has not arrived, but refuse rooming a cancelled participant', async () => {
    const stays = OTHER_TRIP.stays as JsonObject[];
    const rooms = (occupantIds: string[]) => [
      { ...stays[0], rooms: [{ id: 'R1', type: 'TWN', occupantIds }] },
    ];
    const pending = await putTrip({
      ...OTHER_TRIP,
      revision: 2,
      stays: rooms(['B-F2-1', 'B-LATER-1']),
    });
    expect(pending.status, pending.text).toBe(200);

    const cancelled = edits(upcomingBookingVariant(3, 'B-F2', 'T-CHANGE-01'), [
      ['revision', 2],
      ['status', 'cancelled'],
      ['participants[0].flightIds', ['F2']],
    ]);
    // A booking may always be cancelled, even while the trip still rooms its participants.
    expect((await putBooking(cancelled)).status).toBe(200);
    const refused = await putTrip({ ...OTHER_TRIP, revision: 3, stays: rooms(['B-F2-1']) });
    expect(refused.status).toBe(422);
    expect((refused.body.error as JsonObject).details).toEqual([
      {
        path: 'stays[0].rooms[0].occupantIds[0]',
        rule: 'must be a participant of a confirmed booking taking this stay',
      },
    ]);
  });
});

describe('what is stored', () => {
  it('should hold no personal value of the samples in clear in any column of trips, bookings or the register', async () => {
    const values = upcomingPersonalValues();
    expect(values).toEqual(
      expect.arrayContaining([
        'Siobhán',
        'Müller-Durand',
        '2011-03-04',
        '19AB12345',
        'MV-2027-004411',
        'penicillin',
      ]),
    );
    const { rows } = await t.database.admin(
      'SELECT count(*)::int AS n FROM bookings WHERE erased_at IS NULL',
    );
    expect((rows[0] as { n: number }).n).toBeGreaterThanOrEqual(4);
    for (const table of ['trips', 'bookings', 'register_entries']) {
      expect(await personalValuesIn(t, table, values), table).toEqual([]);
    }
  });

  it('should keep ids, revision and status in clear and the document, its key and the key id sealed', async () => {
    const { rows } = await t.database.admin("SELECT * FROM bookings WHERE reference = 'B-1001'");
    const row = rows[0] as Record<string, unknown>;
    expect(row).toMatchObject({
      trip_id: TRIP_ID,
      revision: '2', // bigint (migration 0020): pg gives it as text
      status: 'confirmed',
      participant_ids: ['B-1001-1', 'B-1001-2'],
      erased_at: null,
    });
    expect((row.iv as Buffer).length).toBe(12);
    expect((row.auth_tag as Buffer).length).toBe(16);
    expect((row.wrapped_key as Buffer).length).toBe(32);
    expect(row.key_id).toMatch(/^[0-9a-f]{16}$/);
    expect((row.ciphertext as Buffer).toString('utf8')).not.toContain('participants');
  });
});

describe('DELETE /v1/bookings/{reference}', () => {
  const REFERENCE = 'B-1002';

  it('should answer 204, destroy the key and the ciphertext, and record the erasure with the participant ids', async () => {
    const register = t.app.get(RegisterService);
    const answer = await deleteBooking(REFERENCE);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');

    const loaded = await bookings.loadTrip(TRIP_ID);
    expect(loaded?.bookings.map((booking) => booking.reference)).not.toContain(REFERENCE);

    const { rows } = await t.database.admin('SELECT * FROM bookings WHERE reference = $1', [
      REFERENCE,
    ]);
    expect(rows[0]).toMatchObject({
      reference: REFERENCE,
      trip_id: TRIP_ID,
      participant_ids: ['B-1002-1'],
      ciphertext: null,
      iv: null,
      auth_tag: null,
      wrapped_key: null,
      wrap_iv: null,
      wrap_tag: null,
      key_id: null,
      erased_at: expect.any(Date) as Date,
    });

    const entries = (await register.list({ event: 'ops-action' }, undefined, 50)).items.filter(
      (entry) => entry.reason === 'erasure request',
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subjects: ['B-1002-1'],
      fields: [],
      actor: { kind: 'client', id: 'test-ingest' },
      tripId: TRIP_ID,
      unit: `booking:${REFERENCE}`,
    });
  });

  it('should answer 204 again and record nothing more when the booking is already erased', async () => {
    const register = t.app.get(RegisterService);
    expect((await deleteBooking(REFERENCE)).status).toBe(204);
    const entries = (await register.list({ subjectId: 'B-1002-1' }, undefined, 50)).items;
    expect(entries.filter((entry) => entry.reason === 'erasure request')).toHaveLength(1);
  });

  it('should refuse with 422 a PUT of the erased reference, whatever its revision', async () => {
    const before = await tableDigest('bookings');
    for (const revision of [1, 2, 99]) {
      const answer = await putBooking(edit(upcomingBookings()[1]!, 'revision', revision));
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({
        code: 'UNPROCESSABLE',
        details: [{ path: 'reference', rule: expect.stringContaining('erased') as string }],
      });
    }
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should refuse with 422 another booking that reuses an erased participant’s id, and store nothing', async () => {
    const before = await tableDigest('bookings');
    // B-1002 (erased above) held B-1002-1; a new booking of the same trip names them again.
    const reuse = edit(
      edit(upcomingBookings()[1]!, 'reference', 'B-1002-AGAIN'),
      'participants[0].id',
      'B-1002-1',
    );
    const answer = await putBooking(reuse);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'UNPROCESSABLE',
      details: [{ path: 'participants[0].id', rule: expect.stringContaining('erased') as string }],
    });
    expect(await tableDigest('bookings')).toBe(before);
  });

  it('should answer 404 when no booking has the reference', async () => {
    const answer = await deleteBooking('B-NEVER-STORED');
    expect(answer.status).toBe(404);
    expect((answer.body.error as JsonObject).code).toBe('NOT_FOUND');
  });

  it('should still hold no personal value anywhere after the erasure', async () => {
    const values = upcomingPersonalValues();
    for (const table of ['trips', 'bookings', 'register_entries']) {
      expect(await personalValuesIn(t, table, values), table).toEqual([]);
    }
  });
});
