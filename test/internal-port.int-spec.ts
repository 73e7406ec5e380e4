import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { freePort } from './support/loopback.js';
import { dropKeysUnder, TEST_REDIS_URL } from './support/redis.js';
import { testAppEnv } from './support/test-app.js';
import { clientOfRole, writeClientsFile } from './support/test-clients.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.js';

/**
 * `passerelle serve` (the built CLI) with `PASSERELLE_INTERNAL_PORT`: what operators read —
 * `/metrics`, `/docs` and the health checks — on the internal port only (loopback by
 * default); the API and the health checks on the public port, `/metrics` and `/docs` no
 * longer; both closed by SIGTERM.
 */

let database: TestDatabase;
let clients: Awaited<ReturnType<typeof writeClientsFile>>;
let env: Record<string, string>;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  clients = await writeClientsFile();
  env = { ...testAppEnv(database, clients.file), REDIS_URL: TEST_REDIS_URL };
});

afterAll(async () => {
  for (const gateway of started) await gateway.kill('SIGKILL');
  await dropKeysUnder(env.PASSERELLE_QUEUE_PREFIX ?? '');
  await clients.remove();
  await database.drop();
});

const statusOf = async (port: number, path: string, key?: string): Promise<number> =>
  (
    await fetch(`http://127.0.0.1:${port}${path}`, {
      ...(key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } }),
    })
  ).status;

describe('an internal port for what operators read', () => {
  it.each(['all', 'worker'] as const)(
    'should serve /metrics and /docs on the internal port only, the API on the public one (role %s)',
    async (role) => {
      const internal = await freePort();
      const gateway = await startWorkerProcess({
        ...env,
        PASSERELLE_ROLE: role,
        PASSERELLE_INTERNAL_PORT: String(internal),
      });
      started.push(gateway);
      const ops = clientOfRole('ops');

      // The internal port: metrics, documentation, health; nothing of the API.
      expect(await statusOf(internal, '/metrics')).toBe(200);
      expect(await statusOf(internal, '/health/live')).toBe(200);
      if (role === 'all') {
        expect(await statusOf(internal, '/docs/json')).toBe(200);
        expect(await statusOf(internal, '/docs')).toBe(200);
      }
      expect(await statusOf(internal, '/v1/transmissions', ops.key)).toBe(404);
      expect(await statusOf(internal, '/v1/register/verify', ops.key)).toBe(404);

      // The public port: the API (role all) and the health checks; no metrics, no docs.
      expect(await statusOf(gateway.port, '/health/live')).toBe(200);
      for (const path of ['/metrics', '/metrics/', '/docs', '/docs/json', '/docs/']) {
        const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`);
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
        expect(await response.text()).not.toContain('passerelle_');
      }
      if (role === 'all') {
        expect(await statusOf(gateway.port, '/v1/transmissions', ops.key)).toBe(200);
      }

      // SIGTERM closes both listeners, and the process exits 0.
      process.kill(gateway.pid, 'SIGTERM');
      const code = await Promise.race([gateway.exited, sleep(10_000).then(() => 'running')]);
      expect(code, gateway.output()).toBe(0);
      await expect(fetch(`http://127.0.0.1:${internal}/metrics`)).rejects.toThrow();
    },
    30_000,
  );

  /** A gateway (role `all`) with an internal port of its own. */
  const startSplitGateway = async () => {
    const internal = await freePort();
    const gateway = await startWorkerProcess({
      ...env,
      PASSERELLE_ROLE: 'all',
      PASSERELLE_INTERNAL_PORT: String(internal),
    });
    started.push(gateway);
    return { internal, gateway };
  };

  it('should answer /metrics and /docs on the public port as it answers a route that does not exist, byte for byte', async () => {
    const { internal, gateway } = await startSplitGateway();
    const answerOf = async (port: number, path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    };
    // Nothing tells an outsider that these paths are served elsewhere; and every error
    // answer is the whole envelope, `details` included.
    const unknown = await answerOf(gateway.port, '/no-such-route');
    expect(JSON.parse(unknown.body)).toEqual({
      error: { code: 'NOT_FOUND', message: 'not found', details: [] },
    });
    for (const path of ['/metrics', '/docs', '/docs/json']) {
      expect({ path, ...(await answerOf(gateway.port, path)) }).toEqual({ path, ...unknown });
    }
    expect(await answerOf(internal, '/v1/transmissions')).toEqual(unknown);
    await gateway.kill('SIGTERM');
  }, 30_000);

  it('should answer 404 for /metrics and /docs on the public port when the path is spelled in other case', async () => {
    const { gateway } = await startSplitGateway();
    // Express routes ignore case: the public listener must refuse what they would match.
    for (const path of ['/METRICS', '/Metrics/', '/DOCS', '/Docs/json']) {
      const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`);
      const text = await response.text();
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(text).not.toContain('passerelle_');
      expect(text).not.toContain('openapi');
    }
    await gateway.kill('SIGTERM');
  }, 30_000);
});
