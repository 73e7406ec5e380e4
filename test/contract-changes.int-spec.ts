import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';
import { DispatcherService } from '../src/modules/transmissions/dispatcher.service.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import type { Transmission } from '../src/modules/transmissions/transmissions.repository.js';
import { TransportsService } from '../src/modules/transports/transports.service.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { ask, putStored, testDataKey, tripVariant } from './support/ingest.js';
import { edit, type JsonObject } from './support/input-documents.js';
import { bringDue, eventually, transmissionsOf } from './support/pipeline.js';
import { listening, testAppEnv, type TestApp } from './support/test-app.js';
import { writeClientsFile } from './support/test-clients.js';
import { upcomingBookingVariant, upcomingDate, upcomingTrip } from './support/upcoming-samples.js';

/**
 * Contracts edited between two starts of the gateway, on the same database: the plan made
 * under the old version must follow the new one — a contract removed, a resend policy
 * turned off, a recipient renamed, a schedule moved — before anything is sent under it.
 */

interface MuseumContract {
  readonly id?: string;
  readonly version?: number;
  readonly recipientId?: string;
  readonly offset?: string;
  readonly resend?: 'on-change' | 'never';
}

/** The README's example contract (a trip unit, sent to the outbox), with what a test changes. */
const museumContract = ({
  id = 'museum-group-list',
  version = 1,
  recipientId = 'MUSEUM-NYC',
  offset = 'P2D',
  resend = 'on-change',
}: MuseumContract = {}): string => `id: ${id}
version: ${version}
recipient:
  id: ${recipientId}
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
  resend: ${resend}
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
  outbox = await mkdtemp(join(tmpdir(), 'passerelle-contract-changes-outbox-'));
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

/** A contracts folder holding these files (name → text). */
async function contractsFolder(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'passerelle-contract-changes-'));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  return folder;
}

/** The gateway on the shared database, with this contracts folder (one at a time). */
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

/** Stops the gateway running (its queue kept in Redis, with `keepQueue`), starts another. */
async function restart(
  contractsDir: string,
  env: Record<string, string> = {},
  keepQueue = false,
): Promise<TestApp> {
  if (keepQueue) await running?.app.close();
  else await running?.close();
  running = undefined;
  return boot(contractsDir, env);
}

const put = putStored;

/** A trip of the sample's dates (moved to start soon) under `tripId`, with one booking (`<tripId>-B0`). */
async function storeTrip(t: TestApp, tripId: string): Promise<JsonObject> {
  await put(t, `/v1/trips/${tripId}`, tripVariant(upcomingTrip(), tripId));
  const booking = upcomingBookingVariant(0, `${tripId}-B0`, tripId);
  await put(t, `/v1/bookings/${tripId}-B0`, booking);
  return booking;
}

const museumOf = async (t: TestApp, tripId: string, kind = 'scheduled'): Promise<Transmission> => {
  const found = (await transmissionsOf(t, tripId)).find(
    (x) => x.contractId === 'museum-group-list' && x.kind === kind,
  );
  if (found === undefined) throw new Error(`no ${kind} museum-group-list send of ${tripId}`);
  return found;
};

type ReplanAll = (this: PlannerService, now?: Date) => Promise<number>;

/** The plan at start of the next gateway started takes a second and a half (many trips). */
function slowPlanAtStart(): void {
  const { replanAll } = PlannerService.prototype as { replanAll: ReplanAll };
  vi.spyOn(PlannerService.prototype, 'replanAll').mockImplementation(async function (
    this: PlannerService,
    ...args: Parameters<ReplanAll>
  ) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return replanAll.apply(this, args);
  });
}

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

describe('contracts changed between two starts', () => {
  it('should cancel the sends of a removed contract as no longer called for, and plan them again when it is back', async () => {
    const other = museumContract({ id: 'museum-guide-list', recipientId: 'MUSEUM-GUIDES' });
    const both = await contractsFolder({
      'museum-group-list.yaml': museumContract(),
      'museum-guide-list.yaml': other,
    });
    const t1 = await boot(both);
    await storeTrip(t1, 'T-REMOVED');
    const planned = await museumOf(t1, 'T-REMOVED');
    expect(planned.status).toBe('planned');

    // The operator removes the file: the start's plan cancels its sends, saying why — the
    // trip and its participants are all still there.
    const t2 = await restart(await contractsFolder({ 'museum-guide-list.yaml': other }));
    const removed = await eventually('the removed contract’s send cancelled', async () => {
      const now = await museumOf(t2, 'T-REMOVED');
      return now.status === 'cancelled' ? now : undefined;
    });
    expect(removed).toMatchObject({
      id: planned.id,
      reason: 'its contract no longer calls for it',
    });

    // Put back: the same row is planned again, as it was.
    const t3 = await restart(both);
    const back = await eventually('the contract’s send planned again', async () => {
      const now = await museumOf(t3, 'T-REMOVED');
      return now.status === 'planned' ? now : undefined;
    });
    expect(back).toMatchObject({
      id: planned.id,
      dueAt: planned.dueAt,
      deadline: planned.deadline,
      reason: 'planned again: its contract calls for it again',
    });
  });

  it('should cancel a pending resend once the contract says resend: never', async () => {
    const t1 = await boot(await contractsFolder({ 'museum.yaml': museumContract() }), {
      PASSERELLE_ROLE: 'api',
    });
    const booking = await storeTrip(t1, 'T-NEVER');
    await bringDue(t1, 'T-NEVER');
    await t1.app.get(DispatcherService).tick();
    const first = await museumOf(t1, 'T-NEVER');
    expect(first.status).toBe('queued');
    await t1.app.get(TransmissionSender).send([first.id]);
    expect((await museumOf(t1, 'T-NEVER')).status).toBe('delivered');

    // The data changes: a resend of the new data is planned — and held by an operator.
    await put(
      t1,
      '/v1/bookings/T-NEVER-B0',
      edit(
        edit(booking, 'participants[0].surname', 'Other'),
        'revision',
        (booking.revision as number) + 1,
      ),
    );
    const resend = await museumOf(t1, 'T-NEVER', 'resend');
    expect(resend.status).toBe('planned');
    const held = await ask(t1, 'POST', `/v1/transmissions/${resend.id}/hold`, {
      role: 'ops',
      body: { reason: 'waiting for the museum to confirm the group' },
    });
    expect(held.status, held.text).toBe(200);

    // The contract no longer resends on change: the resend planned under the old version
    // is not to be made (released, it would leave).
    const t2 = await restart(
      await contractsFolder({ 'museum.yaml': museumContract({ version: 2, resend: 'never' }) }),
    );
    const cancelled = await eventually('the resend cancelled', async () => {
      const now = await museumOf(t2, 'T-NEVER', 'resend');
      return now.status === 'cancelled' ? now : undefined;
    });
    expect(cancelled).toMatchObject({
      id: resend.id,
      reason: 'its contract no longer calls for it',
    });
  });

  it('should give the planned sends the recipient the contract now names', async () => {
    const t1 = await boot(await contractsFolder({ 'museum.yaml': museumContract() }));
    await storeTrip(t1, 'T-RECIPIENT');
    expect(await museumOf(t1, 'T-RECIPIENT')).toMatchObject({
      status: 'planned',
      recipientId: 'MUSEUM-NYC',
      contractVersion: 1,
    });

    const t2 = await restart(
      await contractsFolder({
        'museum.yaml': museumContract({ version: 2, recipientId: 'MUSEUM-NYC-GROUPS' }),
      }),
    );
    const moved = await eventually('the send following the new version', async () => {
      const now = await museumOf(t2, 'T-RECIPIENT');
      return now.contractVersion === 2 ? now : undefined;
    });
    // What operations see, what alerts name and where an HTTPS transport posts
    // (`{recipientId}`) is the recipient the register records.
    expect(moved).toMatchObject({ status: 'planned', recipientId: 'MUSEUM-NYC-GROUPS' });
  });

  it('should deliver to the recipient the contract names when the row still names another', async () => {
    const t1 = await boot(await contractsFolder({ 'museum.yaml': museumContract() }), {
      PASSERELLE_ROLE: 'api',
    });
    await storeTrip(t1, 'T-STALE-RECIPIENT');
    const planned = await museumOf(t1, 'T-STALE-RECIPIENT');
    // Planned by a process that still had the old version (a rolling restart).
    await database.admin(`UPDATE transmissions SET recipient_id = 'MUSEUM-OLD' WHERE id = $1`, [
      planned.id,
    ]);
    await bringDue(t1, 'T-STALE-RECIPIENT');
    await t1.app.get(DispatcherService).tick();
    const deliver = vi.spyOn(t1.app.get(TransportsService), 'deliver');
    await t1.app.get(TransmissionSender).send([planned.id]);
    expect(deliver).toHaveBeenCalledTimes(1);
    expect(deliver.mock.calls[0]?.[1]).toMatchObject({ recipientId: 'MUSEUM-NYC' });
    const entries = await database.admin(
      `SELECT recipient_id FROM register_entries WHERE transmission_id = $1`,
      [planned.id],
    );
    expect((entries.rows as { recipient_id: string }[]).map((row) => row.recipient_id)).toEqual([
      'MUSEUM-NYC',
      'MUSEUM-NYC',
    ]);
  });

  it('should send nothing under the old schedule before the start’s plan has followed the new one', async () => {
    // Ten years before the trip: due at once. The gateway was down when it fell due.
    const t1 = await boot(
      await contractsFolder({ 'museum.yaml': museumContract({ offset: 'P3653D' }) }),
      { PASSERELLE_ROLE: 'api' },
    );
    await storeTrip(t1, 'T-MOVED');
    const before = await museumOf(t1, 'T-MOVED');
    expect(before.status).toBe('planned');
    expect(Date.parse(before.dueAt)).toBeLessThan(Date.now());

    // The operator moves the send to two days before the trip. The start's plan over every
    // trip takes a while (thousands of trips): the dispatcher must not claim meanwhile.
    slowPlanAtStart();
    const t2 = await restart(
      await contractsFolder({ 'museum.yaml': museumContract({ version: 2, offset: 'P2D' }) }),
    );
    const after = await eventually('the send moved by the new version', async () => {
      const now = await museumOf(t2, 'T-MOVED');
      return now.contractVersion === 2 || now.status !== 'planned' ? now : undefined;
    });
    expect(after).toMatchObject({
      id: before.id,
      status: 'planned',
      dueAt: upcomingDate('2027-06-29T00:00:00.000Z'),
    });
    const attempts = await database.admin(
      `SELECT count(*)::int AS n FROM register_entries WHERE transmission_id = $1`,
      [before.id],
    );
    expect(attempts.rows[0]).toEqual({ n: 0 });
  });

  it('should not send a job queued before the start under the old schedule before the start’s plan', async () => {
    const t1 = await boot(
      await contractsFolder({ 'museum.yaml': museumContract({ offset: 'P3653D' }) }),
      { PASSERELLE_ROLE: 'api' },
    );
    await storeTrip(t1, 'T-QUEUED');
    await t1.app.get(DispatcherService).tick();
    const queued = await museumOf(t1, 'T-QUEUED');
    // Claimed, its job in Redis: the gateway stops before a worker took it.
    expect(queued.status).toBe('queued');

    slowPlanAtStart();
    const t2 = await restart(
      await contractsFolder({ 'museum.yaml': museumContract({ version: 2, offset: 'P2D' }) }),
      {},
      true,
    );
    const after = await eventually('the send moved by the new version', async () => {
      const now = await museumOf(t2, 'T-QUEUED');
      return now.contractVersion === 2 || now.status !== 'queued' ? now : undefined;
    });
    expect(after).toMatchObject({
      id: queued.id,
      status: 'planned',
      dueAt: upcomingDate('2027-06-29T00:00:00.000Z'),
      reason: 'planned again: its due time moved later',
    });
    const entries = await database.admin(
      `SELECT count(*)::int AS n FROM register_entries WHERE transmission_id = $1`,
      [queued.id],
    );
    expect(entries.rows[0]).toEqual({ n: 0 });
  });
});

// Until the plan at start has run over every trip, nothing is sent under the contracts of
// before — a plan that failed is tried again, not taken as done — and a shutdown meanwhile
// is not held up by it.
describe('the plan at start when the database does not answer it', () => {
  it('should send nothing under the old schedule when the plan at start failed once, and plan again', async () => {
    const t1 = await boot(
      await contractsFolder({ 'museum.yaml': museumContract({ offset: 'P3653D' }) }),
      {
        PASSERELLE_ROLE: 'api',
      },
    );
    await storeTrip(t1, 'T-PLAN-FAILED');
    const before = await museumOf(t1, 'T-PLAN-FAILED');
    expect(before.status).toBe('planned');
    expect(Date.parse(before.dueAt)).toBeLessThan(Date.now());
    await running?.close();
    running = undefined;

    failingPlanAtStart(1);
    const t2 = await boot(
      await contractsFolder({ 'museum.yaml': museumContract({ version: 2, offset: 'P2D' }) }),
    );
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
    const t = await boot(await contractsFolder({ 'museum.yaml': museumContract() }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await t.close();
    running = undefined;
    expect(performance.now() - started).toBeLessThan(5000);
  }, 30_000);
});
