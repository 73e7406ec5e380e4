import { Body, Controller, Get, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { createAppFromModule } from '../src/main.js';
import { Roles } from '../src/modules/auth/access.decorators.js';
import type { ApiClient } from '../src/modules/auth/api-client.js';
import { CurrentClient } from '../src/modules/auth/current-client.decorator.js';
import { JsonLogger } from '../src/modules/logging/json-logger.js';
import { PasserelleError } from '../src/modules/shared/passerelle-error.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { repoPath } from './support/shipped-catalog.js';
import { clientOfRole, writeClientsFile } from './support/test-clients.js';

// Values that must never reach a log line, a metric or an error answer.
const PARTICIPANT_ID = 'P-ZOE-4242';
const NAME = 'Zoé Martin';
const CARD = '4111111111111111';

class ProbeItemDto {
  @IsInt() qty!: number;
}

class ProbeDto {
  @IsString() @MaxLength(10) name!: string;
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProbeItemDto)
  items?: ProbeItemDto[];
}

/** Routes shaped like the real ones, to watch the platform around them. */
@Controller('v1/probe')
class ProbeController {
  @Roles('ops', 'auditor', 'insurer')
  @Get('subjects/:participantId/disclosures')
  disclosures(@Param('participantId') _participantId: string, @CurrentClient() client: ApiClient) {
    return { client };
  }

  @Roles('ingest')
  @Post('documents')
  store(@Body() body: ProbeDto): { stored: number } {
    return { stored: body.items?.length ?? 0 };
  }

  @Roles('ops')
  @Get('boom')
  boom(): never {
    throw new Error(`could not read the booking of ${NAME}`);
  }

  @Roles('ops')
  @Get('refused')
  refused(): never {
    throw new PasserelleError('NOT_PENDING', 'the transmission is not pending', [
      { path: 'status', rule: 'must be pending' },
    ]);
  }

  /** Without @Roles: closed to everyone. */
  @Get('closed')
  closed(): string {
    return 'never';
  }
}

const lines: string[] = [];
const logged = (): Record<string, unknown>[] =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const accessLines = () => logged().filter((entry) => entry.msg === 'request');

let app: INestApplication;
let url: string;
let removeClients: () => Promise<void>;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const clients = await writeClientsFile();
  removeClients = clients.remove;
  const config = loadAppConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    PASSERELLE_CONTRACTS_DIR: repoPath('contracts'),
    PASSERELLE_CONFIG_DIR: repoPath('config'),
    PASSERELLE_CLIENTS_FILE: clients.file,
  });
  @Module({ imports: [AppModule.forRoot(config)], controllers: [ProbeController] })
  class ProbeAppModule {}
  const logger = new JsonLogger({
    levels: ['error', 'warn', 'log'],
    destination: { write: (line: string) => void lines.push(line) },
  });
  app = await createAppFromModule(ProbeAppModule, logger);
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
});

afterAll(async () => {
  await app.close();
  await removeClients();
  await database.drop();
});

const bearer = (role: Parameters<typeof clientOfRole>[0]) => ({
  authorization: `Bearer ${clientOfRole(role).key}`,
});

async function errorOf(response: Response) {
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as unknown };
}

