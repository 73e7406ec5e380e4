import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  TRIP_DATA_MAX_AGE_MS,
  TransmissionSender,
} from '../src/modules/transmissions/transmission-sender.js';
import { TransportsService } from '../src/modules/transports/transports.service.js';
import { ask, putStored, testDataKey, tripVariant } from './support/ingest.js';
import { type JsonObject } from './support/input-documents.js';
import { transmissionsOf } from './support/pipeline.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signal } from './support/signal.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * A job whose later round waits for a delivery slot: it sends its trip as it is when that
 * round is leased, not as the job first read it — a booking erased meanwhile does not leave
 * with the round. (An API process, one delivery slot: the test calls the sender itself.)
 */

let t: TestApp;
let outbox: string;

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'passerelle-fresh-outbox-'));
  t = await startTestApp({
    PASSERELLE_DATA_KEY: testDataKey(),
    PASSERELLE_ROLE: 'api',
    PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
    PASSERELLE_OUTBOX_DIR: outbox,
    PASSERELLE_WORKER_CONCURRENCY: '1',
  });
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await t.close();
});

const put = (path: string, body: JsonObject) => putStored(t, path, body);

/** The text of the files of a transmission that reached the outbox. */
async function filesOf(transmissionId: string): Promise<string> {
  const names = (await readdir(outbox, { recursive: true })).filter((name) =>
    name.includes(`.${transmissionId}.`),
  );
  const texts = await Promise.all(names.map((name) => readFile(join(outbox, name), 'utf8')));
  return texts.join('\n');
}

describe('a job whose round waits for a slot', () => {
  it('should leave out of a later round the participants of a booking erased since the job read its trip', async () => {
    await put('/v1/trips/T-FRESH', tripVariant(upcomingTrip(), 'T-FRESH'));
    const kept = upcomingBookingVariant(0, 'T-FRESH-B0', 'T-FRESH');
    const erased = upcomingBookingVariant(1, 'T-FRESH-B1', 'T-FRESH');
    await put('/v1/bookings/T-FRESH-B0', kept);
    await put('/v1/bookings/T-FRESH-B1', erased);
    const apis = (await transmissionsOf(t, 'T-FRESH')).filter(
      (x) => x.contractId === 'us-apis' && x.kind === 'scheduled',
    );
    const first = apis.find((x) => x.unit === 'flight:F1');
    const later = apis.find((x) => x.unit === 'flight:F2');
    if (first === undefined || later === undefined) throw new Error('no us-apis sends');
    await t.database.admin(`UPDATE transmissions SET status = 'queued' WHERE id = ANY($1)`, [
      [first.id, later.id],
    ]);

    // The first delivery holds the only slot until the booking is erased.
    const transports = t.app.get(TransportsService);
    const deliver = transports.deliver.bind(transports);
    const { promise: held, resolve: holding } = signal();
    const { promise: released, resolve: release } = signal();
    vi.spyOn(transports, 'deliver').mockImplementationOnce(async (...args) => {
      holding();
      await released;
      return deliver(...args);
    });
    const sending = t.app.get(TransmissionSender).send([first.id, later.id], 'T-FRESH');
    await held;
    const erasure = await ask(t, 'DELETE', '/v1/bookings/T-FRESH-B1', { role: 'ingest' });
    expect(erasure.status, erasure.text).toBe(204);
    await sleep(TRIP_DATA_MAX_AGE_MS + 100);
    release();
    const outcomes = await sending;
    expect(outcomes.get(first.id)).toBe('delivered');
    expect(outcomes.get(later.id)).toBe('delivered');

    // Passport numbers: written as they are (names are escaped and transliterated).
    const passports = (booking: JsonObject) =>
      (booking.participants as { documents: { number: string }[] }[]).flatMap((p) =>
        p.documents.map((d) => d.number),
      );
    const laterFiles = await filesOf(later.id);
    for (const number of passports(kept)) expect(laterFiles).toContain(number);
    for (const number of passports(erased)) expect(laterFiles).not.toContain(number);
    const { rows } = await t.database.admin(
      `SELECT subjects FROM register_entries WHERE transmission_id = $1 AND event = 'disclosure-attempted'`,
      [later.id],
    );
    expect((rows as { subjects: string[] }[]).flatMap((row) => row.subjects)).not.toContain(
      'T-FRESH-B1-1',
    );
  });
});
