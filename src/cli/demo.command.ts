import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import type { RegisterEntry } from '../core/register/register-entry.js';
import { createApp } from '../main.js';
import type { ApiClient } from '../modules/auth/api-client.js';
import { BookingsService } from '../modules/bookings/bookings.service.js';
import { CONTRACT_CATALOG } from '../modules/contracts/contracts.module.js';
import type { ContractCatalog } from '../modules/contracts/load-contract-catalog.js';
import { listenInternal } from '../modules/http/internal-port.js';
import { JsonLogger } from '../modules/logging/json-logger.js';
import { RegisterService, type VerifyResult } from '../modules/register/register.service.js';
import { PasserelleError } from '../modules/shared/passerelle-error.js';
import { DispatcherService } from '../modules/transmissions/dispatcher.service.js';
import { PlannerService } from '../modules/transmissions/planner.service.js';
import { redisOptionsFromUrl } from '../modules/transmissions/redis-options.js';
import {
  TransmissionsRepository,
  type Transmission,
} from '../modules/transmissions/transmissions.repository.js';
import { errorCodeOf, EXIT, type CliIo } from './cli-io.js';
import { shiftDocumentExpiries, shiftToStartIn, shiftTripDates } from './shift-dates.js';
import { describeMoment, renderDemoReport, type DemoTransmission } from './demo-report.js';

export interface DemoOptions {
  /** Trip files, each paired with the bookings file at the same position; default: the samples. */
  readonly trip: readonly string[];
  readonly bookings: readonly string[];
  /** Default: database `passerelle_demo` on the server of DATABASE_URL. */
  readonly databaseUrl?: string;
  readonly queuePrefix: string;
  readonly outbox: string;
  /** Seconds the transmissions may take, in all. */
  readonly timeout: string;
  /**
   * Whole days from today to each trip's start (its dates moved, and its bookings' document
   * expiries with them). Without it, a trip whose start is not after today moves to tomorrow.
   */
  readonly startsIn?: string;
  /** After the report, keep the gateway's HTTP API up on PORT (loopback) until interrupted. */
  readonly serve?: boolean;
}

/** The bundled samples, next to the package (`dist/cli/` or `src/cli/` → `samples/`). */
const sample = (name: string): string =>
  fileURLToPath(new URL(`../../samples/${name}`, import.meta.url));
export const DEMO_SAMPLES: readonly (readonly [trip: string, bookings: string])[] = [
  [sample('trip-nyc.json'), sample('bookings-nyc.json')],
  [sample('trip-barbados.json'), sample('bookings-barbados.json')],
];

export const DEMO_DATABASE = 'passerelle_demo';
/** Where a trip whose dates have passed is moved to, without --starts-in: tomorrow. */
const PAST_TRIP_STARTS_IN = 1;
/** The client the demo ingests as: the booking system's role, under a name of its own. */
export const DEMO_CLIENT: ApiClient = { id: 'passerelle-demo', role: 'ingest' };
/** Written into the outbox, so that a later run knows the folder is its own to empty. */
const OUTBOX_MARKER = '.passerelle-demo-outbox';
/**
 * The demo turns the dispatcher itself, a round every `POLL_MS`, each awaited: its own timer
 * is set far apart, so that no round is still running against a closing database when the
 * demo shuts the gateway down.
 */
const DISPATCH_INTERVAL_MS = 3_600_000;
const POLL_MS = 100;
/** The first retry's delay (ms): an outbox that fails for a moment is tried again quickly. */
const RETRY_BASE_MS = 100;

/** A run that cannot go on: a message for stderr (no personal value, no secret) and an exit code. */
class DemoError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

/** One input document as read from its file, before the gateway validates it. */
interface InputDocument {
  readonly file: string;
  readonly id: string;
  readonly raw: unknown;
}

interface DemoSetup {
  readonly databaseUrl: string;
  readonly databaseName: string;
  readonly queuePrefix: string;
  readonly outbox: string;
  readonly timeoutMs: number;
  readonly startsIn?: number;
  readonly pairs: readonly (readonly [trip: string, bookings: string])[];
}

