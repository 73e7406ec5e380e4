import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import type { Transmission } from '../src/modules/transmissions/transmissions.repository.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { ask, testDataKey, tripVariant } from './support/ingest.js';
import type { JsonObject } from './support/input-documents.js';
import { eventually, transmissionsOf } from './support/pipeline.js';
import { listening, testAppEnv, type TestApp } from './support/test-app.js';
import { writeClientsFile } from './support/test-clients.js';
import { upcomingBookingVariant, upcomingDate, upcomingTrip } from './support/upcoming-samples.js';

/**
 * The plan at start when PostgreSQL does not answer it: until it has run over every trip,
 * nothing is sent under the contracts of before — a plan that failed is tried again, not
 * taken as done — and a shutdown meanwhile is not held up by it.
 */

const museumContract = (version: number, offset: string): string => `id: museum-group-list
version: ${version}
recipient:
  id: MUSEUM-NYC
  name: Museum group desk
  category: transport
  country: USA
purpose: >-
  Admit the group: the names on the group ticket and who is a minor.
legalBasis: contract
transfer:
  safeguard: art49-contract
unit: trip
scope:
  roles: [participant, leader]
fields:
  - participant.surname
  - participant.givenNames
  - participant.isMinor
format:
  type: csv
  options: { required: [participant.surname] }
transport:
  type: outbox
schedule:
  send:
    - before: trip.start
      offset: ${offset}
  resend: on-change
retention: P30D after trip.end
`;

let database: TestDatabase;
let clients: Awaited<ReturnType<typeof writeClientsFile>>;
let outbox: string;
const dataKey = testDataKey();
const folders: string[] = [];
let running: TestApp | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  clients = await writeClientsFile();
  outbox = await mkdtemp(join(tmpdir(), 'passerelle-review-plan-outbox-'));
}, 60_000);
afterEach(async () => {
  vi.restoreAllMocks();
  await running?.close();
  running = undefined;
});
afterAll(async () => {
  await clients.remove();
  await database.drop();
  for (const folder of [outbox, ...folders]) await rm(folder, { recursive: true, force: true });
});

async function contractsFolder(text: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'passerelle-review-plan-'));
  folders.push(folder);
  await writeFile(join(folder, 'museum.yaml'), text);
  return folder;
}

async function boot(contractsDir: string, env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadAppConfig({
    ...testAppEnv(database, clients.file),
    PASSERELLE_CONTRACTS_DIR: contractsDir,
    PASSERELLE_DATA_KEY: dataKey,
    PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
    PASSERELLE_OUTBOX_DIR: outbox,
    PASSERELLE_DISPATCH_INTERVAL_MS: '100',
    ...env,
  });
  const started = await listening(await createApp(config, false), config, database);
  running = started;
  return started;
}

async function put(t: TestApp, path: string, body: JsonObject): Promise<void> {
  const answer = await ask(t, 'PUT', path, { role: 'ingest', body });
  expect([200, 201], answer.text).toContain(answer.status);
}

async function storeTrip(t: TestApp, tripId: string): Promise<void> {
  await put(t, `/v1/trips/${tripId}`, tripVariant(upcomingTrip(), tripId));
  await put(t, `/v1/bookings/${tripId}-B0`, upcomingBookingVariant(0, `${tripId}-B0`, tripId));
}

const museumOf = async (t: TestApp, tripId: string): Promise<Transmission> => {
  const found = (await transmissionsOf(t, tripId)).find(
    (x) => x.contractId === 'museum-group-list' && x.kind === 'scheduled',
  );
  if (found === undefined) throw new Error(`no museum-group-list send of ${tripId}`);
  return found;
};

type ReplanAll = (this: PlannerService, now?: Date) => Promise<number>;

/** The plan at start of the next gateway fails `times` times (PostgreSQL not answering it). */
function failingPlanAtStart(times: number): void {
  const { replanAll } = PlannerService.prototype as { replanAll: ReplanAll };
  let failures = 0;
  vi.spyOn(PlannerService.prototype, 'replanAll').mockImplementation(async function (
    this: PlannerService,
    ...args: Parameters<ReplanAll>
  ) {
    if (failures < times) {
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
    return replanAll.apply(this, args);
  });
}

describe('the plan at start when the database does not answer it', () => {
  it('should send nothing under the old schedule when the plan at start failed once, and plan again', async () => {
    const t1 = await boot(await contractsFolder(museumContract(1, 'P3653D')), {
      PASSERELLE_ROLE: 'api',
    });
    await storeTrip(t1, 'T-PLAN-FAILED');
    const before = await museumOf(t1, 'T-PLAN-FAILED');
    expect(before.status).toBe('planned');
    expect(Date.parse(before.dueAt)).toBeLessThan(Date.now());
    await running?.close();
    running = undefined;

    failingPlanAtStart(1);
    const t2 = await boot(await contractsFolder(museumContract(2, 'P2D')));
    const after = await eventually('the send moved by the new version', async () => {
      const now = await museumOf(t2, 'T-PLAN-FAILED');
      return now.contractVersion === 2 || now.status !== 'planned' ? now : undefined;
    });
    expect(after).toMatchObject({
      id: before.id,
      status: 'planned',
      dueAt: upcomingDate('2027-06-29T00:00:00.000Z'),
    });
    const entries = await database.admin(
      `SELECT count(*)::int AS n FROM register_entries WHERE transmission_id = $1`,
      [before.id],
    );
    expect(entries.rows[0]).toEqual({ n: 0 });
  }, 30_000);

  it('should stop promptly while the plan at start keeps failing', async () => {
    failingPlanAtStart(Number.MAX_SAFE_INTEGER);
    const t = await boot(await contractsFolder(museumContract(1, 'P2D')));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await t.close();
    running = undefined;
    expect(performance.now() - started).toBeLessThan(5000);
  }, 30_000);
});
