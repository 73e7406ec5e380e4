import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import type { Delivery } from '../src/modules/transports/transport.js';
import { TransportsService } from '../src/modules/transports/transports.service.js';
import { ask, putStored, testDataKey, tripVariant } from './support/ingest.js';
import { aDisclosure } from './support/register-entries.js';
import { startRecipients, transmissionsOf, type Recipients } from './support/pipeline.js';
import { repoPath } from './support/shipped-catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/**
 * A retry that sends fewer parts than the attempt before it (the data changed in between):
 * the recipient is left with the retry's parts only — by the outbox and by SFTP to a real
 * OpenSSH server — and the register says how many files of the earlier attempt went.
 * An API process (no worker): the test calls the sender itself, as the worker's job would.
 *
 * US APIS (PAXLST) is sent here two passengers a part: the trip's five passengers of flight
 * F1 make three parts, three once a booking of two is erased make two.
 */

let recipients: Recipients;
let contractsDir: string;
let outbox: string;

beforeAll(async () => {
  recipients = await startRecipients();
  contractsDir = await mkdtemp(join(tmpdir(), 'passerelle-stale-contracts-'));
  await cp(repoPath('contracts'), contractsDir, { recursive: true });
  const apis = join(contractsDir, 'us-apis.yaml');
  const text = await readFile(apis, 'utf8');
  const capped = text.replace(/^ {4}maxPassengersPerPart: \d+$/m, '    maxPassengersPerPart: 2');
  if (capped === text) throw new Error('us-apis.yaml: no maxPassengersPerPart to lower');
  await writeFile(apis, capped);
  outbox = await mkdtemp(join(tmpdir(), 'passerelle-stale-outbox-'));
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await recipients.close();
  await rm(contractsDir, { recursive: true, force: true });
  await rm(outbox, { recursive: true, force: true });
});

const TRANSPORTS = [
  {
    transport: 'outbox',
    env: () => ({ PASSERELLE_TRANSPORT_OVERRIDE: 'outbox', PASSERELLE_OUTBOX_DIR: outbox }),
    /** The files of a transmission at the recipient. */
    filesOf: async (transmissionId: string) =>
      (await readdir(join(outbox, 'us-apis', transmissionId)).catch(() => [])).sort(),
  },
  {
    transport: 'sftp',
    env: (): Record<string, string> => ({}),
    filesOf: async (transmissionId: string) =>
      (await recipients.sftpFiles())
        .filter((path) => path.startsWith('airline-apis/') && path.includes(transmissionId))
        .map((path) => path.slice('airline-apis/'.length)),
  },
] as const;