describe('the access log', () => {
  it('should log the route pattern, status and client id, and never the participant id, the query or the key', async () => {
    const path = `/v1/probe/subjects/${PARTICIPANT_ID}/disclosures?name=${encodeURIComponent(NAME)}&q=${CARD}`;
    const ok = await fetch(`${url}${path}`, { headers: bearer('ops') });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ client: { id: 'test-ops', role: 'ops' } });
    expect((await fetch(`${url}${path}`)).status).toBe(401);
    expect((await fetch(`${url}/v1/unknown/${PARTICIPANT_ID}?name=${NAME}`)).status).toBe(404);

    const pattern = '/v1/probe/subjects/:participantId/disclosures';
    await vi.waitFor(() => {
      expect(accessLines().length).toBeGreaterThanOrEqual(3);
    });
    expect(accessLines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'info',
          context: 'http',
          method: 'GET',
          route: pattern,
          status: 200,
          clientId: 'test-ops',
          durationMs: expect.any(Number) as number,
          time: expect.any(String) as string,
        }),
        expect.objectContaining({ route: pattern, status: 401 }),
        expect.objectContaining({ route: '(unmatched)', status: 404 }),
      ]),
    );
    const all = lines.join('\n');
    for (const secret of [
      PARTICIPANT_ID,
      'Zoé',
      'Zo%C3%A9',
      'Martin',
      CARD,
      clientOfRole('ops').key,
      'Bearer',
      'name=',
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('should log an unexpected error by its class and frames, without its message', async () => {
    const response = await fetch(`${url}/v1/probe/boom`, { headers: bearer('ops') });
    const { status, body, text } = await errorOf(response);
    expect(status).toBe(500);
    // A 5xx names the request (X-Request-Id), for the caller to quote to support.
    expect(body).toEqual({
      error: {
        code: 'INTERNAL',
        message: 'internal error',
        details: [],
        requestId: response.headers.get('x-request-id'),
      },
    });
    expect(text).not.toContain('Zoé');
    await vi.waitFor(() => {
      expect(logged()).toContainEqual(
        expect.objectContaining({ level: 'error', msg: 'unexpected error', errorName: 'Error' }),
      );
    });
    expect(lines.join('\n')).not.toContain('Zoé');
  });
});

describe('the metrics', () => {
  it('should expose default and HTTP metrics labelled with route patterns, without a key', async () => {
    await fetch(`${url}/v1/probe/subjects/${PARTICIPANT_ID}/disclosures`, {
      headers: bearer('ops'),
    });
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/v1\/probe\/subjects\/:participantId\/disclosures",status="200"\} \d+/,
    );
    expect(text).toContain('http_request_duration_seconds_bucket{');
    expect(text).toContain('route="(unmatched)"');
    expect(text).not.toContain(PARTICIPANT_ID);
  });
});

