import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEmergency } from './support/emergency.js';
import { ask, testDataKey } from './support/ingest.js';
import { edit, edits, type JsonObject } from './support/input-documents.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { insurerClient } from './support/test-clients.js';
import { tripLeavingAt, upcomingBookingVariant } from './support/upcoming-samples.js';

const BOOKINGS = 200;
const DAY_MS = 24 * 3_600_000;

/** Booking `n` of the large group: two participants, the first a leader in every tenth booking. */
function largeBooking(n: number, tripId: string): JsonObject {
  const reference = `B-LG-${String(n).padStart(3, '0')}`;
  let booking = upcomingBookingVariant(0, reference, tripId);
  for (const i of [0, 1]) {
    booking = edit(
      booking,
      `participants[${i}].insurance.policyNumber`,
      `LG-${reference}-${i + 1}`,
    );
  }
  if (n % 10 === 0) {
    booking = edits(booking, [
      ['participants[0].role', 'leader'],
      ['participants[0].dateOfBirth', '1990-04-12'],
      ['participants[0].legalRepresentatives', []],
    ]);
  }
  return booking;
}

/** The trip of 400: its two flights carry everyone, three stays of 200 rooms. */
function largeTrip(
  id: string,
  departure: number,
  revision: number,
  withRooms: boolean,
): JsonObject {
  const base = tripLeavingAt(id, departure, revision);
  const [stay] = base.stays as JsonObject[];
  const day = (offset: number) => new Date(departure + offset * DAY_MS).toISOString().slice(0, 10);
  const ids = Array.from(
    { length: BOOKINGS },
    (_, n) => `B-LG-${String(n).padStart(3, '0')}`,
  ).flatMap((reference) => [`${reference}-1`, `${reference}-2`]);
  const stays = [0, 1, 2].map((s) => ({
    ...stay,
    id: `S${s + 1}`,
    hotel: { ...(stay?.hotel as JsonObject), id: `HTL-LG-${s + 1}` },
    checkIn: day(s * 3),
    checkOut: day(s * 3 + 3),
    rooms: withRooms
      ? Array.from({ length: ids.length / 2 }, (_, r) => ({
          id: `S${s + 1}R${r + 1}`,
          type: 'TWN',
          occupantIds: ids.slice(2 * r, 2 * r + 2),
        }))
      : [],
  }));
  return { ...base, stays };
}

describe('a trip of 400 participants in 200 bookings', () => {
  let t: TestApp;
  const tripId = 'T-LARGE';
  // Running: the emergency window is open.
  const departure = Date.now() - DAY_MS;
  beforeAll(async () => {
    t = await startTestApp({ PASSERELLE_DATA_KEY: testDataKey() });
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('should store the trip and every booking through the API', async () => {
    const first = await ask(t, 'PUT', `/v1/trips/${tripId}`, {
      role: 'ingest',
      body: largeTrip(tripId, departure, 1, false),
    });
    expect(first.status, first.text).toBe(201);
    for (let n = 0; n < BOOKINGS; n += 1) {
      const booking = largeBooking(n, tripId);
      const answer = await ask(t, 'PUT', `/v1/bookings/${booking.reference as string}`, {
        role: 'ingest',
        body: booking,
      });
      expect(answer.status, answer.text).toBe(201);
    }
    const trip = largeTrip(tripId, departure, 2, true);
    // 600 rooms: far under the 1 MiB a body may have.
    expect(Buffer.byteLength(JSON.stringify(trip))).toBeLessThan((1024 * 1024) / 4);
    const second = await ask(t, 'PUT', `/v1/trips/${tripId}`, { role: 'ingest', body: trip });
    expect(second.status, second.text).toBe(200);
  }, 300_000);

  it('should release one participant of the large group', async () => {
    const answer = await postEmergency(t, insurerClient('INS-MUTUELLE-VOYAGE'), {
      policyNumber: 'LG-B-LG-123-1',
      incidentReference: 'LG-1',
      reason: 'A fall during the visit; the doctor needs the essentials.',
      requestedBy: 'Agent Test',
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).not.toContain('B-LG-124-1');
  }, 60_000);
});
