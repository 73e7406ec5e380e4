import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import type { Booking } from '../src/core/model/booking.js';
import type { Trip } from '../src/core/model/trip.js';
import { gatewayEnv } from './gateway-env.js';
import { inParallel, type BenchResult } from './harness.js';
import { startPrivateRedis } from './private-redis.js';
import { cpuBetween, cpuOfProcesses } from './process-cpu.js';
import { tripVariant } from './trip-variant.js';

const CONCURRENCY = 50;
const TRIPS = Number(process.env.BENCH_EMERGENCY_TRIPS ?? 40);
const ROUND_MS = Number(process.env.BENCH_EMERGENCY_ROUND_MS ?? 4000);
const ROUNDS = 3;
const WARM_MS = 1500;
const SERVER =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
/** The development clients file's keys (config/clients.dev.yaml). */
const INGEST_KEY = 'dev-ingest-key-passerelle-demo';
const INSURER_KEY = 'dev-insurer-mutuelle-key-passerelle-demo';
const INSURER = 'INS-MUTUELLE-VOYAGE';

interface Sampled {
  /** CPU ms of the API process and of the database's backends during the round. */
  readonly apiCpuMs: number;
  readonly postgresCpuMs: number;
  readonly latencies: number[];
  readonly requests: number;
  readonly seconds: number;
  readonly statuses: Map<number, number>;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** `CONCURRENCY` callers, each sending its next request when its last is answered, for `ms`. */
async function load(
  pool: Pool,
  ms: number,
  next: (i: number) => { method: 'GET' | 'POST'; path: string; body?: string },
  pids: () => Promise<{ api: number[]; postgres: number[] }>,
): Promise<Sampled> {
  const watched = await pids();
  const cpuBefore = await cpuOfProcesses([...watched.api, ...watched.postgres]);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let counter = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const call = next(counter++);
        const at = performance.now();
        const response = await pool.request({
          method: call.method,
          path: call.path,
          headers: {
            authorization: `Bearer ${INSURER_KEY}`,
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(call.body === undefined ? {} : { body: call.body }),
        });
        await response.body.dump();
        latencies.push(performance.now() - at);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await cpuOfProcesses([...watched.api, ...watched.postgres]);
  const only = (ids: number[]) => new Map([...cpuAfter].filter(([pid]) => ids.includes(pid)));
  return {
    apiCpuMs: cpuBetween(cpuBefore, only(watched.api)),
    postgresCpuMs: cpuBetween(cpuBefore, only(watched.postgres)),
    latencies,
    requests: latencies.length,
    seconds,
    statuses,
  };
}

function merge(runs: readonly Sampled[]) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, n] of run.statuses) statuses[status] = (statuses[status] ?? 0) + n;
  }
  return {
    apiCpuMsEach: runs.reduce((n, r) => n + r.apiCpuMs, 0) / requests,
    postgresCpuMsEach: runs.reduce((n, r) => n + r.postgresCpuMs, 0) / requests,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: requests / seconds,
    requests,
    statuses: JSON.stringify(statuses),
    /** Each round's p99 (ms), in order: how far the machine's noise moved the merged one. */
    roundP99s: runs
      .map((r) =>
        percentile(
          [...r.latencies].sort((a, b) => a - b),
          99,
        ).toFixed(1),
      )
      .join(' '),
  };
}

/** The recommended Node options of an API process (README, "Processes"). */
const API_NODE_OPTIONS = '--max-semi-space-size=32';

