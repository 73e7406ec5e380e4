import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';
import {
  declaredRoutes,
  registeredRoutes,
  samplePath,
  type DeclaredRoute,
} from './support/route-catalog.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { repoPath } from './support/shipped-catalog.js';
import { TEST_CLIENTS, writeClientsFile } from './support/test-clients.js';

/**
 * The authorization matrix: every route the app registers × { no key, an unknown key, each
 * client } answers 401 / 403 / neither, as its @Roles or @Public says. Routes are
 * discovered from Nest's metadata, so a route added by any module is covered here without
 * touching this file.
 */

let app: INestApplication;
let url: string;
let removeClients: () => Promise<void>;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const clients = await writeClientsFile();
  removeClients = clients.remove;
  const services = Object.fromEntries(
    (['REDIS_URL'] as const).flatMap((name) =>
      process.env[name] === undefined ? [] : [[name, process.env[name]]],
    ),
  );
  app = await createApp(
    loadAppConfig({
      ...services,
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      PASSERELLE_CONTRACTS_DIR: repoPath('contracts'),
      PASSERELLE_CONFIG_DIR: repoPath('config'),
      PASSERELLE_CLIENTS_FILE: clients.file,
    }),
    false,
  );
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
}, 60_000);

afterAll(async () => {
  await app.close();
  await removeClients();
  await database.drop();
});

const DOCS_ROUTE = /^GET \/docs(\/|$)/;

interface Caller {
  readonly name: string;
  readonly headers: Record<string, string>;
  /** What the route must answer this caller: 401, 403, or neither. */
  readonly expected: (route: DeclaredRoute) => 'UNAUTHENTICATED' | 'FORBIDDEN' | 'allowed';
}

const callers: readonly Caller[] = [
  {
    name: 'no key',
    headers: {},
    expected: (route) => (route.access.kind === 'public' ? 'allowed' : 'UNAUTHENTICATED'),
  },
  {
    name: 'an unknown key',
    headers: { authorization: 'Bearer not-a-client-key-3c9f' },
    expected: (route) => (route.access.kind === 'public' ? 'allowed' : 'UNAUTHENTICATED'),
  },
  ...TEST_CLIENTS.map((client): Caller => ({
    name: client.id,
    headers: { authorization: `Bearer ${client.key}` },
    expected: (route) =>
      route.access.kind === 'public' || route.access.roles.includes(client.role)
        ? 'allowed'
        : 'FORBIDDEN',
  })),
];

const outcomeOf = (status: number): string =>
  status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : 'allowed';

async function call(route: { method: string; path: string }, headers: Record<string, string>) {
  const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  const response = await fetch(`${url}${samplePath(route.path)}`, {
    method: route.method,
    headers: withBody ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(withBody ? { body: '{}' } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the authorization matrix', () => {
  it('should find the routes from Nest metadata, and every route Express serves among them or the docs', () => {
    const declared = declaredRoutes(app).map((route) => `${route.method} ${route.path}`);
    expect(declared).toEqual(
      expect.arrayContaining(['GET /health/live', 'GET /health/ready', 'GET /metrics']),
    );
    const undeclared = registeredRoutes(app).filter(
      (route) => !declared.includes(route) && !DOCS_ROUTE.test(route),
    );
    expect(undeclared).toEqual([]);
  });

  it('should have every route either @Public or naming at least one role (deny by default)', () => {
    const closed = declaredRoutes(app)
      .filter((route) => route.access.kind === 'roles' && route.access.roles.length === 0)
      .map((route) => `${route.method} ${route.path} (${route.controller}.${route.handler})`);
    expect(closed, 'routes without @Roles or @Public answer 403 to everyone').toEqual([]);
  });

  it('should answer 401, 403 or neither to each caller on each route, as the route declares', async () => {
    const mismatches: string[] = [];
    for (const route of declaredRoutes(app)) {
      for (const caller of callers) {
        const status = await call(route, caller.headers);
        const expected = caller.expected(route);
        if (outcomeOf(status) !== expected) {
          mismatches.push(
            `${route.method} ${route.path} as ${caller.name}: ${status}, expected ${expected}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  it('should serve the documentation routes (registered by @nestjs/swagger, outside the guard) to anyone', async () => {
    const docs = registeredRoutes(app).filter((route) => DOCS_ROUTE.test(route));
    expect(docs).toEqual(expect.arrayContaining(['GET /docs', 'GET /docs/json']));
    for (const route of docs) {
      const [method = 'GET', path = '/'] = route.split(' ');
      expect(outcomeOf(await call({ method, path }, {})), route).toBe('allowed');
    }
    expect(await call({ method: 'GET', path: '/docs' }, {})).toBe(200);
    expect(await call({ method: 'GET', path: '/docs/json' }, {})).toBe(200);
  });
});
