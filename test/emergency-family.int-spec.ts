import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { NOT_FOUND_MESSAGE } from '../src/modules/emergency/emergency.service.js';
import { edits, sampleTrip } from './support/input-documents.js';
import {
  bookingVariant,
  putTripAndBookings,
  samplePersonalValues,
  testDataKey,
  tripVariant,
} from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { clientOfRole, insurerClient } from './support/test-clients.js';
import { postEmergency } from './support/emergency.js';

/**
 * A family policy: one policy number for two participants of the same insurer, both in
 * their window. The agent names the one meant by date of birth; without it the caller is
 * told so (it is their own insured), and a date that matches neither is refused as not found.
 */

const MUTUELLE = insurerClient('INS-MUTUELLE-VOYAGE');
const FAMILY_POLICY = 'MV-FAMILY-77';
const RACE_POLICY = 'MV-RACE-1';
// The sample booking's two participants (B-FAM-1, B-FAM-2) and their dates of birth.
const BORN_FIRST = '2011-03-04';
const BORN_SECOND = '2013-09-21';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_DATA_KEY: testDataKey() });
  const trip = tripVariant(tripStartingIn(sampleTrip(), -1, new Date()), 'T-FAMILY');
  await putTripAndBookings(t, trip, [
    edits(bookingVariant(0, 'B-FAM', 'T-FAMILY'), [
      ['participants[0].insurance.policyNumber', FAMILY_POLICY],
      ['participants[1].insurance.policyNumber', FAMILY_POLICY],
    ]),
    edits(bookingVariant(0, 'B-RACE', 'T-FAMILY'), [
      ['participants[0].insurance.policyNumber', RACE_POLICY],
      ['participants[1].insurance.policyNumber', `${RACE_POLICY}-2`],
    ]),
  ]);
}, 60_000);
afterAll(async () => {
  await t.close();
});

async function ask(extra: Record<string, unknown> = {}, policyNumber = FAMILY_POLICY) {
  const answer = await postEmergency(t, MUTUELLE, {
    policyNumber,
    incidentReference: 'MV-ASSIST-2027-00077',
    reason: 'Twisted an ankle on the stairs of the museum and needs to see a doctor today.',
    requestedBy: 'Agent Paul Martin',
    ...extra,
  });
  return { ...answer, requestId: answer.headers.get('passerelle-request-id') ?? '' };
}

describe('an emergency request on a policy shared by two insured', () => {
  it('should ask for the date of birth, naming no one, when it is not given', async () => {
    const answer = await ask();
    expect(answer.status, answer.text).toBe(422);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: {
        details: [
          { path: 'dateOfBirth', rule: 'required when several insured share the policy number' },
        ],
      },
    });
    expect(answer.text).not.toContain('B-FAM');
    expect(samplePersonalValues().filter((value) => answer.text.includes(value))).toEqual([]);
  });

  it('should release the one born on the date given, and only them', async () => {
    const answer = await ask({ dateOfBirth: BORN_SECOND });
    expect(answer.status, answer.text).toBe(200);
    const body = JSON.parse(answer.text) as { participants: Record<string, unknown>[] };
    expect(body.participants).toHaveLength(1);
    expect(body.participants[0]?.['participant.dateOfBirth']).toBe(BORN_SECOND);
    expect(answer.text).not.toContain(BORN_FIRST);
    const released = (
      await t.app.get(RegisterService).list({ event: 'emergency-released' }, undefined, 10)
    ).items;
    expect(released.map((entry) => entry.subjects)).toEqual([['B-FAM-2']]);
  });

  it('should refuse as not found a date of birth that matches neither, and record why', async () => {
    const answer = await ask({ dateOfBirth: '2012-01-01' });
    expect(answer.status, answer.text).toBe(404);
    expect(answer.text).toContain(NOT_FOUND_MESSAGE);
    const refused = (
      await t.app.get(RegisterService).list({ event: 'emergency-refused' }, undefined, 10)
    ).items;
    expect(refused[0]).toMatchObject({
      reason: 'date-of-birth-mismatch',
      subjects: ['B-FAM-1', 'B-FAM-2'],
    });
  });

  it('should not show in the public metrics why a request was refused', async () => {
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const lines = metrics
      .split('\n')
      .filter((line) => line.startsWith('passerelle_emergency_requests_total{'));
    expect(lines.some((line) => line.includes('outcome="refused"'))).toBe(true);
    expect(lines.filter((line) => line.includes('reason='))).toEqual([]);
    expect(metrics).not.toContain('date-of-birth-mismatch');
    expect(metrics).not.toContain('ambiguous-policy');
  });

  it('should refuse a date of birth that is not a date, naming the path and the rule only', async () => {
    const answer = await ask({ dateOfBirth: '2013-02-30' });
    expect(answer.status, answer.text).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: { details: [{ path: 'dateOfBirth', rule: 'a date, YYYY-MM-DD' }] },
    });
    expect(answer.text).not.toContain('2013-02-30');
  });
});

describe('an emergency request racing the erasure of its booking', () => {
  it('should store what the agent wrote erased when the booking was erased after the lookup', async () => {
    const bookings = t.app.get(BookingsService);
    const findInsured = bookings.findInsured.bind(bookings);
    // The lookup reads the booking; the erasure commits before the request is recorded.
    const spy = vi.spyOn(bookings, 'findInsured').mockImplementationOnce(async (...args) => {
      const found = await findInsured(...args);
      const erased = await fetch(`${t.url}/v1/bookings/B-RACE`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${clientOfRole('ingest').key}` },
      });
      expect(erased.status).toBe(204);
      return found;
    });
    try {
      const answer = await ask({}, RACE_POLICY);
      expect(answer.status, answer.text).toBe(200);
      const requestId = answer.requestId;
      const { rows } = await t.database.admin(
        'SELECT ciphertext, wrapped_key, erased_at FROM emergency_requests WHERE id = $1',
        [requestId],
      );
      expect(rows).toEqual([
        { ciphertext: null, wrapped_key: null, erased_at: expect.any(Date) as Date },
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});
