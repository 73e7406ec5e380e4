import {
  Body,
  Controller,
  Get,
  Logger,
  Module,
  Param,
  Post,
  type INestApplication,
} from '@nestjs/common';
import { IsString, MaxLength } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import { loadAppConfig, type AppConfig } from '../src/config/app-config.js';
import { createAppFromModule } from '../src/main.js';
import { Roles } from '../src/modules/auth/access.decorators.js';
import { JsonLogger } from '../src/modules/logging/json-logger.js';
import { TransmissionProcessor } from '../src/modules/transmissions/transmission.processor.js';
import { TransmissionsRepository } from '../src/modules/transmissions/transmissions.repository.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { tripVariant } from './support/ingest.js';
import { dropKeysUnder } from './support/redis.js';
import { testAppEnv } from './support/test-app.js';
import { clientOfRole, writeClientsFile } from './support/test-clients.js';
import { upcomingTrip } from './support/upcoming-samples.js';

/**
 * Request ids: every line written while serving a request carries the id the answer gives
 * in `X-Request-Id` — the caller's when it is a safe token, else a fresh UUID — and no line
 * written outside a request carries one.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

class NoteDto {
  @IsString() @MaxLength(20) note!: string;
}

/** Released by the test: lets two requests be in flight at once. */
const gates = new Map<string, () => void>();
const gate = (name: string): Promise<void> =>
  new Promise((resolve) => {
    gates.set(name, resolve);
  });

@Controller('v1/probe-ids')
class ProbeController {
  private readonly logger = new Logger('probe');

  @Roles('ops')
  @Get('boom')
  async boom(): Promise<never> {
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.warn({ msg: 'about to fail' });
    throw new Error('the database said no');
  }

  @Roles('ops')
  @Post('notes')
  async note(@Body() body: NoteDto): Promise<{ length: number }> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.logger.log({ msg: 'note taken' });
    return { length: body.note.length };
  }

  @Roles('ops')
  @Get('wait/:name')
  async wait(@Param('name') name: string): Promise<{ ok: true }> {
    this.logger.log({ msg: 'waiting' });
    await gate(name);
    this.logger.log({ msg: 'waited' });
    return { ok: true };
  }
}

const lines: string[] = [];
const logged = (): Record<string, unknown>[] =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const linesOf = (requestId: string) => logged().filter((entry) => entry.requestId === requestId);

let app: INestApplication;
let url: string;
let removeClients: () => Promise<void>;
let database: TestDatabase;
let config: AppConfig;

beforeAll(async () => {
  database = await createTestDatabase();
  const clients = await writeClientsFile();
  removeClients = clients.remove;
  config = loadAppConfig({
    ...testAppEnv(database, clients.file),
    PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
  });
  @Module({ imports: [AppModule.forRoot(config), DiscoveryModule], controllers: [ProbeController] })
  class ProbeAppModule {}
  const logger = new JsonLogger({
    levels: ['error', 'warn', 'log'],
    destination: { write: (line: string) => void lines.push(line) },
  });
  app = await createAppFromModule(ProbeAppModule, logger);
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
}, 60_000);

afterAll(async () => {
  await app.close();
  await dropKeysUnder(config.queuePrefix);
  await removeClients();
  await database.drop();
});

const ops = { authorization: `Bearer ${clientOfRole('ops').key}` };

const idOf = (response: Response): string => response.headers.get('x-request-id') ?? '';

/** The access line of the request with this id, once written (on the response's close). */
async function accessLineOf(requestId: string): Promise<Record<string, unknown>> {
  return vi.waitFor(() => {
    const line = linesOf(requestId).find((entry) => entry.msg === 'request');
    expect(line).toBeDefined();
    return line!;
  });
}

