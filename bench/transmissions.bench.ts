import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type JobsOptions } from 'bullmq';
import pg from 'pg';
import { shiftDocumentExpiries, shiftToStartIn, shiftTripDates } from '../src/cli/shift-dates.js';
import { loadAppConfig } from '../src/config/app-config.js';
import type { Booking } from '../src/core/model/booking.js';
import type { Trip } from '../src/core/model/trip.js';
import { createApp } from '../src/main.js';
import type { ApiClient } from '../src/modules/auth/api-client.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { redisOptionsFromUrl } from '../src/modules/transmissions/redis-options.js';
import { gatewayEnv } from './gateway-env.js';
import { inParallel, type BenchResult } from './harness.js';
import { tripVariant } from './trip-variant.js';
import {
  callsBetween,
  commandCalls,
  memoryByKey,
  startPrivateRedis,
  usedMemory,
  type PrivateRedis,
} from './private-redis.js';
import { cpuBetween, cpuOfProcesses, machineCpu } from './process-cpu.js';
import type { WorkerCommand, WorkerReport } from './transmissions-worker.js';

/** Transmissions per measured run, and no-op jobs per baseline run. */
const N = Number(process.env.BENCH_TRANSMISSIONS_N ?? 2000);
/** Rounds, each one raw BullMQ run and two pipeline runs (register stubbed, real), alternated. */
const ROUNDS = Number(process.env.BENCH_TRANSMISSIONS_ROUNDS ?? 4);
const CONCURRENCY = 50;
/**
 * Transmissions of each unmeasured warm-up run of the pipeline, before the rounds. Both sides
 * are measured warm: with a quarter of N, both were still speeding up over the first rounds —
 * raw BullMQ from ~6,800 to ~14,500 jobs/s over its first three runs of N in a process (its
 * code and ioredis' being compiled), which the median then took.
 */
const WARMUP = N;
/**
 * Warm-up runs of the pipeline, the register modes alternated (stub, real, …): one a mode.
 * The first measured round is still the pipeline's slowest in most benches (its worker
 * spending ~0.25–0.3 ms of CPU a transmission, the later rounds 0.15–0.21: `nodeCpuMsEachRuns`
 * in the output), with four warm-up runs as with two, and with the runs' transmissions taken
 * in the other order — not code still being compiled, nor its data; not found what (2026-11-28).
 * The median of the rounds is what is reported, on both sides.
 */
const PIPELINE_WARMUP_RUNS = Number(process.env.BENCH_TRANSMISSIONS_WARMUP_RUNS ?? 2);
/** Unmeasured runs of N no-op jobs that warm the raw BullMQ baseline up, before the rounds. */
const RAW_WARMUP_RUNS = 3;
/** The worker's dispatch period: the e2e tests' (production's default, 5 s, would set the pace). */
const DISPATCH_INTERVAL_MS = process.env.BENCH_TRANSMISSIONS_DISPATCH_MS ?? '100';
const QUEUE = 'transmissions';
/** The gateway's queue prefix in the private Redis; each baseline has one of its own. */
const PREFIX = 'pipeline';
const POLL_MS = 10;
const RUN_TIMEOUT_MS = Number(process.env.BENCH_TRANSMISSIONS_TIMEOUT_MS ?? 300_000);
const RSS_CEILING_MB = 250;
/**
 * Where the outbox folder goes: in memory (tmpfs) where there is one, so that the figure is
 * the pipeline's and not the disk's — the baseline writes nothing, and on this kind of VM
 * each file created on ext4 costs ~0.5 ms of kernel time, half the worker's whole budget.
 * `BENCH_OUTBOX_PARENT=/tmp` measures with the disk.
 */
const OUTBOX_PARENT =
  process.env.BENCH_OUTBOX_PARENT ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
/** `1`: print the Redis commands of each run and the queue's keys. */
const VERBOSE = process.env.BENCH_TRANSMISSIONS_VERBOSE === '1';
const SERVER =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const INGEST: ApiClient = { id: 'bench-ingest', role: 'ingest' };

