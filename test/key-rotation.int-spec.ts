import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { masterKeyId } from '../src/modules/bookings/booking-cipher.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { sampleBookings, sampleTrip } from './support/input-documents.js';
import { ask, putTripAndBookings, testDataKey } from './support/ingest.js';
import { postEmergency, SAMPLE_AGENT_REQUEST } from './support/emergency.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { insurerClient } from './support/test-clients.js';

/**
 * Rotating the master key: a process started with the new key and the old one in
 * `PASSERELLE_DATA_KEY_PREVIOUS` re-wraps every data key the old one wrapped (bookings and
 * emergency requests) and indexes the policies under the new key; after that, the new key
 * alone opens everything.
 */

const OLD_KEY = testDataKey();
const NEW_KEY = testDataKey();
const idOf = (key: string) => masterKeyId(Buffer.from(key, 'base64'));
const MUTUELLE = insurerClient('INS-MUTUELLE-VOYAGE');
const TRIP = tripStartingIn(sampleTrip(), -1, new Date());

const started: TestApp[] = [];
let before: TestApp;

beforeAll(async () => {
  before = await startTestApp({ PASSERELLE_DATA_KEY: OLD_KEY, PASSERELLE_ROLE: 'api' });
  started.push(before);
  await putTripAndBookings(before, TRIP, sampleBookings());
  expect((await release(before)).status).toBe(200);
}, 60_000);
afterAll(async () => {
  // The last started first: the first one's database is the one they share.
  for (const app of started.reverse()) await app.close();
});

const release = (t: TestApp) => postEmergency(t, MUTUELLE, SAMPLE_AGENT_REQUEST);

async function keyIds(t: TestApp): Promise<string[]> {
  // Read in the shared database (each test app also made one of its own, unused).
  const { rows } = await t.database.admin(`
    SELECT key_id FROM bookings WHERE erased_at IS NULL
    UNION SELECT key_id FROM emergency_requests WHERE erased_at IS NULL`);
  return (rows as { key_id: string }[]).map((row) => row.key_id);
}

/** The policy index's digests, in hex. */
async function policyDigests(t: TestApp): Promise<string[]> {
  const { rows } = await t.database.admin(
    `SELECT encode(policy_digest, 'hex') AS digest FROM booking_policies ORDER BY 1`,
  );
  return (rows as { digest: string }[]).map((row) => row.digest);
}

/** Another gateway process on the same database, with these keys. */
async function restartWith(env: Record<string, string>): Promise<TestApp> {
  const app = await startTestApp({
    DATABASE_URL: before.config.databaseUrl,
    PASSERELLE_ROLE: 'api',
    ...env,
  });
  started.push(app);
  return app;
}

describe('a master key rotated', () => {
  it('should re-wrap every data key under the new key at start, and answer as before', async () => {
    expect(await keyIds(before)).toEqual([idOf(OLD_KEY)]);
    const digests = await policyDigests(before);
    expect(digests.length).toBeGreaterThan(0);
    const rotated = await restartWith({
      PASSERELLE_DATA_KEY: NEW_KEY,
      PASSERELLE_DATA_KEY_PREVIOUS: OLD_KEY,
    });
    expect(await keyIds(before)).toEqual([idOf(NEW_KEY)]);
    // Indexed again under the new key: a digest keyed by the master key, none the same.
    const rekeyed = await policyDigests(before);
    expect(rekeyed).toHaveLength(digests.length);
    expect(rekeyed.filter((digest) => digests.includes(digest))).toEqual([]);
    // The bookings open, and the policy index answers under the new key.
    const trip = await rotated.app.get(BookingsService).loadTrip(TRIP.id as string);
    expect(trip?.bookings).toHaveLength(sampleBookings().length);
    expect((await release(rotated)).status).toBe(200);
  });

  it('should need the new key only, once re-wrapped — agents’ texts included', async () => {
    const after = await restartWith({ PASSERELLE_DATA_KEY: NEW_KEY });
    const trip = await after.app.get(BookingsService).loadTrip(TRIP.id as string);
    expect(trip?.bookings).toHaveLength(sampleBookings().length);
    const listed = await ask(after, 'GET', '/v1/emergency/requests', { role: 'ops' });
    expect(listed.status, listed.text).toBe(200);
    const items = listed.body.items as { requestedBy: string | null }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.every((item) => item.requestedBy === 'Agent Paul Martin')).toBe(true);
  });

  it('should refuse to open what a key it was not given wrapped', async () => {
    const stranger = await restartWith({ PASSERELLE_DATA_KEY: testDataKey() });
    await expect(stranger.app.get(BookingsService).loadTrip(TRIP.id as string)).rejects.toThrow();
  });
});
