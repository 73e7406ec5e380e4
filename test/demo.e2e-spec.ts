import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween, shiftDocumentExpiries, shiftTripDates } from '../src/cli/shift-dates.js';
import { openDatabase } from '../src/database/database.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { TEST_SERVER_URL } from './support/database.js';
import { samplePersonalValues } from './support/ingest.js';
import { personalValues, type Json } from './support/input-documents.js';
import { freePort } from './support/loopback.js';
import { dropKeysUnder } from './support/redis.js';
import { runBuiltCli, type CliRun } from './support/run-cli.js';
import { repoPath } from './support/shipped-catalog.js';

/** A table of the report: its rows as header → cell, read by the header's column offsets. */
function table(stdout: string, title: string): Record<string, string>[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(title));
  if (start < 0) throw new Error(`no "${title}" section in the report`);
  const header = lines[start + 1] ?? '';
  const columns = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '') break;
    const row = Object.fromEntries(
      columns.map((column, i) => [
        column.name,
        line.slice(column.at, columns[i + 1]?.at ?? line.length).trim(),
      ]),
    );
    const previous = rows[rows.length - 1];
    // A continuation line: one more file of the row above.
    if (row[columns[0]?.name ?? ''] === '' && previous !== undefined) {
      previous.FILES = `${previous.FILES ?? ''} ${row.FILES ?? ''}`;
    } else rows.push(row);
  }
  return rows;
}

const filesOf = (row: Record<string, string>): string[] =>
  (row.FILES ?? '').split(' ').filter((file) => file !== '' && file !== '-');

/** Every personal value of both samples' bookings (names, dates of birth, documents…). */
function allSamplePersonalValues(): string[] {
  const barbados = JSON.parse(
    readFileSync(repoPath('samples/bookings-barbados.json'), 'utf8'),
  ) as Json[];
  return [...new Set([...samplePersonalValues(), ...barbados.flatMap((b) => personalValues(b))])];
}

/** A demo run's own database and Redis prefix (both must say "demo"). */
function demoRunNames(tag: string): {
  databaseName: string;
  databaseUrl: URL;
  queuePrefix: string;
} {
  const suffix = randomBytes(6).toString('hex');
  const databaseName = `passerelle_demo_${tag}_${suffix}`;
  const databaseUrl = new URL(TEST_SERVER_URL);
  databaseUrl.pathname = `/${databaseName}`;
  return { databaseName, databaseUrl, queuePrefix: `passerelle-demo-${tag}-${suffix}` };
}

/** `passerelle demo` on its own database, prefix and outbox, then `more` options. */
const demoArgs = (
  run: { databaseUrl: URL; queuePrefix: string },
  outbox: string,
  more: readonly string[] = [],
): string[] => [
  'demo',
  '--database-url',
  run.databaseUrl.toString(),
  '--queue-prefix',
  run.queuePrefix,
  '--outbox',
  outbox,
  ...more,
];

/** What a demo run leaves: its database, its Redis keys, its outbox. */
async function removeDemoRun(database: string, queuePrefix: string, outbox: string): Promise<void> {
  const server = new pg.Client({ connectionString: TEST_SERVER_URL });
  await server.connect();
  try {
    await server.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await server.end();
  }
  await dropKeysUnder(queuePrefix);
  await rm(outbox, { recursive: true, force: true });
}