async function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(new URL('./emergency-server.js', import.meta.url), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // BENCH_EMERGENCY_CPU_PROFILE=<dir>: a V8 CPU profile of the API process, for looking into it.
    // The API process as the README recommends deploying it; BENCH_EMERGENCY_NODE_OPTIONS to
    // try others (an empty value: Node's defaults).
    execArgv: [
      ...(process.env.BENCH_EMERGENCY_NODE_OPTIONS ?? API_NODE_OPTIONS).split(' ').filter(Boolean),
      ...(process.env.BENCH_EMERGENCY_CPU_PROFILE === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_EMERGENCY_CPU_PROFILE}`]),
    ],
  });
  const [message] = (await once(child, 'message')) as [{ type: string; url: string }];
  return { child, url: message.url };
}

/**
 * The emergency endpoint against a bare authenticated endpoint of the same app that reads
 * one row (`GET /v1/emergency/requests/{id}`, the insurer's receipt), at 50 concurrent
 * callers on keep-alive connections, in a separate API process: alternating rounds of each,
 * p50, p99 and requests per second of both. Every emergency request is a real release
 * (rate limit in Redis, policy lookup, trip decrypted, projection, register append, request
 * kept sealed) of one of `TRIPS × 5` insured participants, in turn.
 */
export async function benchEmergency(root: string): Promise<BenchResult> {
  const redis = await startPrivateRedis();
  const name = `passerelle_bench_em_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const env = gatewayEnv(root, url.toString(), redis.url, {
    PASSERELLE_ROLE: 'api',
    PASSERELLE_QUEUE_PREFIX: 'bench-emergency',
    // The limiter runs on every request, but does not stop the benchmark.
    PASSERELLE_EMERGENCY_RATE_LIMIT: '1000000',
  });
  let server: { child: ChildProcess; url: string } | undefined;
  let pool: Pool | undefined;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  try {
    server = await startServer(env);
    pool = new Pool(server.url, { connections: CONCURRENCY, pipelining: 1 });
    const http = pool;
    const put = async (path: string, body: unknown, key = INGEST_KEY) => {
      const response = await http.request({
        method: 'PUT',
        path,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`${path}: ${response.statusCode} ${text}`);
    };

    // Trips running now, every participant insured by the calling insurer, policies unique.
    const sample = {
      trip: JSON.parse(readFileSync(join(root, 'samples/trip-nyc.json'), 'utf8')) as Trip,
      bookings: JSON.parse(
        readFileSync(join(root, 'samples/bookings-nyc.json'), 'utf8'),
      ) as Booking[],
    };
    const running = tripStartingIn(sample.trip, -1, new Date());
    const policies: string[] = [];
    await inParallel(TRIPS, 4, async (n) => {
      const variant = tripVariant({ ...sample, trip: running }, n);
      await put(`/v1/trips/${variant.trip.id}`, variant.trip);
      for (const booking of variant.bookings) {
        const insured = {
          ...booking,
          participants: booking.participants.map((p) => {
            policies.push(`P-${p.id}`);
            return { ...p, insurance: { insurerId: INSURER, policyNumber: `P-${p.id}` } };
          }),
        };
        await put(`/v1/bookings/${booking.reference}`, insured);
      }
    });
    // The ingest (and the benchmarks before this one) leave PostgreSQL work to do in the
    // background — autovacuum and analyze of the tables just filled, a checkpoint's writes —
    // that competed with the first rounds. Done now, before anything is measured, as the
    // transmission bench does: the tables then have their statistics, as they would in use.
    await settle(url.toString());

    const emergency = (i: number) => ({
      method: 'POST' as const,
      path: '/v1/emergency/requests',
      body: JSON.stringify({
        policyNumber: policies[i % policies.length],
        incidentReference: `BENCH-${i}`,
        reason: 'Benchmark: the participant is hurt and the assistance team needs the essentials.',
        requestedBy: 'Bench Agent',
      }),
    });
    // One release to read back: the bare endpoint's row.
    const first = await http.request({
      method: 'POST',
      path: '/v1/emergency/requests',
      headers: { authorization: `Bearer ${INSURER_KEY}`, 'content-type': 'application/json' },
      body: emergency(0).body,
    });
    await first.body.dump();
    const requestId = first.headers['passerelle-request-id'];
    if (first.statusCode !== 200 || typeof requestId !== 'string') {
      throw new Error(`the first emergency request answered ${first.statusCode}`);
    }
    const receipt = () => ({ method: 'GET' as const, path: `/v1/emergency/requests/${requestId}` });
    const apiPid = server.child.pid ?? 0;
    const watch = async () => {
      const backends = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      return { api: [apiPid], postgres: backends.rows.map((row) => row.pid) };
    };

    await load(http, WARM_MS, receipt, watch);
    await load(http, WARM_MS, emergency, watch);
    const subject: Sampled[] = [];
    const baseline: Sampled[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      baseline.push(await load(http, ROUND_MS, receipt, watch));
      subject.push(await load(http, ROUND_MS, emergency, watch));
    }
    const s = merge(subject);
    const b = merge(baseline);
    const ratio = s.p99 / b.p99;
    return {
      bench: `emergency: POST /v1/emergency/requests p99 at ${CONCURRENCY} concurrent callers`,
      unit: 'ms',
      value: s.p99,
      baseline: {
        name: 'GET /v1/emergency/requests/{id} (authenticated, one row) p99',
        value: b.p99,
      },
      ratio,
      target: 2,
      targetOn: 'ratio-at-most',
      perSecond: false,
      pass: ratio <= 2,
      extra: {
        concurrency: CONCURRENCY,
        apiNodeOptions: process.env.BENCH_EMERGENCY_NODE_OPTIONS ?? API_NODE_OPTIONS,
        insured: policies.length,
        'emergency.apiCpuMsEach': s.apiCpuMsEach.toFixed(3),
        'emergency.postgresCpuMsEach': s.postgresCpuMsEach.toFixed(3),
        'emergency.p50Ms': s.p50.toFixed(2),
        'emergency.p99Ms': s.p99.toFixed(2),
        'emergency.rps': Math.round(s.rps),
        'emergency.requests': s.requests,
        'emergency.statuses': s.statuses,
        'emergency.roundP99s': s.roundP99s,
        'oneRow.apiCpuMsEach': b.apiCpuMsEach.toFixed(3),
        'oneRow.postgresCpuMsEach': b.postgresCpuMsEach.toFixed(3),
        'oneRow.p50Ms': b.p50.toFixed(2),
        'oneRow.p99Ms': b.p99.toFixed(2),
        'oneRow.rps': Math.round(b.rps),
        'oneRow.requests': b.requests,
        'oneRow.statuses': b.statuses,
        'oneRow.roundP99s': b.roundP99s,
      },
    };
  } finally {
    await pool?.close();
    if (server !== undefined) {
      server.child.send({ type: 'stop' });
      await Promise.race([once(server.child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
      server.child.kill('SIGKILL');
    }
    await redis.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** `VACUUM (ANALYZE)` of the database at `databaseUrl`, then a checkpoint of the server. */
async function settle(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
