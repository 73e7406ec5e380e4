import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putStored, tripVariant } from './support/ingest.js';
import { type JsonObject } from './support/input-documents.js';
import { eventually, type OutboxApp, startOutboxApp, transmissionsOf } from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * A delivery of data that changed while it was being sent is announced by PostgreSQL for a
 * dispatcher to plan the resend; one announced while no dispatcher listened (its connection
 * lost) must not wait for the trip's next change.
 */

let t: TestApp;
let outboxApp: OutboxApp;

beforeAll(async () => {
  outboxApp = await startOutboxApp();
  t = outboxApp.app;
}, 60_000);

afterAll(() => outboxApp.close());

const put = (path: string, body: JsonObject) => putStored(t, path, body);

/** The backend of the dispatcher's listening connection, when there is one. */
async function listenerPid(): Promise<number | undefined> {
  const { rows } = await t.database.admin(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
  );
  return (rows[0] as { pid: number } | undefined)?.pid;
}

describe('a stale delivery announced while no dispatcher listened', () => {
  it('should be planned again once the dispatcher listens again', async () => {
    await put('/v1/trips/T-DEAF', tripVariant(upcomingTrip(), 'T-DEAF'));
    await put('/v1/bookings/T-DEAF-B0', upcomingBookingVariant(0, 'T-DEAF-B0', 'T-DEAF'));
    const sends = async () =>
      (await transmissionsOf(t, 'T-DEAF')).filter(
        (x) => x.contractId === 'us-apis' && x.unit === 'flight:F1',
      );
    const [apis] = await sends();
    if (apis === undefined) throw new Error('no us-apis send');
    expect(apis.status).toBe('planned');
    // Being sent (its departure is far ahead: nothing else takes it)…
    await t.database.admin(`UPDATE transmissions SET status = 'sending' WHERE id = $1`, [apis.id]);
    const deaf = await eventually('the dispatcher to listen', listenerPid);
    await t.database.admin('SELECT pg_terminate_backend($1)', [deaf]);
    await eventually('its connection to be gone', async () =>
      (await listenerPid()) === undefined ? true : undefined,
    );
    // …and delivered with data other than the plan's, while nobody listens: PostgreSQL's
    // announcement of the trip is heard by no one.
    await t.database.admin(
      `UPDATE transmissions SET status = 'delivered', delivered_digest = $2, updated_at = now()
        WHERE id = $1`,
      [apis.id, 'f'.repeat(64)],
    );
    const again = await eventually('the dispatcher to listen again', listenerPid);
    expect(again).not.toBe(deaf);
    // The current data follows, as a resend (due at once: it may be on its way already),
    // without the trip changing again.
    const resend = await eventually('a resend of the current data', async () =>
      (await sends()).find((x) => x.kind === 'resend'),
    );
    expect(resend.digest).toBe(apis.digest);
  }, 60_000);
});
