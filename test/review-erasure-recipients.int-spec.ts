import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { aDisclosure } from './support/register-entries.js';
import { ask, putStored, tripVariant } from './support/ingest.js';
import { edit, sampleTrip, type JsonObject } from './support/input-documents.js';
import { registerEntries } from './support/pipeline-checks.js';
import { type OutboxApp, QUICK_SENDS, sendAllDue, startOutboxApp } from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant } from './support/upcoming-samples.js';

/**
 * The recipients an erasure names (Art. 17(2), Art. 19) are those the erased booking's data
 * reached: participant ids are unique within a trip only, so the disclosures of another
 * trip's participant carrying the same id are someone else's (or another booking's) data.
 */

let t: TestApp;
let outboxApp: OutboxApp;

beforeAll(async () => {
  outboxApp = await startOutboxApp(QUICK_SENDS);
  t = outboxApp.app;
}, 60_000);

afterAll(() => outboxApp.close());

const put = (path: string, body: JsonObject) => putStored(t, path, body);

describe('an erasure of a booking whose participant ids another trip uses too', () => {
  const SENT = 'T-REVIEW-REUSE-SENT';
  const ERASED = 'T-REVIEW-REUSE-ERASED';
  // The participants of `${SENT}-B0`, under the same ids on the other trip.
  const SHARED = `${SENT}-B0`;

  it('should name no recipient of the other trip’s disclosures when its own data reached none', async () => {
    await put(`/v1/trips/${SENT}`, tripStartingIn(tripVariant(sampleTrip(), SENT), 30, new Date()));
    await put(`/v1/bookings/${SENT}-B0`, upcomingBookingVariant(0, SHARED, SENT));
    const sent = await sendAllDue(t, SENT);
    expect(sent.filter((x) => x.status === 'delivered').length).toBeGreaterThan(1);

    // Another trip, whose booking carries the same participant ids and is cancelled: its data
    // is never sent anywhere.
    await put(
      `/v1/trips/${ERASED}`,
      tripStartingIn(tripVariant(sampleTrip(), ERASED), 30, new Date()),
    );
    const cancelled = edit(
      edit(upcomingBookingVariant(0, SHARED, ERASED), 'reference', `${ERASED}-B0`),
      'status',
      'cancelled',
    );
    await put(`/v1/bookings/${ERASED}-B0`, cancelled);
    const erased = await ask(t, 'DELETE', `/v1/bookings/${ERASED}-B0`, { role: 'ingest' });
    expect(erased.status, erased.text).toBe(204);

    const erasure = (await registerEntries(t)).find(
      (e) => e.detail?.action === 'booking-erased' && e.tripId === ERASED,
    );
    expect(erasure?.detail?.recipientsToNotify).toBe(0);
    expect(erasure?.detail?.recipientIds).toBe('');
  }, 120_000);
});

describe('an erasure while a send of the participants’ data is under way', () => {
  const TRIP = 'T-REVIEW-IN-FLIGHT';
  const SUBJECT = `${TRIP}-B0-1`;

  it('should name the recipient of an attempt whose outcome is not recorded yet: its files may be leaving', async () => {
    await put(`/v1/trips/${TRIP}`, tripStartingIn(tripVariant(sampleTrip(), TRIP), 30, new Date()));
    await put(
      `/v1/bookings/${TRIP}-B0`,
      edit(upcomingBookingVariant(0, `${TRIP}-B0`, TRIP), 'status', 'cancelled'),
    );
    // What a worker records before the bytes leave; its outcome comes once the transport
    // answers — after the erasure read the register.
    const register = t.app.get(RegisterService);
    await register.append(
      aDisclosure({
        event: 'disclosure-attempted',
        transmissionId: '00000000-0000-4000-8000-0000000000aa',
        contract: { id: 'hotel-rooming-list', version: 1, sha256: 'a'.repeat(64) },
        recipient: { id: 'hotel-review-in-flight', name: 'Review Hotel', category: 'hotel' },
        tripId: TRIP,
        unit: 'stay:S1',
        subjects: [SUBJECT],
      }),
    );
    const erased = await ask(t, 'DELETE', `/v1/bookings/${TRIP}-B0`, { role: 'ingest' });
    expect(erased.status, erased.text).toBe(204);
    const erasure = (await registerEntries(t)).find(
      (e) => e.detail?.action === 'booking-erased' && e.tripId === TRIP,
    );
    expect(erasure?.detail?.recipientIds).toBe('hotel-review-in-flight');
  }, 60_000);
});
