import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from './support/database.js';
import { startFreezableProxy, type FreezableProxy } from './support/freezable-proxy.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { dropKeysUnder } from './support/redis.js';
import { testAppEnv } from './support/test-app.js';
import { clientOfRole, writeClientsFile } from './support/test-clients.js';

/**
 * What the health checks tell an orchestrator, per role, when a dependency fails: readiness
 * goes false when this process cannot do its work — PostgreSQL hung or away, the register
 * read-only, Redis for a worker — answered within its bound, never hanging with the
 * dependency; liveness stays true (a restart would not help); nothing but states leaves.
 */

interface Gateway {
  readonly app: INestApplication;
  readonly url: string;
  readonly prefix: string;
}

let database: TestDatabase;
let clients: Awaited<ReturnType<typeof writeClientsFile>>;
const gateways: Gateway[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  clients = await writeClientsFile();
});
afterAll(async () => {
  for (const gateway of gateways) {
    await gateway.app.close();
    await dropKeysUnder(gateway.prefix);
  }
  await clients.remove();
  await database.drop();
});

async function startGateway(env: Record<string, string>, databaseUrl = database.url) {
  const prefix = `pq_${database.name}_${gateways.length}`;
  const app = await createApp(
    loadAppConfig({
      ...testAppEnv({ url: databaseUrl, name: database.name }, clients.file),
      PASSERELLE_QUEUE_PREFIX: prefix,
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
      ...env,
    }),
    false,
  );
  await app.listen(0, '127.0.0.1');
  const gateway = { app, url: await app.getUrl(), prefix };
  gateways.push(gateway);
  return gateway;
}

/** The answer, and how long it took. */
async function probe(
  gateway: Gateway,
  path: string,
): Promise<{ status: number; body: Record<string, unknown>; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${gateway.url}${path}`, { signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  return {
    status: response.status,
    body: JSON.parse(text) as Record<string, unknown>,
    text,
    ms: performance.now() - started,
  };
}

describe('readiness and liveness when PostgreSQL hangs', () => {
  let proxy: FreezableProxy;
  let gateway: Gateway;
  beforeAll(async () => {
    const server = new URL(TEST_SERVER_URL);
    proxy = await startFreezableProxy(server.hostname, Number(server.port || 5432));
    const through = new URL(database.url);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    gateway = await startGateway({ PASSERELLE_ROLE: 'api' }, through.toString());
  }, 60_000);
  afterAll(async () => {
    proxy.thaw();
    await proxy.close();
  });

  it('should answer not ready within its bound, and stay live, while PostgreSQL does not answer', async () => {
    expect((await probe(gateway, '/health/ready')).status).toBe(200);
    proxy.freeze();
    try {
      const ready = await probe(gateway, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(4000);
      expect(ready.body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
      const live = await probe(gateway, '/health/live');
      expect(live.status).toBe(200);
      expect(live.ms).toBeLessThan(1000);
    } finally {
      proxy.thaw();
    }
    const again = await probe(gateway, '/health/ready');
    expect(again.status).toBe(200);
  }, 30_000);
});

describe('readiness when Redis does not answer, per role', () => {
  let redis: PrivateRedis;
  let api: Gateway;
  let worker: Gateway;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    api = await startGateway({ PASSERELLE_ROLE: 'api', REDIS_URL: redis.url });
    worker = await startGateway({ PASSERELLE_ROLE: 'worker', REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    redis.thaw();
    await redis.close();
  });

  it('should keep an api process ready (it needs no Redis to serve) and take a worker out, then back', async () => {
    expect((await probe(api, '/health/ready')).body).toMatchObject({ status: 'ok', queue: 'ok' });
    expect((await probe(worker, '/health/ready')).status).toBe(200);
    redis.freeze();
    try {
      const [apiReady, workerReady, workerLive] = await Promise.all([
        probe(api, '/health/ready'),
        probe(worker, '/health/ready'),
        probe(worker, '/health/live'),
      ]);
      // Emergency releases and ingest never wait on Redis: the api stays in service, and
      // says what it sees.
      expect(apiReady.status).toBe(200);
      expect(apiReady.body).toMatchObject({ status: 'ok', database: 'ok', queue: 'unavailable' });
      expect(apiReady.ms).toBeLessThan(4000);
      expect(workerReady.status).toBe(503);
      expect(workerReady.ms).toBeLessThan(4000);
      expect(workerLive.status).toBe(200);
    } finally {
      redis.thaw();
    }
    expect((await probe(worker, '/health/ready')).status).toBe(200);
  }, 30_000);
});

describe('readiness when the register cannot be appended to', () => {
  let gateway: Gateway;
  const readOnly = async (on: boolean) => {
    await database.admin(
      `ALTER DATABASE "${database.name}" ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`,
    );
    // Every session but this one starts again, with the database's setting.
    await database.admin(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
  };
  beforeAll(async () => {
    gateway = await startGateway({ PASSERELLE_ROLE: 'api' });
  }, 60_000);
  afterAll(async () => {
    await readOnly(false);
  });

  it('should answer not ready while the database is read-only (a failover to a standby, a full disk), then ready', async () => {
    expect((await probe(gateway, '/health/ready')).body).toMatchObject({ register: 'ok' });
    await readOnly(true);
    try {
      const ready = await probe(gateway, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.text).not.toMatch(/read-only transaction|25006|SQLSTATE/);
      // The register reads that must be recorded fail closed, and the metric counts it.
      const read = await fetch(`${gateway.url}/v1/disclosures`, {
        headers: { authorization: `Bearer ${clientOfRole('ops').key}` },
      });
      expect(read.status).toBe(503);
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/^passerelle_register_append_failures_total [1-9]/m);
    } finally {
      await readOnly(false);
    }
    expect((await probe(gateway, '/health/ready')).status).toBe(200);
  }, 30_000);
});

describe('what the health checks answer', () => {
  it('should give states only: no version, host name, address or error text', async () => {
    const gateway = await startGateway({ PASSERELLE_ROLE: 'all' });
    const ready = await probe(gateway, '/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body).sort()).toEqual(
      ['contracts', 'database', 'queue', 'register', 'status'].sort(),
    );
    const live = await probe(gateway, '/health/live');
    expect(live.body).toEqual({ status: 'ok' });
    for (const text of [ready.text, live.text]) {
      expect(text).not.toMatch(/127\.0\.0\.1|localhost|postgres|redis:|version|\d+\.\d+\.\d+/i);
    }
  }, 30_000);
});
