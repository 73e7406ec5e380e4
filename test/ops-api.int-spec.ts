import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transmission } from '../src/modules/transmissions/transmissions.repository.js';
import { ask, testDataKey, tripVariant } from './support/ingest.js';
import { transmissionsOf } from './support/pipeline.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * The operators' transmissions API at its edges: what a tampered cursor, a reason carrying
 * control characters, a send-now too late, two operators at once and sub-millisecond
 * period bounds are answered — a clear 400 or 409 that changes and records nothing, never a
 * 500 or a 503 that blames the register.
 */

let t: TestApp;
const lines: string[] = [];
const unexpected = () =>
  lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === 'unexpected error');

beforeAll(async () => {
  // An API process whose dispatcher never runs on its own: each row stays as the test puts it.
  t = await startTestApp(
    {
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_ROLE: 'api',
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    },
    { logLines: lines },
  );
}, 60_000);
afterAll(async () => {
  await t.close();
});

const ops = (method: string, path: string, body?: unknown) =>
  ask(t, method, path, { role: 'ops', ...(body === undefined ? {} : { body }) });

/** A trip of its own with one booking; its first transmission (the insurer's enrollment). */
async function transmissionOf(tripId: string): Promise<Transmission> {
  const trip = await ask(t, 'PUT', `/v1/trips/${tripId}`, {
    role: 'ingest',
    body: tripVariant(upcomingTrip(), tripId),
  });
  expect(trip.status, trip.text).toBe(201);
  const booking = await ask(t, 'PUT', `/v1/bookings/${tripId}-B0`, {
    role: 'ingest',
    body: upcomingBookingVariant(0, `${tripId}-B0`, tripId),
  });
  expect(booking.status, booking.text).toBe(201);
  const [first] = await transmissionsOf(t, tripId);
  if (first === undefined) throw new Error(`no transmission planned for ${tripId}`);
  return first;
}

const opsActionsOf = async (transmissionId: string) =>
  (
    await t.database.admin(
      `SELECT reason, actor_id, detail FROM register_entries
       WHERE event = 'ops-action' AND transmission_id = $1 ORDER BY seq`,
      [transmissionId],
    )
  ).rows as { reason: string; actor_id: string; detail: Record<string, unknown> }[];

const statusOf = async (id: string) =>
  (
    (await t.database.admin(`SELECT status FROM transmissions WHERE id = $1`, [id])).rows[0] as {
      status: string;
    }
  ).status;

describe('GET /v1/transmissions with a cursor the API did not issue', () => {
  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('should answer 400 naming the cursor, not 500, when its due time is outside what PostgreSQL can hold or not an instant the API writes', async () => {
    const { id } = await transmissionOf('T-OPSAPI-CURSOR');
    for (const dueAt of [
      '-271821-04-20T00:00:00.000Z', // a JavaScript date PostgreSQL refuses: was a 500
      '+275760-09-13T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '0', // read by Date as the year 2000
      '1',
      '2027-07-01', // a date, not the instant the API writes
      '2027-07-01T10:00:00+02:00',
    ]) {
      const answer = await ops('GET', `/v1/transmissions?cursor=${cursor([dueAt, id])}`);
      expect(answer.status, `${dueAt}: ${answer.text}`).toBe(400);
      expect(answer.body).toMatchObject({
        error: { code: 'BAD_REQUEST', details: [{ path: 'cursor' }] },
      });
    }
    // Another element after the two: not a cursor the API issued either.
    const longer = cursor(['2027-07-01T00:00:00.000Z', id, 'more']);
    expect((await ops('GET', `/v1/transmissions?cursor=${longer}`)).status).toBe(400);
    expect(unexpected()).toEqual([]);
  });

  it('should still follow a cursor it issued, to the end', async () => {
    await transmissionOf('T-OPSAPI-PAGES');
    const all = await transmissionsOf(t, 'T-OPSAPI-PAGES');
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const answer = await ops(
        'GET',
        `/v1/transmissions?tripId=T-OPSAPI-PAGES&limit=2${next === null ? '' : `&cursor=${next}`}`,
      );
      expect(answer.status, answer.text).toBe(200);
      seen.push(...(answer.body.items as unknown as Transmission[]).map((x) => x.id));
      next = answer.body.nextCursor as string | null;
    } while (next !== null);
    expect(seen).toEqual(all.map((x) => x.id));
  });
});

describe('GET /v1/transmissions with a period bound inside a millisecond', () => {
  it('should take `from` (inclusive) and `to` (exclusive) as written, not as the millisecond they fall in', async () => {
    const { id } = await transmissionOf('T-OPSAPI-BOUNDS');
    await t.database.admin(
      `UPDATE transmissions SET due_at = '2030-01-01T00:00:00.000Z' WHERE id = $1`,
      [id],
    );
    const ids = async (query: string) => {
      const answer = await ops('GET', `/v1/transmissions?tripId=T-OPSAPI-BOUNDS&${query}`);
      expect(answer.status, answer.text).toBe(200);
      return (answer.body.items as unknown as Transmission[]).map((x) => x.id);
    };
    const inside = encodeURIComponent('2030-01-01T00:00:00.0005Z');
    // Due at .000, before .0005: not at or after `from`, but before `to`.
    expect(await ids(`from=${inside}`)).not.toContain(id);
    expect(await ids(`to=${inside}`)).toContain(id);
    // Bounds on the millisecond are unchanged.
    expect(await ids(`from=${encodeURIComponent('2030-01-01T00:00:00.000Z')}`)).toContain(id);
    expect(await ids(`to=${encodeURIComponent('2030-01-01T00:00:00.000Z')}`)).not.toContain(id);
  });
});