describe('passerelle demo', () => {
  const { databaseName, databaseUrl, queuePrefix } = demoRunNames('t');
  let outbox: string;
  let first: CliRun;

  const demo = (): Promise<CliRun> => runBuiltCli(demoArgs({ databaseUrl, queuePrefix }, outbox));

  beforeAll(async () => {
    outbox = await mkdtemp(join(tmpdir(), 'passerelle-demo-outbox-'));
    first = await demo();
  }, 30_000);

  afterAll(() => removeDemoRun(databaseName, queuePrefix, outbox));

  it('should deliver every transmission of the samples into the outbox and exit 0', () => {
    expect(first.code, first.stderr).toBe(0);
    const transmissions = table(first.stdout, 'Transmissions (');
    expect(transmissions.length).toBeGreaterThan(0);
    for (const row of transmissions) {
      expect(['delivered', 'cancelled: unchanged'], JSON.stringify(row)).toContain(row.STATUS);
    }
    const delivered = transmissions.filter((row) => row.STATUS === 'delivered');
    expect(new Set(delivered.map((row) => row.CONTRACT))).toEqual(
      new Set([
        'airline-group-list',
        'caricom-apis',
        'hotel-rooming-list',
        'insurer-enrollment',
        'secure-flight',
        'us-apis',
      ]),
    );
    // Every file listed is in the outbox, under its contract and transmission; nothing else is.
    const listed = delivered.flatMap(filesOf).map((file) => resolve(repoPath('.'), file));
    for (const row of delivered)
      expect(filesOf(row).length, JSON.stringify(row)).toBeGreaterThan(0);
    for (const file of listed) {
      expect(existsSync(file), file).toBe(true);
      expect(relative(outbox, file).split(/[\\/]/)).toHaveLength(3);
    }
    expect(first.stdout).toMatch(
      new RegExp(
        `${delivered.length} delivered, \\d+ cancelled as unchanged; ${listed.length} file`,
      ),
    );
  });

  it('should list a register attempt and delivery for each delivered transmission, and a verified chain', async () => {
    const transmissions = table(first.stdout, 'Transmissions (');
    const entries = table(first.stdout, 'Register entries of this run (');
    for (const t of transmissions.filter((row) => row.STATUS === 'delivered')) {
      const events = entries
        .filter(
          (e) =>
            e.ID === t.ID && e.TRIP === t.TRIP && e.CONTRACT === t.CONTRACT && e.UNIT === t.UNIT,
        )
        .map((e) => e.EVENT);
      expect(events, JSON.stringify(t)).toEqual(['disclosure-attempted', 'disclosure-delivered']);
    }
    for (const e of entries) expect(Number(e.SUBJECTS)).toBeGreaterThan(0);
    expect(first.stdout).toContain('Register verification: intact');

    // The register in the demo's database verifies on its own, and holds what was listed.
    const db = await openDatabase(databaseUrl.toString(), 2);
    try {
      const repository = new RegisterRepository(db);
      const verify = await new RegisterService(
        repository,
        new RegisterAppender(repository),
      ).verify();
      expect(verify).toMatchObject({ intact: true, count: entries.length });
    } finally {
      await db.destroy();
    }
  });

  it('should print no personal value of the samples', () => {
    const output = `${first.stdout}\n${first.stderr}`
      // Random ids and hashes are hexadecimal: a postal code may turn up in one by chance.
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/\b[0-9a-f]{8}\b/g, '<id>')
      .replace(/hash [0-9a-f]{16}/g, 'hash <hex>')
      .replaceAll(databaseName, '<database>')
      .replaceAll(queuePrefix, '<prefix>')
      .replaceAll(relative(repoPath('.'), outbox), '<outbox>');
    const found = allSamplePersonalValues().filter((value) => output.includes(value));
    expect(found).toEqual([]);
  });

  it('should give the same outcome again on a second run, from a fresh database and outbox', async () => {
    const second = await demo();
    expect(second.code, second.stderr).toBe(0);
    const outcome = (run: CliRun) =>
      table(run.stdout, 'Transmissions (').map((row) =>
        [row.TRIP, row.CONTRACT, row.UNIT, row.SEND, row.STATUS, filesOf(row).length].join(' '),
      );
    const summary = (run: CliRun) =>
      run.stdout.split('\n').find((line) => line.includes(' transmission(s): '));
    expect(outcome(second)).toEqual(outcome(first));
    expect(summary(second)).toBe(summary(first));
    expect(table(second.stdout, 'Register entries of this run (')).toHaveLength(
      table(first.stdout, 'Register entries of this run (').length,
    );
    // Only the second run's files are left (and the marker naming the folder a demo outbox).
    const onDisk: string[] = [];
    for (const contract of await readdir(outbox)) {
      if (contract.startsWith('.')) continue;
      for (const id of await readdir(join(outbox, contract)))
        onDisk.push(...(await readdir(join(outbox, contract, id))));
    }
    const listed = table(second.stdout, 'Transmissions (').flatMap(filesOf);
    expect(onDisk).toHaveLength(listed.length);
  }, 30_000);
});