describe('the error answers', () => {
  it('should answer 401 UNAUTHENTICATED with a Bearer challenge for no key and an unknown key', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-known-key' },
      { authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${url}/v1/probe/refused`, { headers });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      const { status, body, text } = await errorOf(response);
      expect(status).toBe(401);
      expect(body).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'a valid API key is required', details: [] },
      });
      expect(text).not.toContain('not-a-known-key');
    }
  });

  it('should answer 403 FORBIDDEN for a role the route does not name, and for a route without @Roles', async () => {
    const wrongRole = await errorOf(
      await fetch(`${url}/v1/probe/refused`, { headers: bearer('auditor') }),
    );
    expect(wrongRole.status).toBe(403);
    expect(wrongRole.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    for (const role of ['ingest', 'ops', 'auditor', 'insurer'] as const) {
      const closed = await fetch(`${url}/v1/probe/closed`, { headers: bearer(role) });
      expect(closed.status).toBe(403);
    }
  });

  it('should give the insurer binding to handlers through @CurrentClient', async () => {
    const response = await fetch(`${url}/v1/probe/subjects/x/disclosures`, {
      headers: bearer('insurer'),
    });
    expect(await response.json()).toEqual({
      client: { id: 'test-insurer-a', role: 'insurer', insurerId: 'INS-MUTUELLE-VOYAGE' },
    });
  });

  it('should answer without an ETag, a digest of the body (personal data on most routes)', async () => {
    const response = await fetch(`${url}/v1/probe/subjects/x/disclosures`, {
      headers: bearer('insurer'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBeNull();
    // And so never a 304 for a request that names the body it has.
    const again = await fetch(`${url}/v1/probe/subjects/x/disclosures`, {
      headers: { ...bearer('insurer'), 'if-none-match': '*' },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBeNull();
  });

  it('should tell caches to keep no answer of the API, its errors included', async () => {
    const report = await fetch(`${url}/v1/probe/subjects/x/disclosures`, {
      headers: bearer('insurer'),
    });
    expect(report.status).toBe(200);
    expect(report.headers.get('cache-control')).toBe('no-store');
    const refused = await fetch(`${url}/v1/probe/refused`, { headers: bearer('ops') });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it('should answer a PasserelleError with its status, code, message and details', async () => {
    const { status, body } = await errorOf(
      await fetch(`${url}/v1/probe/refused`, { headers: bearer('ops') }),
    );
    expect(status).toBe(409);
    expect(body).toEqual({
      error: {
        code: 'NOT_PENDING',
        message: 'the transmission is not pending',
        details: [{ path: 'status', rule: 'must be pending' }],
      },
    });
  });

  it('should answer 404 NOT_FOUND for an unknown route without repeating the URL', async () => {
    const response = await fetch(`${url}/v1/subjects-typo/${PARTICIPANT_ID}?name=${NAME}`, {
      headers: bearer('ops'),
    });
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { status, body, text } = await errorOf(response);
    expect(status).toBe(404);
    expect(body).toEqual({ error: { code: 'NOT_FOUND', message: 'not found', details: [] } });
    expect(text).not.toContain(PARTICIPANT_ID);
  });

  it('should answer 400 BAD_REQUEST for malformed JSON without quoting it', async () => {
    const { status, body, text } = await errorOf(
      await fetch(`${url}/v1/probe/documents`, {
        method: 'POST',
        headers: { ...bearer('ingest'), 'content-type': 'application/json' },
        body: `{"name": "${NAME}", `,
      }),
    );
    expect(status).toBe(400);
    expect(body).toEqual({
      error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON', details: [] },
    });
    expect(text).not.toContain('Zoé');
  });

  it('should answer 413 PAYLOAD_TOO_LARGE beyond 1 MiB, and parse a body below it', async () => {
    const big = JSON.stringify({ name: 'a', pad: 'x'.repeat(1024 * 1024) });
    const tooLarge = await errorOf(
      await fetch(`${url}/v1/probe/documents`, {
        method: 'POST',
        headers: { ...bearer('ingest'), 'content-type': 'application/json' },
        body: big,
      }),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', details: [] } });

    const belowLimit = await errorOf(
      await fetch(`${url}/v1/probe/documents`, {
        method: 'POST',
        headers: { ...bearer('ingest'), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a', pad: 'x'.repeat(900 * 1024) }),
      }),
    );
    expect(belowLimit.status).toBe(400);
    expect(belowLimit.body).toMatchObject({
      error: { code: 'BAD_REQUEST', details: [{ path: 'pad', rule: 'unknown property' }] },
    });
  });

  it('should answer validation errors as BAD_REQUEST details by path and rule, never with a value', async () => {
    const { status, body, text } = await errorOf(
      await fetch(`${url}/v1/probe/documents`, {
        method: 'POST',
        headers: { ...bearer('ingest'), 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `${NAME} de la Fontaine`,
          items: [{ qty: 1 }, { qty: NAME }],
          nickname: NAME,
          [CARD]: true,
        }),
      }),
    );
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 'BAD_REQUEST',
        message: 'the request is invalid',
        details: expect.arrayContaining([
          { path: 'name', rule: 'too long' },
          { path: 'items[1].qty', rule: 'must be an integer' },
          { path: 'nickname', rule: 'unknown property' },
          { path: '<key withheld>', rule: 'unknown property' },
        ]) as unknown,
      },
    });
    expect(text).not.toContain('Zoé');
    expect(text).not.toContain(CARD);

    const valid = await fetch(`${url}/v1/probe/documents`, {
      method: 'POST',
      headers: { ...bearer('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ok', items: [{ qty: 1 }] }),
    });
    expect(valid.status).toBe(201);
    expect(await valid.json()).toEqual({ stored: 1 });
  });
});

describe('the OpenAPI description', () => {
  it('should serve Swagger UI and the JSON description without a key, with the bearer scheme', async () => {
    const ui = await fetch(`${url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const response = await fetch(`${url}/docs/json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      components: { securitySchemes: Record<string, { scheme: string }> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(document.components.securitySchemes.bearer?.scheme).toBe('bearer');
    expect(document.paths['/v1/probe/subjects/{participantId}/disclosures']?.get?.security).toEqual(
      [{ bearer: [] }],
    );
    expect(document.paths['/health/live']).toBeDefined();
    expect(document.paths['/metrics']).toBeUndefined();
  });
});