type Mode = 'stub' | 'real';

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mean = (values: readonly number[]): number =>
  values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const fixed = (n: number, digits = 2): string => n.toFixed(digits);

/** Stores trip variants `from`…`to - 1` through the ingest service, in an `api` app (it plans, it sends nothing). */
async function ingest(
  root: string,
  env: Record<string, string>,
  from: number,
  to: number,
): Promise<void> {
  // The sample trip moved to start 60 days from now (its passports' expiries with it): its
  // sends all still ahead, and its bookings not refused once the sample's own dates are past.
  const trip = JSON.parse(readFileSync(join(root, 'samples/trip-nyc.json'), 'utf8')) as Trip;
  const shift = shiftToStartIn(trip, 60, new Date()) ?? 0;
  const sample = {
    trip: shiftTripDates(trip, shift),
    bookings: shiftDocumentExpiries(
      JSON.parse(readFileSync(join(root, 'samples/bookings-nyc.json'), 'utf8')) as Booking[],
      shift,
    ),
  };
  const app = await createApp(loadAppConfig({ ...env, PASSERELLE_ROLE: 'api' }), false);
  await app.init();
  try {
    const bookings = app.get(BookingsService);
    await inParallel(to - from, 8, async (i) => {
      const variant = tripVariant(sample, from + i);
      await bookings.putTrip(variant.trip, variant.trip.id, INGEST);
      for (const booking of variant.bookings) {
        await bookings.putBooking(booking, booking.reference, INGEST);
      }
    });
  } finally {
    await app.close();
  }
}

/** The forked worker process (`transmissions-worker.ts`) and its IPC. */
interface WorkerProcess {
  readonly child: ChildProcess;
  ask<T extends WorkerReport['type']>(
    command: WorkerCommand,
    answer: T,
  ): Promise<Extract<WorkerReport, { type: T }>>;
  stop(): Promise<void>;
}

/** The recommended Node options of a worker process (README, "Processes"). */
const WORKER_NODE_OPTIONS = '--max-old-space-size=160';

