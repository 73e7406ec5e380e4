import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edit, sampleTrip, type Json, type JsonObject } from './support/input-documents.js';
import { ask, bookingVariant, testDataKey, tripVariant } from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Bodies under the 1 MiB limit that cost the API process far more than their size: the
 * answer comes at once, bounded, and nothing is stored. The event loop they would hold is
 * the one every other request (emergency releases included) waits on.
 */

let t: TestApp;
const lines: string[] = [];
const TRIP = tripVariant(sampleTrip(), 'T-LIMITS');

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_DATA_KEY: testDataKey() }, { logLines: lines });
  const stored = await ask(t, 'PUT', '/v1/trips/T-LIMITS', { role: 'ingest', body: TRIP });
  if (stored.status !== 201) throw new Error(stored.text);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const unexpected = () =>
  lines.filter((line) => (JSON.parse(line) as { msg?: unknown }).msg === 'unexpected error');

/** A call and how long it took, in milliseconds. */
async function timed(
  method: string,
  path: string,
  options: Parameters<typeof ask>[3],
): Promise<Awaited<ReturnType<typeof ask>> & { readonly ms: number }> {
  const started = performance.now();
  const answer = await ask(t, method, path, options);
  return { ...answer, ms: performance.now() - started };
}

const details = (body: Record<string, Json>) =>
  (body.error as { details: { path: string; rule: string }[] }).details;

async function count(table: 'trips' | 'bookings'): Promise<number> {
  const { rows } = await t.database.admin(`SELECT count(*)::int AS n FROM ${table}`);
  return (rows[0] as { n: number }).n;
}

/** `{ _0: 0, _1: 0, … _1xjz: 0 }`: an object of `size` properties. */
const wideObject = (size: number): JsonObject =>
  Object.fromEntries(Array.from({ length: size }, (_, index) => [`_${index.toString(36)}`, 0]));

describe('a phone number the pattern would take exponential time to refuse', () => {
  it('should answer 400 at once when a phone is written with dozens of parenthesised groups', async () => {
    // `(1)1` reads two ways (a group then a digit, or two separated digits): 2^27 ways.
    const phone = `+1${'(1)1'.repeat(27)}x`;
    const booking = edit(bookingVariant(0, 'B-PHONE', 'T-LIMITS'), 'customer.phone', phone);
    const answer = await timed('PUT', '/v1/bookings/B-PHONE', { role: 'ingest', body: booking });
    expect(answer.status).toBe(400);
    expect(details(answer.body)).toContainEqual({
      path: 'customer.phone',
      rule: 'must be an international phone number: + then 6 to 15 digits',
    });
    expect(answer.ms).toBeLessThan(1_000);
  }, 60_000);
});

describe('an object with very many properties', () => {
  it('should answer 400 naming the object when a participant’s marketing object has 90,000 properties, and store nothing', async () => {
    const booking = edit(
      bookingVariant(0, 'B-WIDE', 'T-LIMITS'),
      'participants[0].marketing',
      wideObject(90_000),
    );
    expect(JSON.stringify(booking).length).toBeLessThan(1024 * 1024);
    const answer = await timed('PUT', '/v1/bookings/B-WIDE', { role: 'ingest', body: booking });
    expect(answer.status, answer.text.slice(0, 200)).toBe(400);
    expect(details(answer.body)).toEqual([
      { path: 'participants[0].marketing', rule: 'must have at most 1000 properties' },
    ]);
    expect(answer.ms).toBeLessThan(2_000);
    expect(await count('bookings')).toBe(0);
  }, 60_000);

  it('should answer 400 with one detail when a trip has 90,000 unknown properties', async () => {
    const trip = { ...tripVariant(sampleTrip(), 'T-WIDE'), ...wideObject(90_000) };
    const answer = await timed('PUT', '/v1/trips/T-WIDE', { role: 'ingest', body: trip });
    expect(answer.status).toBe(400);
    expect(details(answer.body)).toEqual([{ path: '', rule: 'must have at most 1000 properties' }]);
    expect(answer.ms).toBeLessThan(2_000);
  }, 60_000);

  it('should answer 400 with one detail when an ops action’s body has 90,000 properties', async () => {
    const body = { reason: 'the airline asked us to wait', ...wideObject(90_000) };
    const answer = await timed('POST', `/v1/transmissions/${randomUUID()}/hold`, {
      role: 'ops',
      body,
    });
    expect(answer.status).toBe(400);
    expect(details(answer.body)).toEqual([{ path: '', rule: 'must have at most 1000 properties' }]);
    expect(answer.ms).toBeLessThan(2_000);
  }, 60_000);
});

describe('a document breaking rules hundreds of thousands of times', () => {
  it('should answer 400 with at most 1,000 problems when a trip lists 300,000 empty flights, and store nothing', async () => {
    const trip = {
      ...tripVariant(sampleTrip(), 'T-EMPTY-FLIGHTS'),
      flights: Array(300_000).fill({}),
    };
    const answer = await timed('PUT', '/v1/trips/T-EMPTY-FLIGHTS', { role: 'ingest', body: trip });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'TRIP_INVALID' });
    expect(details(answer.body).length).toBeLessThanOrEqual(1_001);
    expect(answer.text.length).toBeLessThan(200_000);
    expect(answer.ms).toBeLessThan(2_000);
    expect(await count('trips')).toBe(1);
  }, 60_000);

  it('should answer 400 with at most 1,000 problems when a participant has 300,000 empty documents', async () => {
    const booking = edit(
      bookingVariant(0, 'B-EMPTY-DOCS', 'T-LIMITS'),
      'participants[0].documents',
      Array<Json>(300_000).fill({}),
    );
    const answer = await timed('PUT', '/v1/bookings/B-EMPTY-DOCS', {
      role: 'ingest',
      body: booking,
    });
    expect(answer.status).toBe(400);
    expect(details(answer.body).length).toBeLessThanOrEqual(1_001);
    expect(answer.ms).toBeLessThan(2_000);
    expect(await count('bookings')).toBe(0);
  }, 60_000);

  it('should answer 400, not 500, when a room names the same participant 150,000 times', async () => {
    const rooms = [{ id: 'R1', type: 'DORM', occupantIds: Array<Json>(150_000).fill('P') }];
    const trip = edit(tripVariant(sampleTrip(), 'T-SAME-OCCUPANT'), 'stays[0].rooms', rooms);
    const before = unexpected().length;
    const answer = await timed('PUT', '/v1/trips/T-SAME-OCCUPANT', { role: 'ingest', body: trip });
    expect(answer.status, answer.text.slice(0, 200)).toBe(400);
    expect(details(answer.body)[0]).toEqual({
      path: 'stays[0].rooms[0].occupantIds[1]',
      rule: 'participant already in a room of this stay',
    });
    expect(details(answer.body).length).toBeLessThanOrEqual(1_001);
    expect(unexpected().length).toBe(before);
    expect(await count('trips')).toBe(1);
  }, 60_000);
});
