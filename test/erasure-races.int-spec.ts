import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { BookingsRepository } from '../src/modules/bookings/bookings.repository.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { edits, sampleTrip } from './support/input-documents.js';
import { bookingVariant, putTripAndBookings, testDataKey, tripVariant } from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { clientOfRole, insurerClient, type TestClient } from './support/test-clients.js';
import { postEmergency } from './support/emergency.js';

/**
 * An erasure racing what insurers' agents write: whatever the order the two commit in, what
 * an agent wrote about a participant whose booking is erased does not outlive the erasure.
 */

const MUTUELLE = insurerClient('INS-MUTUELLE-VOYAGE');
const ASSUR = insurerClient('INS-ASSUR-JEUNES');
const TRIP_ID = 'T-ERASE-RACES';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_DATA_KEY: testDataKey() });
  const trip = tripVariant(tripStartingIn(sampleTrip(), -1, new Date()), TRIP_ID);
  // Booking 0's participants are insured by INS-MUTUELLE-VOYAGE; one policy each.
  const insured = (reference: string) =>
    edits(bookingVariant(0, reference, TRIP_ID), [
      ['participants[0].insurance.policyNumber', `MV-${reference}-1`],
      ['participants[1].insurance.policyNumber', `MV-${reference}-2`],
    ]);
  await putTripAndBookings(t, trip, [insured('B-OTHER'), insured('B-OPEN')]);
}, 60_000);
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await t.close();
});

const emergency = (client: TestClient, policyNumber: string) =>
  postEmergency(t, client, {
    policyNumber,
    incidentReference: 'AJ-ASSIST-2027-00013',
    reason: 'Burnt her hand in the hostel kitchen; the clinic asks about her allergies.',
    requestedBy: 'Agent Lucie Bernard',
  });

const erase = (reference: string) =>
  fetch(`${t.url}/v1/bookings/${reference}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${clientOfRole('ingest').key}` },
  });

/** The requests about `participantId` whose text is still readable. */
async function readableAbout(participantId: string): Promise<number> {
  const { rows } = await t.database.admin(
    `SELECT count(*)::int AS n FROM emergency_requests
      WHERE $1 = ANY(participant_ids) AND (ciphertext IS NOT NULL OR wrapped_key IS NOT NULL)`,
    [participantId],
  );
  return (rows[0] as { n: number }).n;
}

describe('an emergency request racing an erasure', () => {
  it('should store erased what the agent wrote in a refusal naming no single holder when the booking was erased after the lookup', async () => {
    const bookings = t.app.get(BookingsService);
    const findInsured = bookings.findInsured.bind(bookings);
    // Another insurer's policy: refused, stored with no booking reference, about B-OTHER-1.
    vi.spyOn(bookings, 'findInsured').mockImplementationOnce(async (...args) => {
      const found = await findInsured(...args);
      expect((await erase('B-OTHER')).status).toBe(204);
      return found;
    });
    const answer = await emergency(ASSUR, 'MV-B-OTHER-1');
    expect(answer.status, answer.text).toBe(404);
    const { rows } = await t.database.admin(
      'SELECT booking_reference, participant_ids, erased_at FROM emergency_requests',
    );
    expect(rows).toEqual([
      {
        booking_reference: null,
        participant_ids: ['B-OTHER-1'],
        erased_at: expect.any(Date) as Date,
      },
    ]);
    expect(await readableAbout('B-OTHER-1')).toBe(0);
  });

  it('should store erased what the agent wrote when the erasure commits after the request was stored', async () => {
    const repository = t.app.get(BookingsRepository);
    const eraseBooking = repository.eraseBooking.bind(repository);
    let answer: Promise<Awaited<ReturnType<typeof emergency>>> | undefined;
    // The erasure has cleared the requests it could see, and not yet committed, when the
    // request (its lookup reading the booking as it was) is stored.
    vi.spyOn(repository, 'eraseBooking').mockImplementationOnce(async (...args) => {
      const erased = await eraseBooking(...args);
      answer = emergency(MUTUELLE, 'MV-B-OPEN-1');
      for (let waited = 0; ; waited += 20) {
        const { rows } = await t.database.admin(
          `SELECT 1 FROM emergency_requests WHERE booking_reference = 'B-OPEN'`,
        );
        if (rows.length > 0) break;
        if (waited > 10_000) throw new Error('the request was never stored');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return erased;
    });
    expect((await erase('B-OPEN')).status).toBe(204);
    const released = await answer;
    expect(released?.status, released?.text).toBe(200);
    expect(await readableAbout('B-OPEN-1')).toBe(0);
    const { rows } = await t.database.admin(
      `SELECT erased_at FROM emergency_requests WHERE booking_reference = 'B-OPEN'`,
    );
    expect(rows).toEqual([{ erased_at: expect.any(Date) as Date }]);
  });
});