/**
 * `passerelle demo`: the gateway end to end on the bundled samples (or the files given), on
 * a machine with nothing but PostgreSQL and Redis. Each run starts from nothing — its own
 * database dropped and created again, its own Redis keys removed, its outbox emptied — so it
 * is repeatable; it boots the gateway in this process (role `all`, every transport replaced
 * by the outbox), ingests the documents through the same service as `PUT /v1/…`, brings the
 * planned transmissions due one moment at a time, lets the dispatcher and the worker send
 * them, and prints each transmission with its files, the register entries and the chain's
 * verification. Exit 0 when everything was delivered (or rightly not sent again) and the
 * register verifies; 1 otherwise; 2 for bad options or input, or PostgreSQL or Redis out
 * of reach.
 */
export async function runDemo(options: DemoOptions, config: AppConfig, io: CliIo): Promise<number> {
  try {
    const setup = demoSetup(options, config);
    const trips: InputDocument[] = [];
    const bookings: InputDocument[] = [];
    const today = new Date();
    for (const [tripFile, bookingsFile] of setup.pairs) {
      const trip = await readJson(tripFile);
      // Without --starts-in, a trip whose dates have passed (the samples, some day) is moved
      // to start tomorrow: its sends could only be missed, and its bookings refused once past
      // retention.
      const startsIn =
        setup.startsIn ??
        ((shiftToStartIn(trip, PAST_TRIP_STARTS_IN, today) ?? 0) > 0
          ? PAST_TRIP_STARTS_IN
          : undefined);
      const shift = startsIn === undefined ? undefined : shiftToStartIn(trip, startsIn, today);
      if (setup.startsIn === undefined && shift !== undefined) {
        io.stdout(
          `${relative(process.cwd(), tripFile)}: it starts before tomorrow; moved ${shift} days to start tomorrow (--starts-in ${PAST_TRIP_STARTS_IN})`,
        );
      }
      trips.push(
        documentOf(tripFile, shift === undefined ? trip : shiftTripDates(trip, shift), 'id'),
      );
      const list = await readJson(bookingsFile);
      if (!Array.isArray(list))
        throw new DemoError(`${bookingsFile}: must be a JSON array of bookings`, EXIT.invalidInput);
      bookings.push(
        ...list.map((raw: unknown) =>
          documentOf(
            bookingsFile,
            // Passports valid for the trip stay valid for it where it moved.
            shift === undefined ? raw : shiftDocumentExpiries(raw, shift),
            'reference',
          ),
        ),
      );
    }

    await resetOutbox(setup.outbox);
    await removeQueueKeys(config.redisUrl, setup.queuePrefix);
    await dropDatabase(
      setup.databaseUrl,
      options.databaseUrl === undefined ? 'DATABASE_URL' : '--database-url',
    );
    const demoConfig: AppConfig = {
      ...config,
      databaseUrl: setup.databaseUrl,
      role: 'all',
      outboxDir: setup.outbox,
      transportOverride: 'outbox',
      queuePrefix: setup.queuePrefix,
      dispatchIntervalMs: DISPATCH_INTERVAL_MS,
      retryBaseMs: RETRY_BASE_MS,
      // Each run starts from an empty database: a key of its own, kept nowhere, will do.
      dataKey: randomBytes(32).toString('base64'),
    };
    // Warnings and errors of the gateway go to stderr as JSON lines; stdout is the report.
    const logger = new JsonLogger({
      levels: ['fatal', 'error', 'warn'],
      destination: pino.destination({ dest: 2, sync: true }),
    });
    const app = await createApp(demoConfig, logger);
    try {
      const report = await runOnGateway(app, setup, trips, bookings);
      const rendered = renderDemoReport({
        inputs: setup.pairs.flat().map((file) => relative(process.cwd(), file)),
        trips: trips.length,
        bookings: bookings.length,
        database: setup.databaseName,
        queuePrefix: setup.queuePrefix,
        outbox: setup.outbox,
        ...report,
      });
      for (const line of rendered.lines) io.stdout(line);
      if (options.serve === true) await serveUntilInterrupted(app, config, io);
      return rendered.ok ? EXIT.ok : EXIT.problems;
    } finally {
      await app.close();
    }
  } catch (error) {
    if (error instanceof DemoError) {
      io.stderr(`passerelle demo: ${error.message}`);
      for (const detail of error.details) io.stderr(`  ${detail}`);
      return error.exitCode;
    }
    if (error instanceof PasserelleError) {
      // Boot-time problems (contracts, clients file): their messages name files and rules.
      io.stderr(`passerelle demo: ${error.code}: ${error.message}`);
      return EXIT.problems;
    }
    throw error;
  }
}

