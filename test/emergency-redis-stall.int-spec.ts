import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
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
});