describe('a request’s id', () => {
  it('should tie a 500’s access line, its error line and a service’s line to the X-Request-Id of the answer, and give it in the envelope', async () => {
    const answer = await fetch(`${url}/v1/probe-ids/boom`, { headers: ops });
    expect(answer.status).toBe(500);
    const requestId = idOf(answer);
    expect(requestId).toMatch(UUID);
    expect(await answer.json()).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', details: [], requestId },
    });
    expect(await accessLineOf(requestId)).toMatchObject({
      msg: 'request',
      route: '/v1/probe-ids/boom',
      status: 500,
    });
    const mine = linesOf(requestId).map((entry) => entry.msg);
    expect(mine).toEqual(
      expect.arrayContaining(['about to fail', 'unexpected error', 'request']) as unknown,
    );
  });

  it('should give every request an id of its own', async () => {
    const first = await fetch(`${url}/health/live`);
    const second = await fetch(`${url}/health/live`);
    expect(idOf(first)).toMatch(UUID);
    expect(idOf(second)).toMatch(UUID);
    expect(idOf(first)).not.toBe(idOf(second));
    await accessLineOf(idOf(second));
  });

  it('should keep the caller’s id when it is a safe token, through a JSON body', async () => {
    const requestId = 'support-ticket_42.retry:1';
    const answer = await fetch(`${url}/v1/probe-ids/notes`, {
      method: 'POST',
      headers: { ...ops, 'x-request-id': requestId, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'hello' }),
    });
    expect(answer.status).toBe(201);
    expect(idOf(answer)).toBe(requestId);
    await accessLineOf(requestId);
    expect(linesOf(requestId).map((entry) => entry.msg)).toEqual(['note taken', 'request']);
  });

  it('should replace an empty id, and two ids in one request', async () => {
    const empty = await fetch(`${url}/health/live`, { headers: { 'x-request-id': '' } });
    expect(idOf(empty)).toMatch(UUID);
    const headers = new Headers([
      ['x-request-id', 'first'],
      ['x-request-id', 'second'],
    ]);
    const twice = await fetch(`${url}/health/live`, { headers });
    expect(idOf(twice)).toMatch(UUID);
  });

  it('should keep an id of 128 characters', async () => {
    const requestId = 'a'.repeat(128);
    const answer = await fetch(`${url}/health/live`, { headers: { 'x-request-id': requestId } });
    expect(idOf(answer)).toBe(requestId);
  });

  it('should not answer a 4xx with the id in its envelope (the refusals stay byte for byte alike)', async () => {
    const answer = await fetch(`${url}/v1/probe-ids/boom`);
    expect(answer.status).toBe(401);
    expect(idOf(answer)).toMatch(UUID);
    expect(JSON.stringify(await answer.json())).not.toContain(idOf(answer));
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'Zoe Martin'],
    ['a name with an accent', 'Zoé'],
    ['a tab', 'abc\tdef'],
    ['a JSON fragment', '","level":"fatal'],
    ['a percent-encoded line break', 'abc%0D%0Adef'],
  ])('should replace an id %s with a fresh one, and write it nowhere', async (_what, unsafe) => {
    const answer = await fetch(`${url}/v1/probe-ids/boom`, {
      headers: { ...ops, 'x-request-id': unsafe },
    });
    expect(answer.status).toBe(500);
    const requestId = idOf(answer);
    expect(requestId).toMatch(UUID);
    const body = await answer.text();
    await accessLineOf(requestId);
    expect(body).not.toContain(unsafe);
    for (const line of lines) expect(line).not.toContain(unsafe);
  });

  it('should not mix the ids of two requests in flight at once', async () => {
    const first = fetch(`${url}/v1/probe-ids/wait/first`, {
      headers: { ...ops, 'x-request-id': 'first-request' },
    });
    await vi.waitFor(() => {
      expect(gates.has('first')).toBe(true);
    });
    const second = fetch(`${url}/v1/probe-ids/wait/second`, {
      headers: { ...ops, 'x-request-id': 'second-request' },
    });
    await vi.waitFor(() => {
      expect(gates.has('second')).toBe(true);
    });
    // Released in the other order: each continuation runs in its own request's context.
    gates.get('second')?.();
    expect((await second).status).toBe(200);
    gates.get('first')?.();
    expect((await first).status).toBe(200);
    await accessLineOf('first-request');
    await accessLineOf('second-request');
    for (const requestId of ['first-request', 'second-request']) {
      expect(linesOf(requestId).map((entry) => entry.msg)).toEqual([
        'waiting',
        'waited',
        'request',
      ]);
    }
  });

  it('should write no id on a line the worker logs while a request is in flight', async () => {
    const pending = fetch(`${url}/v1/probe-ids/wait/worker`, {
      headers: { ...ops, 'x-request-id': 'in-flight' },
    });
    await vi.waitFor(() => {
      expect(gates.has('worker')).toBe(true);
    });
    // What BullMQ does when it takes back a stalled job: an event of the worker's own.
    const processor = app
      .get(DiscoveryService)
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .find((instance) => instance instanceof TransmissionProcessor)!;
    processor.worker.emit('stalled', 'job-7', 'active');
    gates.get('worker')?.();
    expect((await pending).status).toBe(200);
    const stalled = logged().find((entry) => entry.msg === 'queue job stalled');
    expect(stalled).toMatchObject({ jobId: 'job-7' });
    expect(stalled).not.toHaveProperty('requestId');
  });

  it('should write no id on the dispatcher’s lines of a round a request’s change started', async () => {
    // The round that follows a trip's change is the dispatcher's, not the request's: its
    // lines (a missed send raised, a failure) carry no id, and the rounds it starts neither.
    const repository = app.get(TransmissionsRepository);
    const markMissed = vi
      .spyOn(repository, 'markMissed')
      .mockRejectedValueOnce(Object.assign(new Error('the database said no'), { name: 'Away' }));
    const answer = await fetch(`${url}/v1/trips/T-ROUND-ID`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${clientOfRole('ingest').key}`,
        'content-type': 'application/json',
        'x-request-id': 'trip-change',
      },
      body: JSON.stringify(tripVariant(upcomingTrip(), 'T-ROUND-ID')),
    });
    expect([200, 201]).toContain(answer.status);
    const failed = await vi.waitFor(() => {
      const line = logged().find((entry) => entry.msg === 'dispatch failed: Away');
      expect(line).toBeDefined();
      return line!;
    });
    markMissed.mockRestore();
    expect(failed).not.toHaveProperty('requestId');
  });
});