/** The options checked; the database and the queue prefix must say `demo`, since each run wipes them. */
function demoSetup(options: DemoOptions, config: AppConfig): DemoSetup {
  const problems: string[] = [];
  let databaseUrl: string;
  if (options.databaseUrl === undefined) {
    const url = new URL(config.databaseUrl);
    url.pathname = `/${DEMO_DATABASE}`;
    databaseUrl = url.toString();
  } else {
    databaseUrl = options.databaseUrl;
    if (!/^postgres(ql)?:\/\//.test(databaseUrl))
      problems.push('--database-url: must be a postgres:// URL');
  }
  let databaseName = '';
  try {
    databaseName = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  } catch {
    problems.push('--database-url: must be a postgres:// URL');
  }
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(databaseName) || !/demo/i.test(databaseName))
    problems.push(
      '--database-url: the database name must be 1-63 letters, digits, _ or - and contain "demo" (it is dropped at each run)',
    );
  // The gateway's own rule for prefixes (PASSERELLE_QUEUE_PREFIX), and `demo` for safety.
  if (!/^[A-Za-z0-9{}:._-]{1,64}$/.test(options.queuePrefix) || !/demo/i.test(options.queuePrefix))
    problems.push(
      '--queue-prefix: must be 1-64 letters, digits or {}:._- and contain "demo" (its keys are removed at each run)',
    );
  const seconds = Number(options.timeout);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600)
    problems.push('--timeout: must be a whole number of seconds, 1 to 3600');
  const startsIn = options.startsIn === undefined ? undefined : Number(options.startsIn);
  if (startsIn !== undefined && (!Number.isInteger(startsIn) || Math.abs(startsIn) > 3650))
    problems.push('--starts-in: must be a whole number of days, -3650 to 3650');
  if (options.trip.length !== options.bookings.length)
    problems.push('--trip and --bookings: give them in pairs, one bookings file per trip');
  if (problems.length > 0)
    throw new DemoError('invalid options', EXIT.invalidInput, [...new Set(problems)]);
  return {
    databaseUrl,
    databaseName,
    queuePrefix: options.queuePrefix,
    outbox: options.outbox,
    timeoutMs: seconds * 1000,
    ...(startsIn === undefined ? {} : { startsIn }),
    pairs:
      options.trip.length === 0
        ? DEMO_SAMPLES
        : options.trip.map((trip, i) => [trip, options.bookings[i] ?? ''] as const),
  };
}

/**
 * Keeps the demo's gateway answering on loopback (the insurer's emergency request of the
 * README, the ops and register endpoints) until SIGINT or SIGTERM — and, with
 * `PASSERELLE_INTERNAL_PORT` set, `/metrics`, `/docs` and the health checks on that port, as
 * `serve` does (the public port then refuses the first two).
 */