async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = fork(new URL('./transmissions-worker.js', import.meta.url), [], {
    env: { ...process.env, ...env },
    // The worker as the README recommends deploying it (a V8 heap ceiling; its live heap is
    // ~55 MB, V8 would otherwise let garbage grow to ~200 MB before collecting). Override,
    // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to see where the worker's time goes.
    execArgv: (process.env.BENCH_TRANSMISSIONS_WORKER_NODE_OPTIONS ?? WORKER_NODE_OPTIONS)
      .split(' ')
      .filter(Boolean),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends WorkerReport['type']>(type: T) =>
    new Promise<Extract<WorkerReport, { type: T }>>((resolve, reject) => {
      const onMessage = (report: WorkerReport) => {
        if (report.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(report as Extract<WorkerReport, { type: T }>);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`the bench worker exited (${code ?? 'signal'})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  await next('ready');
  return {
    child,
    ask: (command, answer) => {
      const reply = next(answer);
      child.send(command);
      return reply;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' } satisfies WorkerCommand);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What one measured stretch cost, all processes of the bench counted apart. */
interface Cost {
  readonly seconds: number;
  /** CPU ms of the Node process running the BullMQ Worker (the gateway's worker, or this one). */
  readonly nodeCpuMs: number;
  readonly redisCpuMs: number;
  /** CPU ms of the PostgreSQL backends serving the bench database (not the watcher's). */
  readonly postgresCpuMs: number;
  /** Busy share of the whole machine (every core, every process — other users' too). */
  readonly machineBusy: number;
  /** Redis calls, the ones scripts make included. */
  readonly redisCalls: number;
  readonly redisCallsByCommand: readonly [string, number][];
  /** Transactions committed in the bench database (an autocommit statement is one). */
  readonly pgCommits: number;
}

/** Measures `work` on the private Redis, the bench database and the Node process `nodeCpu` reads. */
async function measure(
  where: { readonly redis: PrivateRedis; readonly admin?: pg.Client },
  nodeCpu: () => Promise<number>,
  work: () => Promise<void>,
): Promise<Cost> {
  const { redis, admin } = where;
  const backends = async (): Promise<number[]> =>
    admin === undefined
      ? []
      : (
          await admin.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        ).rows.map((row) => row.pid);
  const commits = async (): Promise<number> => {
    if (admin === undefined) return 0;
    // Statistics are a snapshot per transaction: cleared, so that each reading is fresh.
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await admin.query<{ commits: string }>(
      'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]?.commits ?? 0);
  };
  const pidsBefore = await backends();
  const postgresBefore = await cpuOfProcesses(pidsBefore);
  const redisBefore = await cpuOfProcesses([redis.pid]);
  const callsBefore = await commandCalls(redis.client);
  const commitsBefore = await commits();
  const nodeBefore = await nodeCpu();
  const machineBefore = machineCpu();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineCpu();
  const nodeAfter = await nodeCpu();
  const commitsAfter = await commits();
  const callsByCommand = callsBetween(callsBefore, await commandCalls(redis.client));
  const redisAfter = await cpuOfProcesses([redis.pid]);
  const postgresAfter = await cpuOfProcesses([...new Set([...pidsBefore, ...(await backends())])]);
  return {
    seconds,
    nodeCpuMs: nodeAfter - nodeBefore,
    redisCpuMs: cpuBetween(redisBefore, redisAfter),
    postgresCpuMs: cpuBetween(postgresBefore, postgresAfter),
    machineBusy:
      (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
    redisCalls: callsByCommand.reduce((sum, [, calls]) => sum + calls, 0),
    redisCallsByCommand: callsByCommand,
    pgCommits: commitsAfter - commitsBefore,
  };
}

const ownCpuMs = (): Promise<number> => {
  const usage = process.cpuUsage();
  return Promise.resolve((usage.user + usage.system) / 1000);
};

/** The dispatcher's job options (DispatcherService.enqueue), `removeOnComplete` as asked. */
const jobOptions = (removeOnComplete: boolean): JobsOptions => ({
  attempts: 5,
  backoff: { type: 'exponential', delay: 30_000 },
  removeOnComplete,
  removeOnFail: { count: 1000 },
});

/**
 * Raw BullMQ in this process: `addBulk` of `count` no-op jobs shaped like the dispatcher's
 * (a transmission id, a deterministic job id), one Worker of `CONCURRENCY`, the queue's event
 * stream as long as the gateway's; measured until all completed.
 */
async function rawBullmq(
  redis: PrivateRedis,
  prefix: string,
  count: number,
  removeOnComplete: boolean,
  eventsKept: number,
): Promise<Cost> {
  const connection = redisOptionsFromUrl(redis.url);
  const queue = new Queue(QUEUE, {
    connection,
    prefix,
    streams: { events: { maxLen: eventsKept } },
  });
  let completed = 0;
  let allCompleted: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allCompleted = resolve));
  const worker = new Worker(QUEUE, () => Promise.resolve('delivered'), {
    connection,
    prefix,
    concurrency: CONCURRENCY,
  });
  worker.on('completed', () => {
    completed += 1;
    if (completed === count) allCompleted();
  });
  try {
    await worker.waitUntilReady();
    await queue.waitUntilReady();
    const jobs = Array.from({ length: count }, () => {
      const id = randomUUID();
      return {
        name: 'send',
        data: { transmissionId: id },
        opts: { ...jobOptions(removeOnComplete), jobId: `${id}.0` },
      };
    });
    return await measure({ redis }, ownCpuMs, async () => {
      await queue.addBulk(jobs);
      await finished;
    });
  } finally {
    await worker.close();
    await queue.close();
  }
}

/**
 * One pipeline run: the transmissions `ids` are made due (as time passing would), then the
 * worker's own dispatcher claims them and its processor sends them; measured until none is
 * open (polled in PostgreSQL), then checked: each delivered, its register entries there.
 *
 * Making them due stands for the clock, which costs a gateway nothing: the rows are written
 * before the measure starts, in a transaction of `clock`'s committed as it starts — they fall
 * due at that instant, announced by the commit as a confirmed booking's would be. (Written
 * inside the measure, the bench's own update of N rows took 10–45 ms of a ~1 s run.)
 */
async function pipelineRun(
  where: { readonly redis: PrivateRedis; readonly admin: pg.Client; readonly clock: pg.Client },
  worker: WorkerProcess,
  ids: readonly string[],
): Promise<{ cost: Cost; byStatus: Record<string, number>; registerEntries: number }> {
  const { admin, clock } = where;
  const workerCpuMs = async () => (await worker.ask({ type: 'stats' }, 'stats')).cpuMicros / 1000;
  const finished = async (atLeast = 0) =>
    (await worker.ask({ type: 'progress', atLeast }, 'progress')).finished;
  const before = await finished();
  await clock.query('BEGIN');
  try {
    await clock.query(
      `UPDATE transmissions SET status = 'planned', due_at = now() - interval '1 second'
        WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  } catch (error) {
    await clock.query('ROLLBACK');
    throw error;
  }
  const cost = await measure(where, workerCpuMs, async () => {
    await clock.query('COMMIT');
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    // The worker's own word first (one IPC message, sent the moment its count reaches the
    // run's: watching costs the machine nothing, and the end is not a poll late), then
    // PostgreSQL's that none of this run's transmissions is open.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished(before + ids.length),
      new Promise((resolve) => (timer = setTimeout(resolve, RUN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    for (;;) {
      const { rows } = await admin.query<{ open: string }>(
        `SELECT count(*) AS open FROM transmissions WHERE status IN ('planned', 'queued', 'sending')`,
      );
      const open = Number(rows[0]?.open ?? 0);
      if (open === 0) break;
      if (Date.now() > deadline) throw new Error(`run timed out with ${open} open`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });
  const { rows: statuses } = await admin.query<{ status: string; count: string }>(
    `SELECT status, count(*) FROM transmissions WHERE id = ANY($1::uuid[]) GROUP BY status`,
    [ids],
  );
  const { rows: entries } = await admin.query<{ count: string }>(
    `SELECT count(*) FROM register_entries WHERE transmission_id = ANY($1::text[])`,
    [ids],
  );
  return {
    cost,
    byStatus: Object.fromEntries(statuses.map((row) => [row.status, Number(row.count)])),
    registerEntries: Number(entries[0]?.count ?? 0),
  };
}

async function outboxDeliveries(outboxDir: string): Promise<number> {
  let count = 0;
  for (const contract of await readdir(outboxDir).catch(() => [])) {
    count += (await readdir(join(outboxDir, contract))).length;
  }
  return count;
}

async function queueMemory(redis: PrivateRedis, prefix: string): Promise<number> {
  const keys = await memoryByKey(redis.client, prefix);
  if (VERBOSE) console.log(`${prefix} keys:`, Object.fromEntries(keys));
  let total = 0;
  for (const bytes of keys.values()) total += bytes;
  return total;
}

/** Per-transmission figures of several runs, for `extra`. */
function perItem(costs: readonly Cost[]): Record<string, string> {
  const each = (pick: (cost: Cost) => number) => fixed(mean(costs.map((c) => pick(c) / N)));
  return {
    nodeCpuMsEach: each((c) => c.nodeCpuMs),
    nodeCpuMsEachRuns: costs.map((c) => fixed(c.nodeCpuMs / N, 3)).join(' '),
    redisCpuMsEach: each((c) => c.redisCpuMs),
    postgresCpuMsEach: each((c) => c.postgresCpuMs),
    redisCallsEach: each((c) => c.redisCalls),
    pgCommitsEach: each((c) => c.pgCommits),
    machineBusy: fixed(mean(costs.map((c) => c.machineBusy))),
  };
}

/**
 * The transmission pipeline (dispatcher → BullMQ → TransmissionSender → outbox) in a worker
 * process of its own, against a fresh database and a private Redis, beside raw BullMQ no-op
 * jobs on the same Redis: throughput with the register stubbed and real, Redis memory after N
 * completed jobs against keeping them, and the worker's resident memory.
 */
export async function benchTransmissions(root: string): Promise<BenchResult[]> {
  const redis = await startPrivateRedis();
  const name = `passerelle_bench_tx_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const outboxDir = await mkdtemp(join(OUTBOX_PARENT, 'passerelle-bench-outbox-'));
  const env = gatewayEnv(root, url.toString(), redis.url, {
    PASSERELLE_OUTBOX_DIR: outboxDir,
    PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
    PASSERELLE_QUEUE_PREFIX: PREFIX,
    PASSERELLE_WORKER_CONCURRENCY: String(CONCURRENCY),
    PASSERELLE_DISPATCH_INTERVAL_MS: DISPATCH_INTERVAL_MS,
    PASSERELLE_ROLE: 'worker',
  });
  let admin: pg.Client | undefined;
  let clock: pg.Client | undefined;
  let worker: WorkerProcess | undefined;
  try {
    // 1. Data: trips enough for every run, each run its own (a unit is delivered once).
    const runs = 2 * ROUNDS;
    const ingestStarted = performance.now();
    await ingest(root, env, 0, 1);
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    clock = new pg.Client({ connectionString: url.toString() });
    await clock.connect();
    // One transmission per unit (the first moment): each is delivered, none cancelled.
    const candidates = `
      SELECT DISTINCT ON (trip_id, contract_id, unit_key) id, trip_id FROM transmissions
       WHERE status IN ('planned', 'held') ORDER BY trip_id, contract_id, unit_key, moment`;
    const perTrip = (await admin.query(candidates)).rowCount ?? 0;
    if (perTrip === 0) throw new Error('a bench trip plans no transmission');
    const trips = Math.ceil((runs * N + PIPELINE_WARMUP_RUNS * WARMUP) / perTrip);
    await ingest(root, env, 1, trips);
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    // Nothing is due until a run says so (`booking.confirmed` sends fall due at once).
    await admin.query(`UPDATE transmissions SET status = 'held' WHERE status = 'planned'`);
    const { rows: chosen } = await admin.query<{ id: string }>(
      `SELECT id FROM (${candidates}) c ORDER BY trip_id, id`,
    );
    const sets = Array.from({ length: runs }, (_, r) =>
      chosen.slice(r * N, (r + 1) * N).map((row) => row.id),
    );
    if (sets.some((set) => set.length < N)) throw new Error('too few transmissions planned');
    const warmups = Array.from({ length: PIPELINE_WARMUP_RUNS }, (_, w) =>
      chosen.slice(runs * N + w * WARMUP, runs * N + (w + 1) * WARMUP).map((row) => row.id),
    );
    if (warmups.some((set) => set.length < WARMUP))
      throw new Error('too few transmissions planned');
    // The ingest leaves PostgreSQL work to do in the background (autovacuum and analyze of
    // the tables it filled, a checkpoint's writes) that competed with the first runs of
    // both sides — raw BullMQ ran ~40 % slower in the first round than in the fourth. Done
    // now, before anything is measured.
    await admin.query('VACUUM (ANALYZE)');
    await admin.query('CHECKPOINT');

    // 2. The worker process, booted and idle.
    worker = await startWorker(env);
    const idle = await worker.ask({ type: 'stats' }, 'stats');
    // The gateway's queue options, as it wrote them: the baselines' queues get the same.
    const eventsKept = Number(
      (await redis.client.hget(`${PREFIX}:${QUEUE}:meta`, 'opts.maxLenEvents')) ?? 10_000,
    );

    // A fresh process is slow at first (its code not yet compiled, its pools not yet open):
    // warm-up runs, the register modes alternated, not measured.
    for (const [w, set] of warmups.entries()) {
      const mode: Mode = w % 2 === 0 ? 'stub' : 'real';
      await worker.ask({ type: 'register', mode }, 'register');
      await pipelineRun({ redis, admin, clock }, worker, set);
    }

    // The baseline too, in this process: its first runs were its slowest by half or more
    // (BullMQ's and ioredis' code not yet compiled here), steady from the fourth on.
    for (let w = 0; w < RAW_WARMUP_RUNS; w += 1) {
      await rawBullmq(redis, `rawwarmup${w}`, N, true, eventsKept);
    }

    // 3. Rounds: raw BullMQ, then the pipeline with the register stubbed and real (ABBA).
    const raw: Cost[] = [];
    const pipeline: Record<Mode, Cost[]> = { stub: [], real: [] };
    const problems: string[] = [];
    let pipelineMemory: number | undefined;
    let pipelineUsedDelta = 0;
    const usedBefore = await usedMemory(redis.client);
    for (let round = 0; round < ROUNDS; round += 1) {
      const rawCost = await rawBullmq(redis, `raw${round}`, N, true, eventsKept);
      raw.push(rawCost);
      if (VERBOSE) console.log('raw run:', rawCost.redisCallsByCommand.slice(0, 12).join(' '));
      const order: Mode[] = round % 2 === 0 ? ['stub', 'real'] : ['real', 'stub'];
      for (const [k, mode] of order.entries()) {
        await worker.ask({ type: 'register', mode }, 'register');
        const run = await pipelineRun({ redis, admin, clock }, worker, sets[2 * round + k] ?? []);
        pipeline[mode].push(run.cost);
        if (VERBOSE) {
          console.log(`${mode} run:`, run.cost.redisCallsByCommand.slice(0, 12).join(' '));
        }
        if (run.byStatus.delivered !== N) {
          problems.push(`${mode} run ${round}: ${JSON.stringify(run.byStatus)}`);
        }
        const expectedEntries = mode === 'stub' ? 0 : 2 * N;
        if (run.registerEntries !== expectedEntries) {
          problems.push(
            `${mode} run ${round}: ${run.registerEntries} register entries, not ${expectedEntries}`,
          );
        }
        if (pipelineMemory === undefined) {
          pipelineMemory = await queueMemory(redis, PREFIX);
          pipelineUsedDelta = (await usedMemory(redis.client)) - usedBefore;
        }
      }
    }
    const loaded = await worker.ask({ type: 'stats' }, 'stats');
    const delivered = await outboxDeliveries(outboxDir);
    if (delivered !== runs * N + PIPELINE_WARMUP_RUNS * WARMUP) {
      problems.push(
        `${delivered} transmission folders in the outbox, not ${runs * N + PIPELINE_WARMUP_RUNS * WARMUP}`,
      );
    }
    await worker.stop();
    worker = undefined;

    // 4. Keeping every job: the same N no-op jobs, removeOnComplete false.
    const keptUsedBefore = await usedMemory(redis.client);
    await rawBullmq(redis, 'kept', N, false, eventsKept);
    const keptMemory = await queueMemory(redis, 'kept');
    const keptUsedDelta = (await usedMemory(redis.client)) - keptUsedBefore;

    // The same statistic on both sides: the median run of the rounds.
    const rate = (costs: readonly Cost[]) => N / median(costs.map((c) => c.seconds));
    const rawRate = rate(raw);
    const stubRate = rate(pipeline.stub);
    const realRate = rate(pipeline.real);
    const rssPeak = mb(loaded.rssPeak);
    const sound = problems.length === 0;
    const common = {
      n: N,
      concurrency: CONCURRENCY,
      dispatchIntervalMs: Number(DISPATCH_INTERVAL_MS),
      outboxParent: OUTBOX_PARENT,
      rounds: ROUNDS,
      warmup: `${PIPELINE_WARMUP_RUNS} × ${WARMUP} (pipeline), ${RAW_WARMUP_RUNS} × ${N} (raw)`,
      cores: cpus().length,
      ...(sound ? {} : { problems: problems.join('; ') }),
    };
    const runsOf = (costs: readonly Cost[]) =>
      costs.map((c) => (N / c.seconds).toFixed(0)).join(' ');
    return [
      {
        bench: `transmissions: worker pipeline, outbox transport, register stubbed, ${N} transmissions, concurrency ${CONCURRENCY}`,
        unit: 'transmissions',
        value: stubRate,
        baseline: {
          name: `raw BullMQ no-op jobs (addBulk, one Worker, concurrency ${CONCURRENCY}, removeOnComplete)`,
          value: rawRate,
        },
        ratio: stubRate / rawRate,
        target: 0.5,
        targetOn: 'at-least',
        pass: sound && stubRate / rawRate >= 0.5,
        extra: {
          ...common,
          runs: runsOf(pipeline.stub),
          ...perItem(pipeline.stub),
          rawRuns: runsOf(raw),
          ...Object.fromEntries(Object.entries(perItem(raw)).map(([k, v]) => [`raw.${k}`, v])),
          tripsIngested: trips,
          transmissionsPerTrip: perTrip,
          ingestSeconds: fixed(ingestSeconds, 1),
        },
      },
      {
        bench: `transmissions: the same pipeline with the real register (2 chained appends a transmission)`,
        unit: 'transmissions',
        value: realRate,
        baseline: { name: 'the pipeline with the register stubbed', value: stubRate },
        ratio: realRate / stubRate,
        target: 0.7,
        targetOn: 'at-least',
        pass: sound && realRate / stubRate >= 0.7,
        extra: { ...common, runs: runsOf(pipeline.real), ...perItem(pipeline.real) },
      },
      {
        bench: `transmissions: Redis memory of the queue after ${N} completed transmissions`,
        unit: 'bytes',
        perSecond: false,
        value: pipelineMemory ?? 0,
        baseline: { name: `the same ${N} jobs kept (removeOnComplete: false)`, value: keptMemory },
        ratio: (pipelineMemory ?? 0) / keptMemory,
        target: 0.15,
        targetOn: 'ratio-at-most',
        pass: (pipelineMemory ?? 0) / keptMemory <= 0.15,
        extra: {
          measure: 'MEMORY USAGE summed over the queue prefix, private redis-server',
          queueEventsKept: eventsKept,
          pipelineUsedMemoryDelta: pipelineUsedDelta,
          keptUsedMemoryDelta: keptUsedDelta,
        },
      },
      {
        bench: `transmissions: worker process resident memory, peak over ${runs} runs of ${N} (and its warm-ups)`,
        unit: 'MB',
        value: rssPeak,
        baseline: { name: 'the same process idle after boot', value: mb(idle.rss) },
        ratio: loaded.rssPeak / idle.rss,
        target: RSS_CEILING_MB,
        targetOn: 'value-at-most',
        pass: rssPeak <= RSS_CEILING_MB,
        extra: {
          measure: 'the peak resident size of the forked worker process since it started (VmHWM)',
          workerNodeOptions:
            process.env.BENCH_TRANSMISSIONS_WORKER_NODE_OPTIONS ?? WORKER_NODE_OPTIONS,
          heapUsedAfterRunsMaxMb: mb(loaded.heapUsedMax),
          rssAfterRunsMb: mb(loaded.rss),
        },
      },
    ];
  } finally {
    await worker?.stop();
    await admin?.end();
    await clock?.end();
    await redis.close();
    await rm(outboxDir, { recursive: true, force: true });
    const server = new pg.Client({ connectionString: SERVER });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await server.end();
  }
}
