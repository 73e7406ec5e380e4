import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { sampleBookings, sampleTrip } from './support/input-documents.js';
import { putTripAndBookings, testDataKey } from './support/ingest.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { insurerClient, type TestClient } from './support/test-clients.js';
import { postEmergency } from './support/emergency.js';

/**
 * The emergency release with the limiter's Redis up but not answering: answered all the
 * same, the limit counted in the process, as when Redis cannot be reached.
 */

const MUTUELLE = insurerClient('INS-MUTUELLE-VOYAGE');
const ASSUR = insurerClient('INS-ASSUR-JEUNES');

const bodyOf = (policyNumber: string, extra: Record<string, unknown> = {}) => ({
  policyNumber,
  incidentReference: 'MV-ASSIST-2027-00099',
  reason: 'Fainted during the walk in the park and the paramedics ask for her medication.',
  requestedBy: 'Agent Léa Moreau',
  ...extra,
});

const post = (app: TestApp, client: TestClient, body: unknown) =>
  postEmergency(app, client, body, 15_000);

describe('an emergency request while Redis hangs (up, but not answering)', () => {
  let app: TestApp;
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    app = await startTestApp({
      REDIS_URL: redis.url,
      PASSERELLE_ROLE: 'api',
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    });
    await putTripAndBookings(app, tripStartingIn(sampleTrip(), -1, new Date()), sampleBookings());
  }, 60_000);
  afterAll(async () => {
    redis.thaw();
    await app.close();
    await redis.close();
  });

  it('should still be answered, limited in the process, when Redis does not answer', async () => {
    redis.freeze();
    try {
      const sent = performance.now();
      const released = await post(app, MUTUELLE, bodyOf('MV-2027-004411'));
      expect(released.status, released.text).toBe(200);
      const refused = await post(app, MUTUELLE, bodyOf('MV-0000-000000'));
      expect(refused.status).toBe(404);
      expect(performance.now() - sent).toBeLessThan(6000);
    } finally {
      redis.thaw();
    }
  }, 40_000);

  it('should answer refusals for different reasons at the same moment while Redis hangs', async () => {
    // A lookup that finds the policy does more work than one that finds nothing (the trip
    // and its bookings loaded, opened): made slower here so that it shows. The refusal
    // time hides it — also while the limiter waits out its Redis timeout first.
    const bookings = app.app.get(BookingsService);
    const findInsured = bookings.findInsured.bind(bookings);
    const spy = vi.spyOn(bookings, 'findInsured').mockImplementation(async (...args) => {
      const found = await findInsured(...args);
      if (found.holders.length > 0) await sleep(150);
      return found;
    });
    redis.freeze();
    try {
      const took = async (client: TestClient, policy: string) => {
        const sent = performance.now();
        const answer = await post(app, client, bodyOf(policy));
        expect(answer.status).toBe(404);
        return performance.now() - sent;
      };
      const unknown: number[] = [];
      const otherInsurer: number[] = [];
      for (let i = 0; i < 2; i += 1) {
        unknown.push(await took(MUTUELLE, 'MV-0000-000000'));
        otherInsurer.push(await took(ASSUR, 'MV-2027-004411'));
      }
      const fastest = (times: number[]) => Math.min(...times);
      expect(Math.abs(fastest(otherInsurer) - fastest(unknown))).toBeLessThan(60);
    } finally {
      redis.thaw();
      spy.mockRestore();
    }
  }, 40_000);
});