async function serveUntilInterrupted(
  app: INestApplication,
  config: AppConfig,
  io: CliIo,
): Promise<void> {
  await app.listen(config.port, '127.0.0.1');
  io.stdout('');
  io.stdout(`Serving the demo's data on ${await app.getUrl()} — Ctrl-C to stop.`);
  if (config.internal !== undefined) {
    await listenInternal(app, config.internal);
    io.stdout(
      `Metrics and documentation on http://${config.internal.host}:${config.internal.port}.`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DemoError(`${file}: cannot be read`, EXIT.invalidInput);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DemoError(`${file}: not valid JSON`, EXIT.invalidInput);
  }
}

/** A document and the id it is stored under (its `id` or `reference`, as the API's path would say). */
function documentOf(file: string, raw: unknown, key: 'id' | 'reference'): InputDocument {
  const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : '';
  return { file, id: typeof id === 'string' ? id : '', raw };
}

/**
 * Empties the outbox, refusing a folder with content that no earlier run marked as its own
 * (`--outbox` pointed at the wrong folder must not cost anyone their files).
 */
async function resetOutbox(dir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw new DemoError(`--outbox ${dir}: not a folder (${code ?? 'error'})`, EXIT.invalidInput);
  }
  if (names.length > 0 && !names.includes(OUTBOX_MARKER))
    throw new DemoError(
      `--outbox ${dir}: the folder has files and is not a demo outbox (no ${OUTBOX_MARKER}); name a new or empty folder`,
      EXIT.invalidInput,
    );
  for (const name of names) await rm(join(dir, name), { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, OUTBOX_MARKER),
    'Written by `passerelle demo`, which empties this folder at each run.\n',
  );
}

/** Removes every Redis key under `prefix:` (jobs of an earlier run). */
async function removeQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis({
    ...redisOptionsFromUrl(redisUrl),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // Errors come back through the calls below; without a listener ioredis would print them.
  // The last one is kept: `connect` itself rejects with a bare `Connection is closed`.
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    // The environment cannot be used: 2, as for every command (README, Command line).
    throw new DemoError(
      `cannot reach Redis at REDIS_URL (${errorCodeOf(lastError ?? error)})`,
      EXIT.cannotRun,
    );
  }
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Drops the demo database (the gateway creates and migrates it again at start); `source`
 * names where its URL came from, for the error (never the URL: it may hold a password).
 */
async function dropDatabase(url: string, source: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new DemoError(
      `cannot reach PostgreSQL at ${source} (${errorCodeOf(error)})`,
      EXIT.cannotRun,
    );
  }
  try {
    // The register's trigger refuses DELETE and TRUNCATE, rightly: a demo starts over by
    // dropping its whole database instead. FORCE ends a session left by an interrupted run.
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * The run proper, on a gateway built but not yet started: the documents are ingested first,
 * then the gateway starts and plans them. Ingesting while the dispatcher runs would send the
 * insurers' enrollment (due at each booking's confirmation) while later bookings still
 * arrive, and the counts would then depend on timing; this way every run tells the same story.
 */
async function runOnGateway(
  app: INestApplication,
  setup: DemoSetup,
  trips: readonly InputDocument[],
  bookings: readonly InputDocument[],
): Promise<{
  transmissions: DemoTransmission[];
  entries: RegisterEntry[];
  verify: VerifyResult;
}> {
  const ingest = app.get(BookingsService);
  for (const doc of trips) await put(doc, () => ingest.putTrip(doc.raw, doc.id, DEMO_CLIENT));
  for (const doc of bookings) await put(doc, () => ingest.putBooking(doc.raw, doc.id, DEMO_CLIENT));

  await app.init();
  const tripIds = [...new Set(trips.map((doc) => doc.id))];
  const planner = app.get(PlannerService);
  for (const tripId of tripIds) await planner.replan(tripId);

  const repository = app.get(TransmissionsRepository);
  const dispatcher = app.get(DispatcherService);
  const until = { deadline: Date.now() + setup.timeoutMs, timeoutMs: setup.timeoutMs };
  // What is due already (the enrollment, at confirmation), then each next moment in turn.
  await settle(repository, dispatcher, tripIds, until);
  while ((await repository.bringNextDueNow(tripIds, new Date())).length > 0)
    await settle(repository, dispatcher, tripIds, until);

  const catalog = app.get<ContractCatalog>(CONTRACT_CATALOG);
  const transmissions: DemoTransmission[] = [];
  for (const t of sortTransmissions(await transmissionsOf(repository, tripIds))) {
    const contract = catalog.contracts.get(t.contractId)?.contract;
    const moment =
      contract?.schedule.kind === 'planned' ? contract.schedule.send[t.moment] : undefined;
    transmissions.push({
      transmission: t,
      when: describeMoment(moment),
      files: t.status === 'delivered' ? await outboxFiles(setup.outbox, t) : [],
    });
  }
  const register = app.get(RegisterService);
  return { transmissions, entries: await allEntries(register), verify: await register.verify() };
}

/** Runs one ingest call; a refusal stops the demo with its code and paths (never values). */
async function put(doc: InputDocument, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof PasserelleError)) throw error;
    throw new DemoError(
      `${doc.file}: ${doc.id === '' ? 'a document' : doc.id} refused: ${error.code}: ${error.message}`,
      EXIT.invalidInput,
      error.details.map((detail) => `${detail.path}: ${detail.rule}`),
    );
  }
}

