import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { masterKeyId } from '../src/modules/bookings/booking-cipher.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { sampleTrip } from './support/input-documents.js';
import { putTripAndBookings, testDataKey } from './support/ingest.js';
import { postEmergency, SAMPLE_AGENT_REQUEST } from './support/emergency.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { clientOfRole, insurerClient } from './support/test-clients.js';
import { upcomingBookings, upcomingPersonalValues } from './support/upcoming-samples.js';

/**
 * Rotating the master key when some rows cannot be opened (altered bytes, a bad restore):
 * the others are re-wrapped and indexed all the same, the policy lookup keeps answering under
 * the new key, and what is left under the old key is named (by reference, never by value)
 * and counted — bookings and agents' texts — so that the old key is not dropped too soon.
 */

const OLD_KEY = testDataKey();
const NEW_KEY = testDataKey();
const idOf = (key: string) => masterKeyId(Buffer.from(key, 'base64'));
const MUTUELLE = insurerClient('INS-MUTUELLE-VOYAGE');
const AUDITOR = clientOfRole('auditor');
const TRIP = tripStartingIn(sampleTrip(), -1, new Date());

const started: TestApp[] = [];
let before: TestApp;

beforeAll(async () => {
  before = await startTestApp({ PASSERELLE_DATA_KEY: OLD_KEY, PASSERELLE_ROLE: 'api' });
  started.push(before);
  // Passport expiries moved far past today (`upcomingBookings`): the samples' own (2028-02-01…)
  // would one day be today's date, found in the logs' timestamps by the check for personal values.
  await putTripAndBookings(before, TRIP, upcomingBookings());
  expect((await release(before)).status).toBe(200);
}, 60_000);
afterAll(async () => {
  // The last started first: the first one's database is the one they share.
  for (const app of started.reverse()) await app.close();
});

const release = (t: TestApp) => postEmergency(t, MUTUELLE, SAMPLE_AGENT_REQUEST);

/** Another gateway process on the same database, with these keys, its log collected. */
async function restartWith(env: Record<string, string>, lines: string[]): Promise<TestApp> {
  const app = await startTestApp(
    { DATABASE_URL: before.config.databaseUrl, PASSERELLE_ROLE: 'api', ...env },
    { logLines: lines },
  );
  started.push(app);
  return app;
}

async function bookingKeyIds(): Promise<Record<string, string>> {
  const { rows } = await before.database.admin(
    'SELECT reference, key_id FROM bookings WHERE erased_at IS NULL ORDER BY reference',
  );
  return Object.fromEntries(
    (rows as { reference: string; key_id: string }[]).map((row) => [row.reference, row.key_id]),
  );
}

/** Flips a bit of one column of one row (an attacker's write, or a bad restore). */
async function alter(table: string, column: string, where: string): Promise<void> {
  await before.database.admin(
    `UPDATE ${table} SET ${column} = set_byte(${column}, 0, get_byte(${column}, 0) # 1) WHERE ${where}`,
  );
}

describe('a master key rotated while some rows cannot be opened', () => {
  it('should re-wrap and index every other row, name those left, and keep answering', async () => {
    const { rows: requests } = await before.database.admin(
      'SELECT id FROM emergency_requests WHERE erased_at IS NULL',
    );
    expect(requests).toHaveLength(1);
    // B-1002's wrapped key no longer authenticates (it cannot be re-wrapped); B-1003's
    // document no longer does (re-wrapped, but it cannot be indexed); the agent's text's
    // wrapped key no longer does either.
    await alter('bookings', 'wrap_tag', "reference = 'B-1002'");
    await alter('bookings', 'ciphertext', "reference = 'B-1003'");
    await alter('emergency_requests', 'wrap_tag', 'erased_at IS NULL');

    const lines: string[] = [];
    const rotated = await restartWith(
      { PASSERELLE_DATA_KEY: NEW_KEY, PASSERELLE_DATA_KEY_PREVIOUS: OLD_KEY },
      lines,
    );
    expect(await bookingKeyIds()).toEqual({
      'B-1001': idOf(NEW_KEY),
      'B-1002': idOf(OLD_KEY),
      'B-1003': idOf(NEW_KEY),
      'B-STAFF-07': idOf(NEW_KEY),
    });
    // The policy index was rebuilt under the new key for what opens: the lookup answers.
    expect((await release(rotated)).status).toBe(200);
    const { rows: policies } = await before.database.admin(
      'SELECT reference, policies_key_id FROM bookings ORDER BY reference',
    );
    const indexedUnder = new Set(
      (policies as { reference: string; policies_key_id: string }[])
        .filter((row) => row.reference === 'B-1001' || row.reference === 'B-STAFF-07')
        .map((row) => row.policies_key_id),
    );
    expect(indexedUnder.size).toBe(1);
    // Each row left behind is named by its reference or id, and nothing it holds.
    const log = lines.join('\n');
    expect(log).not.toContain('policy indexing failed');
    expect(log).toMatch(/"reference":"B-1002"/);
    expect(log).toMatch(/"reference":"B-1003"/);
    expect(log).toContain(`"id":"${(requests[0] as { id: string }).id}"`);
    for (const value of [...upcomingPersonalValues(), 'Paul Martin', 'MV-2027-004411']) {
      expect(log).not.toContain(value);
    }
  });

  it('should count what only a key it was not given opens, bookings and agents’ texts', async () => {
    const lines: string[] = [];
    const after = await restartWith({ PASSERELLE_DATA_KEY: NEW_KEY }, lines);
    const counted = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => typeof line.msg === 'string' && line.msg.includes('another master key'));
    expect(counted).toMatchObject({ bookings: 1, emergencyRequests: 1 });
    // What the new key opens is read as before.
    expect((await release(after)).status).toBe(200);
    await expect(after.app.get(BookingsService).loadTrip(TRIP.id as string)).rejects.toThrow();
    // The DPO's list still answers: the request it cannot open is shown as such, the two
    // made since (one a start ago) are read.
    const list = await fetch(`${after.url}/v1/emergency/requests`, {
      headers: { authorization: `Bearer ${AUDITOR.key}` },
    });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: Record<string, unknown>[] };
    expect(items.map((item) => [item.unreadable, item.requestedBy])).toEqual([
      [false, 'Agent Paul Martin'],
      [false, 'Agent Paul Martin'],
      [true, null],
    ]);
  });
});
