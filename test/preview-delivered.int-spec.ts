import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { ask, putStored, tripVariant } from './support/ingest.js';
import { startOutboxApp, transmissionsOf, type OutboxApp } from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * A preview renders the current data whatever the transmission's status; for one already
 * delivered it says whether that is what left (an API process sending to an outbox: the test
 * turns the sender itself).
 */

let sending: OutboxApp;
let t: TestApp;

beforeAll(async () => {
  sending = await startOutboxApp({ PASSERELLE_ROLE: 'api' });
  t = sending.app;
}, 60_000);
afterAll(async () => {
  await sending.close();
});

interface Summary {
  readonly digest: string;
  readonly sameAsDelivered: boolean | null;
  readonly subjects: string[];
}

const previewOf = async (id: string): Promise<Summary> => {
  const answer = await ask(t, 'GET', `/v1/transmissions/${id}/preview`, { role: 'ops' });
  expect(answer.status, answer.text).toBe(200);
  return answer.body.summary as unknown as Summary;
};

describe('the preview of a transmission already delivered', () => {
  it('should say whether what it would send now is what was delivered, and nothing before a delivery', async () => {
    await putStored(t, '/v1/trips/T-PRV', tripVariant(upcomingTrip(), 'T-PRV'));
    await putStored(t, '/v1/bookings/T-PRV-B0', upcomingBookingVariant(0, 'T-PRV-B0', 'T-PRV'));
    await putStored(t, '/v1/bookings/T-PRV-B1', upcomingBookingVariant(1, 'T-PRV-B1', 'T-PRV'));
    const apis = (await transmissionsOf(t, 'T-PRV')).find(
      (x) => x.contractId === 'us-apis' && x.kind === 'scheduled' && x.unit === 'flight:F1',
    );
    if (apis === undefined) throw new Error('no us-apis send');

    const before = await previewOf(apis.id);
    expect(before.sameAsDelivered).toBeNull();
    expect(before.digest).toMatch(/^[0-9a-f]{64}$/);

    await t.database.admin(`UPDATE transmissions SET status = 'queued' WHERE id = $1`, [apis.id]);
    const outcomes = await t.app.get(TransmissionSender).send([apis.id], 'T-PRV');
    expect(outcomes.get(apis.id)).toBe('delivered');
    const row = await ask(t, 'GET', `/v1/transmissions/${apis.id}`, { role: 'ops' });
    const delivered = await previewOf(apis.id);
    expect(delivered).toMatchObject({ sameAsDelivered: true, digest: before.digest });
    expect(row.body.deliveredDigest).toBe(delivered.digest);

    // A booking erased since: the preview is no longer what left.
    const erasure = await ask(t, 'DELETE', '/v1/bookings/T-PRV-B1', { role: 'ingest' });
    expect(erasure.status, erasure.text).toBe(204);
    const after = await previewOf(apis.id);
    expect(after.sameAsDelivered).toBe(false);
    expect(after.digest).not.toBe(delivered.digest);
    expect(after.subjects).not.toContain('T-PRV-B1-1');
  });
});
