import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { secretVariable } from '../../src/modules/transports/endpoint-secrets.js';
import type { Transmission } from '../../src/modules/transmissions/transmissions.repository.js';
import { startHttpsServer, type HttpsTestServer } from './https-server.js';
import { repoPath } from './shipped-catalog.js';
import { startSftpServer, type SftpTestServer } from './sftp-server.js';
import { putTripAndBookings, testDataKey, tripVariant } from './ingest.js';
import { sampleTrip } from './input-documents.js';
import { startTestApp, type TestApp } from './test-app.js';
import { upcomingBookings, upcomingTrip } from './upcoming-samples.js';

/** The shipped SFTP endpoints, each pointed at a folder of the loopback OpenSSH server. */
export const SFTP_ENDPOINTS = [
  'airline-group-desk',
  'airline-apis',
  'airline-secure-flight',
  'hotel-rooming',
] as const;

/** The recipients' side of a pipeline test: a real sshd and a local HTTPS receiver. */
export interface Recipients {
  readonly sftp: SftpTestServer;
  readonly https: HttpsTestServer;
  /** A config folder: the shipped one with `endpoints.yaml` pointing at these servers. */
  readonly configDir: string;
  /** The secrets the endpoints need (`PASSERELLE_SECRET_…`), as environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Every file on the SFTP server, as `endpoint/name`, sorted; hidden ones included. */
  sftpFiles(): Promise<string[]>;
  readSftpFile(path: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts both servers and writes the configuration that sends the shipped contracts to them. */
export async function startRecipients(): Promise<Recipients> {
  const sftp = await startSftpServer();
  const https = await startHttpsServer();
  const configDir = await mkdtemp(join(tmpdir(), 'passerelle-config-'));
  for (const name of ['fields.yaml', 'controller.yaml']) {
    await copyFile(repoPath(`config/${name}`), join(configDir, name));
  }
  const endpoints: Record<string, Record<string, unknown>> = {};
  const env: Record<string, string> = {};
  for (const id of SFTP_ENDPOINTS) {
    const remoteDir = join(sftp.rootDir, id);
    await mkdir(remoteDir);
    const endpoint: Record<string, unknown> = { ...sftp.endpoint(id, { remoteDir }) };
    delete endpoint.id;
    endpoints[id] = endpoint;
    env[secretVariable(id, 'PRIVATE_KEY_FILE')] = sftp.privateKeyFile;
  }
  endpoints['insurer-enrollment'] = {
    transport: 'https',
    url: `${https.origin}/v1/enrollments`,
    timeoutMs: 5000,
  };
  env[secretVariable('insurer-enrollment', 'CA_FILE')] = https.files.ca;
  await writeFile(join(configDir, 'endpoints.yaml'), stringify({ endpoints }));
  return {
    sftp,
    https,
    configDir,
    env,
    sftpFiles: async () => {
      const all: string[] = [];
      for (const id of SFTP_ENDPOINTS) {
        for (const name of await readdir(join(sftp.rootDir, id))) all.push(`${id}/${name}`);
      }
      return all.sort();
    },
    readSftpFile: (path) => readFile(join(sftp.rootDir, path), 'utf8'),
    close: async () => {
      await sftp.close();
      await https.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** The gateway, role `all`, delivering to `recipients`, with a quick dispatcher and retries. */
export function startPipelineApp(
  recipients: Recipients,
  env: Readonly<Record<string, string>> = {},
): Promise<TestApp> {
  return startTestApp({
    PASSERELLE_CONFIG_DIR: recipients.configDir,
    PASSERELLE_DISPATCH_INTERVAL_MS: '100',
    PASSERELLE_RETRY_BASE_MS: '50',
    ...recipients.env,
    ...env,
  });
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every transmission of a trip, through the operations API. */
export async function transmissionsOf(app: TestApp, tripId: string): Promise<Transmission[]> {
  const all: Transmission[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ tripId, limit: '200' });
    if (cursor !== undefined) query.set('cursor', cursor);
    const response = await app.call('GET', `/v1/transmissions?${query.toString()}`, {
      role: 'ops',
    });
    if (response.status !== 200) throw new Error(`GET /v1/transmissions: ${response.status}`);
    const page = (await response.json()) as { items: Transmission[]; nextCursor: string | null };
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

/** Brings every planned transmission of a trip due now: time passes, the dispatcher acts. */
export async function bringDue(app: TestApp, tripId: string): Promise<number> {
  // Under the trip's plan lock, as the planner writes: a re-planning under way (a delivery of
  // data since changed, announced by PostgreSQL) would otherwise write back the due time it
  // read before, and leave a send planned for later that the test counts on being sent.
  const { admin } = app.database;
  await admin('BEGIN');
  try {
    await admin('SELECT pg_advisory_xact_lock(hashtext($1))', [`plan:${tripId}`]);
    const result = await admin(
      `UPDATE transmissions SET due_at = now() - interval '1 second'
        WHERE trip_id = $1 AND status = 'planned'`,
      [tripId],
    );
    await admin('COMMIT');
    return result.rowCount ?? 0;
  } catch (error) {
    await admin('ROLLBACK');
    throw error;
  }
}

const OPEN = new Set(['planned', 'queued', 'sending']);

/** Waits until no transmission of the trip is due-and-open (planned ones due later are fine). */
export function settled(app: TestApp, tripId: string, timeoutMs = 30_000): Promise<Transmission[]> {
  return eventually(
    `the transmissions of ${tripId} to settle`,
    async () => {
      const all = await transmissionsOf(app, tripId);
      const now = Date.now();
      const busy = all.some(
        (t) => OPEN.has(t.status) && (t.status !== 'planned' || Date.parse(t.dueAt) <= now),
      );
      return busy ? undefined : all;
    },
    timeoutMs,
  );
}

/**
 * Brings every planned send of the trip due and waits for them to settle — again, up to
 * `rounds` times, while one is still planned: a re-planning that follows a delivery of data
 * since changed (the bookings stored while the sends at confirmation were on their way)
 * moves a send not yet claimed back to its scheduled moment, months ahead, as it would
 * move any send the test's clock, not time, made due.
 */
export async function sendAllDue(
  app: TestApp,
  tripId: string,
  rounds = 5,
): Promise<Transmission[]> {
  for (let round = 1; ; round += 1) {
    await bringDue(app, tripId);
    const done = await settled(app, tripId);
    if (round >= rounds || !done.some((t) => t.status === 'planned')) return done;
  }
}

/** An app that turns nothing by itself, its outbox, and the sample trip stored in it. */
export interface SampleOutboxApp {
  readonly app: TestApp;
  readonly outbox: string;
  /** The sample trip's first transmission still planned for this contract. */
  planned(contractId: string): Promise<Transmission>;
  /** Files in the outbox whose path names the transmission. */
  outboxFilesOf(transmissionId: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * `startSampleOutboxApp` for the tests of a `describe` block: started (then `prepare`d)
 * before them, closed after; `sample` and `app` are set once they start.
 */
export function useSampleOutboxApp(prepare?: (app: TestApp) => Promise<void>): {
  readonly sample: SampleOutboxApp;
  readonly app: TestApp;
} {
  const given = {} as { sample: SampleOutboxApp; app: TestApp };
  beforeAll(async () => {
    given.sample = await startSampleOutboxApp();
    given.app = given.sample.app;
    await prepare?.(given.app);
  }, 60_000);
  afterAll(async () => {
    await given.sample.close();
  });
  return given;
}

/** The quick dispatcher and retries of tests that wait for sends to go out. */
export const QUICK_SENDS = {
  PASSERELLE_DISPATCH_INTERVAL_MS: '100',
  PASSERELLE_RETRY_BASE_MS: '50',
} as const;

/** An app sending every contract to an outbox folder of its own (removed at close). */
export interface OutboxApp {
  readonly app: TestApp;
  readonly outbox: string;
  readonly close: () => Promise<void>;
}

/** The gateway (`env` added) with a master key, every contract sent to its own outbox. */
export async function startOutboxApp(
  env: Readonly<Record<string, string>> = {},
  options: Parameters<typeof startTestApp>[1] = {},
): Promise<OutboxApp> {
  const outbox = await mkdtemp(join(tmpdir(), 'passerelle-outbox-'));
  const app = await startTestApp(
    {
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
      PASSERELLE_OUTBOX_DIR: outbox,
      ...env,
    },
    options,
  );
  return {
    app,
    outbox,
    close: async () => {
      await app.close();
      await rm(outbox, { recursive: true, force: true });
    },
  };
}

/**
 * An `api` app (no dispatcher timer, no queue worker: the test turns the sender and the
 * dispatcher itself) sending every contract to an outbox of its own, with the samples stored
 * (moved to start soon: see `upcomingTrip`).
 */
export async function startSampleOutboxApp(): Promise<SampleOutboxApp> {
  const { app, outbox, close } = await startOutboxApp({ PASSERELLE_ROLE: 'api' });
  await putTripAndBookings(
    app,
    tripVariant(upcomingTrip(), sampleTrip().id as string),
    upcomingBookings(),
  );
  return {
    app,
    outbox,
    planned: async (contractId) => {
      const found = (await transmissionsOf(app, sampleTrip().id as string)).find(
        (t) => t.contractId === contractId && t.status === 'planned',
      );
      if (found === undefined) throw new Error(`the sample plans no ${contractId}`);
      return found;
    },
    outboxFilesOf: async (transmissionId) =>
      (await readdir(outbox, { recursive: true })).filter((f) => f.includes(transmissionId)),
    close,
  };
}