describe('passerelle demo --starts-in 1 --serve (the README’s emergency flow)', () => {
  const { databaseName, databaseUrl, queuePrefix } = demoRunNames('s');
  let outbox: string;
  let child: ChildProcess | undefined;
  let stdout = '';

  afterAll(async () => {
    child?.kill('SIGKILL');
    await removeDemoRun(databaseName, queuePrefix, outbox);
  });

  it('should send the moved trips’ transmissions, then answer the insurer’s request until interrupted', async () => {
    outbox = await mkdtemp(join(tmpdir(), 'passerelle-demo-outbox-'));
    const port = await freePort();
    const internalPort = await freePort();
    const started = spawn(
      process.execPath,
      [
        repoPath('dist/cli.js'),
        ...demoArgs({ databaseUrl, queuePrefix }, outbox, ['--starts-in', '1', '--serve']),
      ],
      {
        cwd: repoPath('.'),
        env: {
          ...process.env,
          PORT: String(port),
          PASSERELLE_INTERNAL_PORT: String(internalPort),
        },
      },
    );
    child = started;
    started.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const until = Date.now() + 60_000;
    while (!stdout.includes('Ctrl-C to stop')) {
      if (Date.now() > until || started.exitCode !== null) throw new Error(stdout);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Tomorrow's trips: every transmission is due now and leaves.
    for (const row of table(stdout, 'Transmissions (')) {
      expect(['delivered', 'cancelled: unchanged'], JSON.stringify(row)).toContain(row.STATUS);
    }
    const response = await fetch(`http://127.0.0.1:${port}/v1/emergency/requests`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer dev-insurer-mutuelle-key-passerelle-demo',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        policyNumber: 'MV-2027-004411',
        incidentReference: 'MV-ASSIST-0042',
        reason: 'Fell during the museum visit; the hospital needs her allergies and medication.',
        requestedBy: 'Amélie Durand, assistance agent',
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { participants: Record<string, unknown>[] };
    expect(body.participants[0]?.['participant.insurance.policyNumber']).toBe('MV-2027-004411');
    // The metrics where PASSERELLE_INTERNAL_PORT says, as `serve` has them, not on the API's port.
    const metrics = await fetch(`http://127.0.0.1:${internalPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('passerelle_emergency_requests_total');
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const exited = once(started, 'exit');
    started.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }, 90_000);
});

describe('passerelle demo on samples whose dates have passed (the Quick start, some day)', () => {
  const { databaseName, databaseUrl, queuePrefix } = demoRunNames('past');
  let outbox: string;
  let inputs: string;

  afterAll(async () => {
    await removeDemoRun(databaseName, queuePrefix, outbox);
    await rm(inputs, { recursive: true, force: true });
  });

  it('should move each trip to start tomorrow, its passports with it, and deliver everything', async () => {
    outbox = await mkdtemp(join(tmpdir(), 'passerelle-demo-outbox-'));
    inputs = await mkdtemp(join(tmpdir(), 'passerelle-demo-past-'));
    // The samples as they will be two years from now: their trips and their passports'
    // expiries both behind today (the NYC leader's passport long expired by the day moved to).
    const files: string[] = [];
    for (const name of ['nyc', 'barbados']) {
      const trip = JSON.parse(readFileSync(repoPath(`samples/trip-${name}.json`), 'utf8')) as Json;
      const bookings = JSON.parse(
        readFileSync(repoPath(`samples/bookings-${name}.json`), 'utf8'),
      ) as Json;
      const start = (trip as { startDate: string }).startDate;
      const back = -daysBetween(start, new Date()) - 730;
      const tripFile = join(inputs, `trip-${name}.json`);
      const bookingsFile = join(inputs, `bookings-${name}.json`);
      await writeFile(tripFile, JSON.stringify(shiftTripDates(trip, back)));
      await writeFile(bookingsFile, JSON.stringify(shiftDocumentExpiries(bookings, back)));
      files.push('--trip', tripFile, '--bookings', bookingsFile);
    }
    const run = await runBuiltCli(demoArgs({ databaseUrl, queuePrefix }, outbox, files));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/trip-nyc\.json: it starts before tomorrow; moved \d+ days/);
    expect(run.stdout).toMatch(/trip-barbados\.json: it starts before tomorrow; moved \d+ days/);
    const transmissions = table(run.stdout, 'Transmissions (');
    for (const row of transmissions) {
      expect(['delivered', 'cancelled: unchanged'], JSON.stringify(row)).toContain(row.STATUS);
    }
    expect(transmissions.filter((row) => row.CONTRACT === 'us-apis')).not.toHaveLength(0);
  }, 60_000);
});