describe.each(TRANSPORTS)(
  'a retry with fewer parts, by $transport',
  ({ transport, env, filesOf }) => {
    let t: TestApp;
    const tripId = `T-STALE-${transport.toUpperCase()}`;
    const references = [0, 1, 2, 3].map((n) => `${tripId}-B${n}`);

    beforeAll(async () => {
      t = await startTestApp({
        PASSERELLE_DATA_KEY: testDataKey(),
        PASSERELLE_ROLE: 'api',
        PASSERELLE_CONFIG_DIR: recipients.configDir,
        PASSERELLE_CONTRACTS_DIR: contractsDir,
        ...recipients.env,
        ...env(),
      });
      await putStored(t, `/v1/trips/${tripId}`, tripVariant(upcomingTrip(), tripId));
      for (const [n, reference] of references.entries()) {
        await putStored(
          t,
          `/v1/bookings/${reference}`,
          upcomingBookingVariant(n, reference, tripId),
        );
      }
    }, 60_000);

    afterAll(async () => {
      await t.close();
    });

    /** The us-apis send of a flight, made due (queued, as the dispatcher leaves it). */
    async function queued(contractId: string, unit: string): Promise<string> {
      const found = (await transmissionsOf(t, tripId)).find(
        (x) => x.contractId === contractId && x.kind === 'scheduled' && x.unit === unit,
      );
      if (found === undefined) throw new Error(`no ${contractId} send of ${unit}`);
      await t.database.admin(`UPDATE transmissions SET status = 'queued' WHERE id = $1`, [
        found.id,
      ]);
      return found.id;
    }

    const detailsOf = async (transmissionId: string, event: string) =>
      (
        await t.database.admin(
          `SELECT detail FROM register_entries WHERE transmission_id = $1 AND event = $2 ORDER BY seq`,
          [transmissionId, event],
        )
      ).rows.map((row: { detail: Record<string, unknown> }) => row.detail);

    /** What the transmission's row records of its attempts' files. */
    const attemptedFiles = async (transmissionId: string) =>
      (
        await t.database.admin(`SELECT attempted_files FROM transmissions WHERE id = $1`, [
          transmissionId,
        ])
      ).rows.flatMap((row: { attempted_files: string[] }) => row.attempted_files);

    it('should leave at the recipient only the retry’s parts when it sends fewer than the failed attempt', async () => {
      const id = await queued('us-apis', 'flight:F1');
      const transports = t.app.get(TransportsService);
      const sender = t.app.get(TransmissionSender);
      const deliver = transports.deliver.bind(transports);
      const deliveries: Delivery[] = [];
      const spy = vi.spyOn(transports, 'deliver').mockImplementation(async (choice, delivery) => {
        deliveries.push(delivery);
        return deliver(choice, delivery);
      });
      // The first attempt uploads its three parts, then fails (a connection lost before its
      // outcome came back).
      spy.mockImplementationOnce(async (choice, delivery) => {
        deliveries.push(delivery);
        await deliver(choice, delivery);
        return {
          result: {
            ok: false,
            permanent: false,
            code: 'SFTP_CONNECTION_LOST',
            reason: 'the sftp connection was lost',
          },
          transport,
          overridden: false,
        };
      });
      expect((await sender.send([id], tripId)).get(id)).toBe('retry');
      const first = await filesOf(id);
      expect(first).toEqual([1, 2, 3].map((n) => `flight-F1.${id}.part0${n}.edi`));
      // Nothing stale in a first attempt: the transport is asked for nothing more.
      expect(deliveries[0]?.staleFiles).toEqual([]);

      // The data changes before the retry: a booking of two passengers erased.
      const erasure = await ask(t, 'DELETE', `/v1/bookings/${references[0] ?? ''}`, {
        role: 'ingest',
      });
      expect(erasure.status, erasure.text).toBe(204);
      expect((await sender.send([id], tripId)).get(id)).toBe('delivered');
      spy.mockRestore();

      expect(deliveries[1]?.staleFiles).toEqual([`flight-F1.${id}.part03.edi`]);
      const files = await filesOf(id);
      expect(files).toEqual([1, 2].map((n) => `flight-F1.${id}.part0${n}.edi`));
      const [delivered] = await detailsOf(id, 'disclosure-delivered');
      expect(delivered).toMatchObject({ files: 2, staleFiles: 1, staleRemoved: 1 });
      // The row keeps every name the failed attempt wrote (no more than names).
      expect(await attemptedFiles(id)).toEqual(first);
    });

    /** Deliveries through the real transports, the first `failures` reported lost after their upload. */
    function failingFirst(failures: number) {
      const transports = t.app.get(TransportsService);
      const deliver = transports.deliver.bind(transports);
      let left = failures;
      return vi.spyOn(transports, 'deliver').mockImplementation(async (choice, delivery) => {
        const done = await deliver(choice, delivery);
        if (left === 0) return done;
        left -= 1;
        return {
          ...done,
          result: {
            ok: false,
            permanent: false,
            code: 'SFTP_CONNECTION_LOST',
            reason: 'the sftp connection was lost',
          },
        };
      });
    }

    it('should record nothing on the row of a delivery, and say nothing of stale files when nothing is stale', async () => {
      const id = await queued('us-apis', 'flight:F2');
      expect((await t.app.get(TransmissionSender).send([id], tripId)).get(id)).toBe('delivered');
      // A delivered transmission is not sent again: what it wrote is kept nowhere.
      expect(await attemptedFiles(id)).toEqual([]);
      const [delivered] = await detailsOf(id, 'disclosure-delivered');
      expect(delivered).not.toHaveProperty('staleFiles');
      expect(delivered).not.toHaveProperty('staleRemoved');
      expect(await filesOf(id)).toEqual([1, 2].map((n) => `flight-F2.${id}.part0${n}.edi`));
    });

    it('should record a failed attempt’s names with its outcome in a transaction when another process appended to the register meanwhile', async () => {
      const id = await queued('secure-flight', 'flight:F1');
      // Another process's append: the head this process knows is no longer the head.
      const repository = new RegisterRepository(t.database.db);
      await new RegisterService(repository, new RegisterAppender(repository)).appendAll([
        aDisclosure({ transmissionId: randomUUID(), tripId: 'T-OTHER' }),
      ]);
      const spy = failingFirst(1);
      try {
        expect((await t.app.get(TransmissionSender).send([id], tripId)).get(id)).toBe('retry');
      } finally {
        spy.mockRestore();
      }
      const names = await attemptedFiles(id);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(name).toContain(id);
      expect(await detailsOf(id, 'disclosure-failed')).toHaveLength(1);
    });
  },
);