/** Every transmission of the trips, from the plan in PostgreSQL. */
async function transmissionsOf(
  repository: TransmissionsRepository,
  tripIds: readonly string[],
): Promise<Transmission[]> {
  const all: Transmission[] = [];
  for (const tripId of tripIds) {
    let after: { dueAt: Date; id: string } | undefined;
    for (;;) {
      const page = await repository.list({ tripId }, after, 500);
      all.push(...page);
      const last = page[page.length - 1];
      if (page.length < 500 || last === undefined) break;
      after = { dueAt: new Date(last.dueAt), id: last.id };
    }
  }
  return all;
}

/** Due and not finished: planned and due, in the queue, or being sent. */
const isBusy = (t: Transmission, now: number): boolean =>
  t.status === 'queued' ||
  t.status === 'sending' ||
  (t.status === 'planned' && Date.parse(t.dueAt) <= now);

/**
 * Runs dispatcher rounds (queue what fell due, repair the queue) until nothing of the trips is
 * due and open, or fails naming what is still under way.
 */
async function settle(
  repository: TransmissionsRepository,
  dispatcher: DispatcherService,
  tripIds: readonly string[],
  { deadline, timeoutMs }: { readonly deadline: number; readonly timeoutMs: number },
): Promise<void> {
  for (;;) {
    await dispatcher.tick();
    const busy = (await transmissionsOf(repository, tripIds)).filter((t) => isBusy(t, Date.now()));
    if (busy.length === 0) return;
    if (Date.now() > deadline)
      throw new DemoError(
        `timed out after ${timeoutMs / 1000} s: ${busy.length} transmission(s) still due or under way (is the worker running? see the log lines above)`,
        EXIT.problems,
        busy.map(
          (t) =>
            `${t.tripId} ${t.contractId} ${t.unit}: ${t.status}${t.lastError === null ? '' : ` (${t.lastError})`}`,
        ),
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function sortTransmissions(transmissions: readonly Transmission[]): Transmission[] {
  const key = (t: Transmission): string =>
    [
      t.tripId,
      t.contractId,
      t.unit,
      t.kind === 'scheduled' ? '0' : '1',
      String(t.moment).padStart(4, '0'),
      t.createdAt,
    ].join('\u0000');
  return [...transmissions].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The files the outbox holds for a transmission (`<dir>/<contract>/<id>/`), relative to cwd. */
async function outboxFiles(outbox: string, t: Transmission): Promise<string[]> {
  const folder = join(outbox, t.contractId, t.id);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => relative(process.cwd(), join(folder, name)));
}

/** Every register entry, in chain order (the database is the run's own). */
async function allEntries(register: RegisterService): Promise<RegisterEntry[]> {
  const entries: RegisterEntry[] = [];
  let after = 0;
  for (;;) {
    const batch = await register.repository.chainAfter(after, 1000);
    entries.push(...batch);
    const last = batch[batch.length - 1];
    if (last === undefined || batch.length < 1000) break;
    after = last.seq;
  }
  return entries;
}
