import type { INestApplication } from '@nestjs/common';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { createApp } from '../../src/main.js';
import { JsonLogger } from '../../src/modules/logging/json-logger.js';
import type { Role } from '../../src/modules/auth/api-client.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { dropKeysUnder } from './redis.js';
import { repoPath } from './shipped-catalog.js';
import { clientOfRole, writeClientsFile } from './test-clients.js';

export interface TestApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly config: AppConfig;
  readonly database: TestDatabase;
  /** Calls the API as a client of `role` (or without a key). */
  readonly call: (
    method: string,
    path: string,
    options?: { role?: Role; body?: unknown },
  ) => Promise<Response>;
  readonly close: () => Promise<void>;
}

/**
 * The environment of a test gateway: its database, the test's Redis, the shipped contracts
 * and configuration, the test clients, and a queue keyspace of its own (named after its
 * database, removed at close).
 */
export function testAppEnv(
  database: Pick<TestDatabase, 'url' | 'name'>,
  clientsFile: string,
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    ...(process.env.REDIS_URL === undefined ? {} : { REDIS_URL: process.env.REDIS_URL }),
    PASSERELLE_CONTRACTS_DIR: repoPath('contracts'),
    PASSERELLE_CONFIG_DIR: repoPath('config'),
    PASSERELLE_CLIENTS_FILE: clientsFile,
    PASSERELLE_QUEUE_PREFIX: `pq_${database.name}`,
  };
}

/** The gateway on a free loopback port, with a database of its own and one client per role. */
export async function startTestApp(
  env: Readonly<Record<string, string>> = {},
  options: {
    /** Collects the app's JSON log lines (error, warn, log). */ readonly logLines?: string[];
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const clients = await writeClientsFile();
  const config = loadAppConfig({ ...testAppEnv(database, clients.file), ...env });
  const lines = options.logLines;
  const app = await createApp(
    config,
    lines === undefined
      ? false
      : new JsonLogger({
          levels: ['error', 'warn', 'log'],
          destination: {
            write: (line: string) => {
              lines.push(line);
            },
          },
        }),
  );
  return listening(app, config, database, async () => {
    await clients.remove();
    await database.drop();
  });
}

/**
 * A created gateway put on a free loopback port, as a `TestApp`: its close stops it, removes
 * its queue's keys, then does `afterClose` (what else the caller set up for it).
 */
export async function listening(
  app: INestApplication,
  config: AppConfig,
  database: TestDatabase,
  afterClose: () => Promise<void> = () => Promise.resolve(),
): Promise<TestApp> {
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    url,
    config,
    database,
    call: (method, path, options = {}) =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          ...(options.role === undefined
            ? {}
            : { authorization: `Bearer ${clientOfRole(options.role).key}` }),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      }),
    close: async () => {
      await app.close();
      await dropKeysUnder(config.queuePrefix);
      await afterClose();
    },
  };
}
