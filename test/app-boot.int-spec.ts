import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';
import { PasserelleError } from '../src/modules/shared/passerelle-error.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { readRepoFile, repoPath } from './support/shipped-catalog.js';
import { clientsYaml, TEST_CLIENTS, writeClientsFile } from './support/test-clients.js';
import { testDataKey } from './support/ingest.js';
import { testAppEnv } from './support/test-app.js';

const apps: INestApplication[] = [];
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await database.drop();
});

const configWith = (contractsDir: string, env: Record<string, string> = {}) =>
  loadAppConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    PASSERELLE_CONTRACTS_DIR: contractsDir,
    PASSERELLE_CONFIG_DIR: repoPath('config'),
    PASSERELLE_CLIENTS_FILE: repoPath('config/clients.dev.yaml'),
    ...env,
  });

const bootFailure = (config: ReturnType<typeof configWith>): Promise<unknown> =>
  createApp(config, false).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (error: unknown) => error,
  );

describe('the gateway boot', () => {
  it('should start with the shipped contracts and answer its health checks', async () => {
    const app = await createApp(configWith(repoPath('contracts')), false);
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const live = await fetch(`${url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/health/ready`);
    expect(await ready.json()).toEqual({
      status: 'ok',
      contracts: 7,
      database: 'ok',
      register: 'ok',
      queue: 'ok',
    });
  });

  it('should refuse to start when a contract breaks a lint rule, with the same message as the linter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-boot-'));
    try {
      await cp(repoPath('contracts'), dir, { recursive: true });
      await writeFile(
        join(dir, 'airline-group-list.yaml'),
        readRepoFile('contracts/airline-group-list.yaml').replace(
          '  - participant.isMinor\n',
          '  - participant.isMinor\n  - participant.marketing\n',
        ),
      );
      const failure = await createApp(configWith(dir), false).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(PasserelleError);
      expect((failure as PasserelleError).code).toBe('CONTRACTS_INVALID');
      expect((failure as PasserelleError).message).toContain(
        `${join(dir, 'airline-group-list.yaml')}: fields[8]: participant.marketing never leaves Passerelle`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should refuse an invalid environment, naming the variable but not its value', () => {
    const refusalOf = (env: Record<string, string>): string => {
      try {
        loadAppConfig(env);
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
      throw new Error('the environment was accepted');
    };
    const both = refusalOf({ PASSERELLE_ROLE: 'boss', PORT: 'eighty' });
    expect(both).toContain('PORT: ');
    expect(both).toContain('PASSERELLE_ROLE: ');
    expect(both).not.toContain('boss');
    expect(both).not.toContain('eighty');
    const database = refusalOf({ DATABASE_URL: 'mysql://secret-password@db' });
    expect(database).toContain('DATABASE_URL: ');
    expect(database).not.toContain('secret-password');
  });

  it('should refuse to start on an invalid clients file, naming the file, the entry and the rule', async () => {
    const clients = await writeClientsFile(
      clientsYaml(TEST_CLIENTS).replace(/ {4}insurerId: INS-ASSUR-JEUNES\n/, ''),
    );
    try {
      const failure = await bootFailure(
        configWith(repoPath('contracts'), { PASSERELLE_CLIENTS_FILE: clients.file }),
      );
      expect(failure).toBeInstanceOf(PasserelleError);
      expect((failure as PasserelleError).code).toBe('CONFIG_INVALID');
      expect((failure as PasserelleError).message).toBe(
        `clients file ${clients.file} is invalid: clients[4].insurerId: required for role insurer`,
      );
    } finally {
      await clients.remove();
    }
  });

  it('should refuse the development clients file in production', async () => {
    const failure = await bootFailure(
      configWith(repoPath('contracts'), {
        NODE_ENV: 'production',
        // Production refuses a key that is a pattern (such as 32 times the same byte).
        PASSERELLE_DATA_KEY: testDataKey(),
      }),
    );
    expect((failure as PasserelleError).code).toBe('CONFIG_INVALID');
    expect((failure as PasserelleError).message).toContain(
      'the development clients file is refused in production',
    );
  });
});

describe('the environment in production', () => {
  it('should require a data key, and accept only 32 bytes of base64', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(
      'PASSERELLE_DATA_KEY: required in production',
    );
    expect(() => loadAppConfig({ PASSERELLE_DATA_KEY: 'c2hvcnQ=' })).toThrow(/PASSERELLE_DATA_KEY/);
    expect(
      loadAppConfig({
        PASSERELLE_DATA_KEY: Buffer.alloc(32, 1).toString('base64'),
        PASSERELLE_SECRET_HOTEL_ROOMING_PASSWORD: 'x',
      }).secrets,
    ).toEqual({
      PASSERELLE_SECRET_HOTEL_ROOMING_PASSWORD: 'x',
    });
  });
});

describe('a worker process over HTTP', () => {
  it('should answer its health checks and metrics only, not the API nor its documentation', async () => {
    const clients = await writeClientsFile();
    const app = await createApp(
      loadAppConfig({
        ...testAppEnv(database, clients.file),
        PASSERELLE_ROLE: 'worker',
        PASSERELLE_QUEUE_PREFIX: `pq_${database.name}_worker`,
        PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
      }),
      false,
    );
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const ops = TEST_CLIENTS.find((client) => client.role === 'ops');
    const get = (path: string) =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ops!.key}` } });
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
    for (const path of ['/v1/transmissions', '/v1/disclosures', '/docs', '/docs/json']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(await answer.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    // The whole error envelope, as every other error answer.
    expect(await (await get('/v1/transmissions')).json()).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String) as unknown, details: [] },
    });
  });
});
