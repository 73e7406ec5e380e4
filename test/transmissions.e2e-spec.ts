import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../src/modules/register/register.service.js';
import { ask, testDataKey } from './support/ingest.js';
import { sampleTrip } from './support/input-documents.js';
import {
  eventsOf,
  expectedFiles,
  payloadSha256,
  registerEntries,
} from './support/pipeline-checks.js';
import {
  sendAllDue,
  startPipelineApp,
  startRecipients,
  transmissionsOf,
  type Recipients,
} from './support/pipeline.js';
import { dumpUnder, recordCommandsUnder, type RecordedCommands } from './support/redis.js';
import type { TestApp } from './support/test-app.js';
import {
  upcomingBookings,
  upcomingPersonalValues,
  upcomingTrip,
} from './support/upcoming-samples.js';

describe('automatic transmissions, end to end (PostgreSQL, Redis, OpenSSH, HTTPS)', () => {
  let recipients: Recipients;
  let app: TestApp;
  let commands: RecordedCommands;
  const tripId = sampleTrip().id as string;

  beforeAll(async () => {
    recipients = await startRecipients();
    app = await startPipelineApp(recipients, { PASSERELLE_DATA_KEY: testDataKey() });
    commands = await recordCommandsUnder(app.config.queuePrefix);
  }, 60_000);

  afterAll(async () => {
    commands.stop();
    await app.close();
    await recipients.close();
  });

  it('should deliver every contract unit of the samples, with exactly its content, and register each', async () => {
    expect(
      (await ask(app, 'PUT', `/v1/trips/${tripId}`, { role: 'ingest', body: upcomingTrip() }))
        .status,
    ).toBe(201);
    for (const booking of upcomingBookings()) {
      const answer = await ask(app, 'PUT', `/v1/bookings/${booking.reference as string}`, {
        role: 'ingest',
        body: booking,
      });
      expect(answer.status, answer.text).toBe(201);
    }
    expect((await transmissionsOf(app, tripId)).length).toBeGreaterThan(0);
    const done = await sendAllDue(app, tripId);

    for (const t of done) {
      expect(
        ['delivered', 'cancelled'],
        `${t.contractId} ${t.unit}: ${t.lastError ?? ''}`,
      ).toContain(t.status);
    }
    // Every (contract × unit) was delivered; again only when its data changed (the insurer's
    // enrollment leaves at each booking's confirmation, so a later booking changes it).
    const delivered = done.filter((t) => t.status === 'delivered');
    const units = new Set(done.map((t) => `${t.contractId}|${t.unit}`));
    expect(new Set(delivered.map((t) => `${t.contractId}|${t.unit}`))).toEqual(units);
    for (const unit of units) {
      const digests = delivered
        .filter((t) => `${t.contractId}|${t.unit}` === unit)
        .map((t) => t.deliveredDigest);
      expect(new Set(digests).size, `${unit}: the same payload twice`).toBe(digests.length);
    }
    for (const t of done.filter((x) => x.status === 'cancelled')) {
      expect(t.reason).toBe('the data is what was already delivered');
    }
    expect(new Set(delivered.map((t) => t.contractId))).toEqual(
      new Set([
        'airline-group-list',
        'hotel-rooming-list',
        'insurer-enrollment',
        'secure-flight',
        'us-apis',
      ]),
    );

    const entries = await registerEntries(app);
    const sftpFiles = await recipients.sftpFiles();
    const latest = new Map<string, (typeof delivered)[number]>();
    for (const t of delivered) {
      const key = `${t.contractId}|${t.unit}`;
      if ((latest.get(key)?.deliveredAt ?? '') < (t.deliveredAt ?? '')) latest.set(key, t);
    }
    let expectedSftpFiles = 0;
    for (const t of delivered) {
      const label = `${t.contractId} ${t.unit}`;
      // The register: one attempt, one delivery.
      expect(eventsOf(entries, t.id), label).toEqual([
        'disclosure-attempted',
        'disclosure-delivered',
      ]);
      const attempted = entries.find((e) => e.transmissionId === t.id)!;
      // What the recipient holds from this transmission: one file (or request) per part.
      const received: [name: string, content: string][] =
        t.contractId === 'insurer-enrollment'
          ? recipients.https.requests
              .filter((r) => String(r.headers['idempotency-key']).startsWith(`${t.id}:`))
              .map((r) => [String(r.headers['x-passerelle-file']), r.body])
          : await Promise.all(
              sftpFiles
                .filter((f) => f.includes(`.${t.id}.`))
                .map(async (f): Promise<[string, string]> => [f, await recipients.readSftpFile(f)]),
            );
      if (t.contractId !== 'insurer-enrollment') expectedSftpFiles += received.length;
      // A name reaches the recipient with the file: no shipped contract lists `trip.id`.
      for (const [name] of received) expect(name, label).not.toContain(tripId);
      // The register names the digest and the size of exactly what was received.
      expect(attempted.payload?.sha256, label).toBe(payloadSha256(received.map(([, c]) => c)));
      expect(attempted.payload?.bytes, label).toBe(
        received.reduce((sum, [, c]) => sum + Buffer.byteLength(c, 'utf8'), 0),
      );
      if (latest.get(`${t.contractId}|${t.unit}`) !== t) continue;
      // The latest delivery holds exactly what the contract renders from the data now.
      const expected = await expectedFiles(app, t, attempted);
      expect(received, label).toHaveLength(expected.size);
      for (const [suffix, content] of expected) {
        const file = received.find(([name]) => name.endsWith(`.${t.id}.${suffix}`));
        expect(file, `${label} .${suffix}`).toBeDefined();
        expect(file![1], `${label} ${file![0]}`).toBe(content);
      }
    }
    // Nothing else on the server: no temporary file, no duplicate.
    expect(sftpFiles).toHaveLength(expectedSftpFiles);
    expect(recipients.https.requests).toHaveLength(
      delivered.filter((t) => t.contractId === 'insurer-enrollment').length,
    );

    const verify = await ask(app, 'GET', '/v1/register/verify', { role: 'auditor' });
    expect((verify.body as unknown as VerifyResult).intact).toBe(true);
  }, 90_000);

  it('should leave no personal value anywhere in Redis after the run', async () => {
    const dump = await dumpUnder(app.config.queuePrefix);
    expect(dump.keys).toBeGreaterThan(0);
    const text = dump.text.toLowerCase();
    for (const value of upcomingPersonalValues()) {
      expect(text.includes(value.toLowerCase()), 'a personal value in Redis').toBe(false);
    }
  });

  it('should never have written a personal value to Redis during the run', () => {
    // Completed jobs are removed with their data: what was written, not what is left.
    expect(commands.count()).toBeGreaterThan(0);
    const written = commands
      .text()
      // Ids and times are digits and hex: a postal code may turn up in one by chance.
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/\d{11,}/g, '<number>')
      .toLowerCase();
    expect(written).toContain('transmissionids');
    const found = upcomingPersonalValues().filter((value) => written.includes(value.toLowerCase()));
    expect(found, 'personal values written to Redis').toEqual([]);
  });
});
