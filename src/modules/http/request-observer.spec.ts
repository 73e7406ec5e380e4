import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { attachClient } from '../auth/current-client.decorator.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JsonLogger } from '../logging/json-logger.js';
import { currentRequestId } from '../logging/request-context.js';
import {
  accessLogEntry,
  createRequestObserver,
  requestIdOf,
  routePatternOf,
} from './request-observer.js';

const PARTICIPANT_ID = 'P-ZOE-4242';
const KEY = 'secret-ops-key-0001';

const ROUTE = { path: '/v1/subjects/:participantId/disclosures' };

/** A request as Express leaves it once `/v1/subjects/:participantId/disclosures` matched. */
function routedRequest(route: { path: string } | null = ROUTE): IncomingMessage {
  return {
    method: 'GET',
    url: `/v1/subjects/${PARTICIPANT_ID}/disclosures?name=Zo%C3%A9%20Martin`,
    originalUrl: `/v1/subjects/${PARTICIPANT_ID}/disclosures?name=Zo%C3%A9%20Martin`,
    headers: { authorization: `Bearer ${KEY}`, 'x-participant': PARTICIPANT_ID },
    params: { participantId: PARTICIPANT_ID },
    query: { name: 'Zoé Martin' },
    body: { surname: 'Martin' },
    baseUrl: '',
    ...(route === null ? {} : { route }),
  } as unknown as IncomingMessage;
}

function finishedResponse(status: number): ServerResponse & EventEmitter {
  const headers = new Map<string, unknown>();
  return Object.assign(new EventEmitter(), {
    statusCode: status,
    writableFinished: true,
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), value),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  }) as unknown as ServerResponse & EventEmitter;
}

describe('the access log', () => {
  it('should hold the method, the route pattern, the status, the duration and the client id only', () => {
    const request = routedRequest();
    attachClient(request, { id: 'demo-ops', role: 'ops' });
    expect(accessLogEntry(request, finishedResponse(200), 0.0123456)).toEqual({
      msg: 'request',
      method: 'GET',
      route: '/v1/subjects/:participantId/disclosures',
      status: 200,
      durationMs: 12.346,
      clientId: 'demo-ops',
    });
  });

  it('should name no route when none matched, rather than the URL', () => {
    expect(routePatternOf(routedRequest(null))).toBe('(unmatched)');
  });

  it('should write, once the response closes, a line and a metric without the participant id, the query or the key', async () => {
    const lines: string[] = [];
    const logger = new JsonLogger({
      destination: { write: (line: string) => void lines.push(line) },
    });
    const metrics = new MetricsService();
    const observe = createRequestObserver({ metrics, logger });
    const request = routedRequest();
    const response = finishedResponse(401);
    let served: string | undefined;
    const next = vi.fn(() => {
      served = currentRequestId();
    });
    observe(request, response, next);
    expect(next).toHaveBeenCalledOnce();
    expect(served).toBeDefined();
    expect(response.getHeader('x-request-id')).toBe(served);
    expect(currentRequestId()).toBeUndefined();
    response.emit('close');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'request',
      requestId: served,
      context: 'http',
      route: '/v1/subjects/:participantId/disclosures',
      status: 401,
    });
    const exposition = await metrics.exposition();
    expect(exposition).toContain(
      'http_requests_total{method="GET",route="/v1/subjects/:participantId/disclosures",status="401"} 1',
    );
    for (const text of [lines.join(''), exposition]) {
      for (const secret of [PARTICIPANT_ID, 'Zo%C3%A9', 'Zoé', 'Martin', KEY, 'Bearer']) {
        expect(text).not.toContain(secret);
      }
    }
    metrics.onModuleDestroy();
  });
});

describe('a request’s id', () => {
  const withId = (value: string | undefined): IncomingMessage =>
    ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as IncomingMessage;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it.each(['a', 'support-ticket_42.retry:1', 'A'.repeat(128)])(
    'should keep the caller’s id when it is a safe token (%s)',
    (value) => {
      expect(requestIdOf(withId(value))).toBe(value);
    },
  );

  it.each([undefined, '', 'A'.repeat(129), 'Zoé Martin', 'a b', 'a\tb', 'a, b', '{"x":1}', 'a/b'])(
    'should give a fresh UUID when the caller’s id is missing or unsafe (%j)',
    (value) => {
      const id = requestIdOf(withId(value));
      expect(id).toMatch(UUID);
      expect(requestIdOf(withId(value))).not.toBe(id);
    },
  );
});