describe("an operator's reason", () => {
  it.each([
    ['a NUL', 'NUL', 'waiting\u0000for the airline'],
    ['a right-to-left override', 'RLO', 'held by \u202Eenilria eht'],
    ['a directional isolate', 'ISOLATE', 'held \u2066for\u2069 the airline'],
    ['a terminal escape', 'ESC', 'held \u001b[2Jfor the airline'],
    ['a line break', 'LF', 'held for\nthe airline'],
    ['a lone surrogate', 'SURROGATE', 'held for the airline \uD800'],
  ])(
    'should be refused with 400 naming the rule, nothing changed nor recorded, when it contains %s',
    async (_what, tag, reason) => {
      const { id } = await transmissionOf(`T-OPSAPI-REASON-${tag}`);
      const answer = await ops('POST', `/v1/transmissions/${id}/hold`, { reason });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({
        error: {
          code: 'BAD_REQUEST',
          details: [{ path: 'reason', rule: 'must not contain control characters' }],
        },
      });
      expect(answer.text).not.toContain('airline');
      expect(await statusOf(id)).toBe('planned');
      expect(await opsActionsOf(id)).toEqual([]);
    },
  );

  it('should be accepted with accents, apostrophes and other scripts, and recorded as written (trimmed)', async () => {
    const { id } = await transmissionOf('T-OPSAPI-RTEXT');
    const reason = "  l’hôtel a demandé d'attendre — 酒店要求等待  ";
    const answer = await ops('POST', `/v1/transmissions/${id}/hold`, { reason });
    expect(answer.status, answer.text).toBe(200);
    expect(await opsActionsOf(id)).toEqual([
      expect.objectContaining({
        reason: reason.trim(),
        actor_id: 'test-ops',
        detail: { action: 'hold', from: 'planned', to: 'held' },
      }),
    ]);
  });
});

describe('send-now, hold and release by their state', () => {
  it('should answer 409 and change nothing when send-now asks for a failed send whose last moment has passed', async () => {
    const { id } = await transmissionOf('T-OPSAPI-LATE');
    await t.database.admin(
      `UPDATE transmissions SET status = 'failed', last_error = 'HTTPS_STATUS_503',
         due_at = now() - interval '2 hours', deadline = now() - interval '1 hour'
       WHERE id = $1`,
      [id],
    );
    const answer = await ops('POST', `/v1/transmissions/${id}/send-now`, {
      reason: 'the airline fixed its endpoint',
    });
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body).toMatchObject({ error: { code: 'NOT_PENDING' } });
    expect(await statusOf(id)).toBe('failed');
    expect(await opsActionsOf(id)).toEqual([]);
  });

  it('should answer 409 NOT_PENDING for each action that does not apply, and record only those that did', async () => {
    const { id } = await transmissionOf('T-OPSAPI-STATES');
    const act = async (action: string) =>
      (await ops('POST', `/v1/transmissions/${id}/${action}`, { reason: `${action} it, please` }))
        .status;
    expect(await act('release')).toBe(409); // not held
    expect(await act('hold')).toBe(200);
    expect(await act('hold')).toBe(409); // held already
    expect(await act('release')).toBe(200);
    for (const status of ['delivered', 'missed', 'cancelled', 'queued', 'sending']) {
      await t.database.admin(`UPDATE transmissions SET status = $2 WHERE id = $1`, [id, status]);
      for (const action of ['send-now', 'hold', 'release']) {
        expect(await act(action), `${action} of a ${status} send`).toBe(409);
      }
      expect(await statusOf(id)).toBe(status);
    }
    expect((await opsActionsOf(id)).map((entry) => entry.detail)).toEqual([
      { action: 'hold', from: 'planned', to: 'held' },
      { action: 'release', from: 'held', to: 'planned' },
    ]);
  });

  it('should let one of two operators holding the same send at once hold it, and record it once', async () => {
    const { id } = await transmissionOf('T-OPSAPI-RACE');
    const answers = await Promise.all(
      [1, 2, 3].map((n) =>
        ops('POST', `/v1/transmissions/${id}/hold`, { reason: `operator ${String(n)} holds` }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409]);
    expect(await statusOf(id)).toBe('held');
    expect(await opsActionsOf(id)).toHaveLength(1);
  });
});

describe('who may use the transmissions API', () => {
  it.each(['ingest', 'auditor', 'insurer'] as const)(
    'should answer 403 to a %s key on every route, and record nothing',
    async (role) => {
      const { id } = await transmissionOf(`T-OPSAPI-ROLE-${role}`);
      const before = (await t.database.admin(`SELECT count(*)::int AS n FROM register_entries`))
        .rows[0] as { n: number };
      for (const [method, path] of [
        ['GET', '/v1/transmissions'],
        ['GET', `/v1/transmissions/${id}`],
        ['GET', `/v1/transmissions/${id}/preview`],
        ['POST', `/v1/transmissions/${id}/send-now`],
        ['POST', `/v1/transmissions/${id}/hold`],
        ['POST', `/v1/transmissions/${id}/release`],
      ] as const) {
        const answer = await ask(t, method, path, {
          role,
          ...(method === 'POST' ? { body: { reason: 'let me see' } } : {}),
        });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.text).not.toContain('T-OPSAPI-ROLE');
      }
      const after = (await t.database.admin(`SELECT count(*)::int AS n FROM register_entries`))
        .rows[0] as { n: number };
      expect(after).toEqual(before);
      expect(await statusOf(id)).toBe('planned');
    },
  );
});
