import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { freePort } from './support/loopback.js';
import { dropKeysUnder, TEST_REDIS_URL } from './support/redis.js';
import { testAppEnv } from './support/test-app.js';
import { writeClientsFile } from './support/test-clients.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.js';

/**
 * `passerelle serve` (the built CLI, `npm test` builds it) stopped by a signal in every state
 * of its services: it must end promptly with 0 — not wait for ever on a Redis that does not
 * answer (a worker's close waited for its blocking connection to become ready) — and, when
 * something cannot close, end at its shutdown deadline with 1 and a line naming it.
 */

/** Well within the default deadline (15 s): a stop that needs the backstop fails these. */
const PROMPTLY_MS = 5_000;

/** How long `stopWith` waits before it calls the process still running. */
const WAIT_MS = 10_000;

/** Sends `signal`; the exit code (or signal), or `'still running'` after `limitMs` (then killed). */
async function stopWith(
  gateway: WorkerProcess,
  signal: NodeJS.Signals,
  limitMs = WAIT_MS,
): Promise<{ code: number | NodeJS.Signals | 'still running'; ms: number }> {
  const started = performance.now();
  process.kill(gateway.pid, signal);
  const code = await Promise.race([
    gateway.exited,
    sleep(limitMs).then(() => 'still running' as const),
  ]);
  if (code === 'still running') await gateway.kill('SIGKILL');
  return { code, ms: performance.now() - started };
}

/** Waits until `/health/ready` answers 200: PostgreSQL and Redis connected. */
async function ready(gateway: WorkerProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const response = await fetch(`http://127.0.0.1:${gateway.port}/health/ready`).catch(
      () => undefined,
    );
    if (response?.status === 200) return;
    await sleep(100);
  }
  throw new Error(`the gateway did not become ready:\n${gateway.output()}`);
}

const logLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('passerelle serve stopped by a signal', () => {
  let database: TestDatabase;
  let clients: Awaited<ReturnType<typeof writeClientsFile>>;
  let env: Record<string, string>;
  const started: WorkerProcess[] = [];
  const redisServers: PrivateRedis[] = [];
  let postgres: PrivatePostgres | undefined;

  const start = async (overrides: Record<string, string>): Promise<WorkerProcess> => {
    const gateway = await startWorkerProcess({ ...env, ...overrides });
    started.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    clients = await writeClientsFile();
    env = {
      ...testAppEnv(database, clients.file),
      REDIS_URL: TEST_REDIS_URL,
      PASSERELLE_ROLE: 'all',
    };
  });

  afterAll(async () => {
    for (const gateway of started) await gateway.kill('SIGKILL');
    for (const redis of redisServers) await redis.close();
    await postgres?.close();
    await dropKeysUnder(env.PASSERELLE_QUEUE_PREFIX ?? '');
    await clients.remove();
    await database.drop();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'should exit 0 promptly on %s when PostgreSQL and Redis are up',
    async (signal) => {
      const gateway = await start({});
      await ready(gateway);
      const stopped = await stopWith(gateway, signal);
      expect(stopped.code, gateway.output()).toBe(0);
      expect(stopped.ms).toBeLessThan(PROMPTLY_MS);
      expect(logLines(gateway.output()).map((line) => line.msg)).toContain('closed');
    },
    30_000,
  );

  it.each(['api', 'worker', 'all'] as const)(
    'should exit 0 promptly on SIGTERM when Redis was never reachable (role %s)',
    async (role) => {
      const port = await freePort();
      const gateway = await start({
        PASSERELLE_ROLE: role,
        REDIS_URL: `redis://:s3cret-redis-pw@127.0.0.1:${port}`,
      });
      // The workers' connections retry meanwhile (every second or so).
      await sleep(1_500);
      const stopped = await stopWith(gateway, 'SIGTERM');
      expect(stopped.code, gateway.output()).toBe(0);
      expect(stopped.ms).toBeLessThan(PROMPTLY_MS);
      expect(gateway.output()).not.toContain('s3cret-redis-pw');
      // Everything it wrote is a JSON log line: no library's error printed whole (ioredis
      // prints an error nobody listens for, with its message and stack).
      const raw = gateway
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('{'));
      expect(raw).toEqual([]);
    },
    30_000,
  );

  it('should exit 0 promptly on SIGTERM when Redis was lost while it ran', async () => {
    const redis = await startPrivateRedis();
    redisServers.push(redis);
    const gateway = await start({ REDIS_URL: redis.url });
    await ready(gateway);
    await redis.close();
    // Its connections notice at once and start retrying.
    await sleep(1_500);
    const stopped = await stopWith(gateway, 'SIGTERM');
    expect(stopped.code, gateway.output()).toBe(0);
    expect(stopped.ms).toBeLessThan(PROMPTLY_MS);
  }, 30_000);

  it('should exit 0 promptly on SIGTERM when PostgreSQL was lost while it ran', async () => {
    postgres = await startPrivatePostgres();
    const own = await postgres.createDatabase();
    // The gateway's own pools only: the test's are closed before the server goes.
    await own.db.destroy();
    const gateway = await start({ DATABASE_URL: own.url });
    await ready(gateway);
    await postgres.stop();
    await sleep(1_500);
    const stopped = await stopWith(gateway, 'SIGTERM');
    expect(stopped.code, gateway.output()).toBe(0);
    expect(stopped.ms).toBeLessThan(PROMPTLY_MS);
  }, 60_000);

  it('should exit 1 at its shutdown deadline naming what did not close when a request never ends', async () => {
    const gateway = await start({ PASSERELLE_SHUTDOWN_TIMEOUT_MS: '2000' });
    await ready(gateway);
    // A request whose body never arrives keeps its connection, and so the HTTP server, open.
    const socket: Socket = connect(gateway.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(
      'POST /v1/trips/T1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":',
    );
    await sleep(300);
    try {
      const stopped = await stopWith(gateway, 'SIGTERM');
      expect(stopped.code, gateway.output()).toBe(1);
      expect(stopped.ms).toBeGreaterThanOrEqual(1_900);
      expect(stopped.ms).toBeLessThan(2_000 + PROMPTLY_MS);
      const line = logLines(gateway.output()).find(
        (entry) =>
          typeof entry.msg === 'string' && entry.msg.startsWith('shutdown stopped waiting'),
      );
      // The pool closes after the HTTP server (its requests use it): it is still open too.
      expect(line, gateway.output()).toMatchObject({
        level: 'error',
        notClosed: ['HTTP server', 'database pool'],
      });
    } finally {
      socket.destroy();
    }
  }, 30_000);
});
