import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherService } from '../src/modules/transmissions/dispatcher.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { putTripAndBookings, testDataKey, tripVariant } from './support/ingest.js';
import { sampleBookings, sampleTrip } from './support/input-documents.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
import { transmissionsOf } from './support/pipeline.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * "Never sent late", when the last moment passes between the dispatcher's claim and the
 * worker's lease (or while a job waits for its retry): the worker leases nothing past its
 * last moment, and the dispatcher then reports it missed. An `api` app: no timer runs, the
 * test turns the worker and the dispatcher itself, in the order of the race.
 */
describe('a queued transmission whose last moment has passed', () => {
  let app: TestApp;
  let outbox: string;
  beforeAll(async () => {
    outbox = await mkdtemp(join(tmpdir(), 'passerelle-outbox-'));
    app = await startTestApp({
      PASSERELLE_ROLE: 'api',
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
      PASSERELLE_OUTBOX_DIR: outbox,
    });
    await putTripAndBookings(
      app,
      tripVariant(sampleTrip(), sampleTrip().id as string),
      sampleBookings(),
    );
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await rm(outbox, { recursive: true, force: true });
  });

  it('should not be leased, nor sent, and should then be reported missed', async () => {
    const target = (await transmissionsOf(app, sampleTrip().id as string)).find(
      (t) => t.contractId === 'us-apis' && t.status === 'planned',
    );
    if (target === undefined) throw new Error('the sample plans APIS');
    // Claimed a moment ago; its last moment passed since.
    await app.database.admin(
      `UPDATE transmissions SET status = 'queued', due_at = now() - interval '2 seconds',
         deadline = now() - interval '1 second' WHERE id = $1`,
      [target.id],
    );
    const outcomes = await app.app.get(TransmissionSender).send([target.id]);
    expect(outcomes.get(target.id)).toBe('skipped');
    expect(eventsOf(await registerEntries(app), target.id)).toEqual([]);
    expect(
      (await readdir(outbox, { recursive: true })).filter((f) => f.includes(target.id)),
    ).toEqual([]);

    const round = await app.app.get(DispatcherService).tick();
    expect(round.missed).toBeGreaterThanOrEqual(1);
    const after = (await transmissionsOf(app, sampleTrip().id as string)).find(
      (t) => t.id === target.id,
    );
    expect(after).toMatchObject({ status: 'missed' });
  });

  it('should report missed one whose sender died past its last moment', async () => {
    const target = (await transmissionsOf(app, sampleTrip().id as string)).find(
      (t) => t.contractId === 'secure-flight' && t.status === 'planned',
    );
    if (target === undefined) throw new Error('the sample plans Secure Flight');
    await app.database.admin(
      `UPDATE transmissions SET status = 'sending', attempts = 1,
         lease_until = now() - interval '1 second', deadline = now() - interval '1 second'
       WHERE id = $1`,
      [target.id],
    );
    await app.app.get(DispatcherService).tick();
    const after = (await transmissionsOf(app, sampleTrip().id as string)).find(
      (t) => t.id === target.id,
    );
    expect(after).toMatchObject({ status: 'missed' });
  });
});
