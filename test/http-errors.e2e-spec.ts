import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { clientOfRole } from './support/test-clients.js';

/**
 * Bad input on the HTTP layer gets a clear 400 naming the path and the rule — never a 500
 * logged as an unexpected error, never an empty answer that looks like a real one, never
 * rules that contradict each other.
 */

let t: TestApp;
const lines: string[] = [];
const unexpected = () =>
  lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === 'unexpected error');

beforeAll(async () => {
  t = await startTestApp({ PASSERELLE_DISPATCH_INTERVAL_MS: '3600000' }, { logLines: lines });
}, 60_000);
afterAll(async () => {
  await t.close();
});

const ops = { authorization: `Bearer ${clientOfRole('ops').key}` };

interface ErrorAnswer {
  readonly status: number;
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: readonly { readonly path: string; readonly rule: string }[];
  };
}

async function answerOf(response: Response): Promise<ErrorAnswer> {
  const body = (await response.json()) as { error: ErrorAnswer['error'] };
  return { status: response.status, error: body.error };
}

const get = async (path: string) => answerOf(await fetch(`${t.url}${path}`, { headers: ops }));

const post = async (path: string, body: string, contentType = 'application/json') =>
  answerOf(
    await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...ops, 'content-type': contentType },
      body,
    }),
  );

/** `depth` arrays, one inside the other. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('a deeply nested JSON body on a route validated by the global ValidationPipe', () => {
  it.each(['send-now', 'hold', 'release'])(
    'should answer 400 BAD_REQUEST naming the path and the rule when %s’s reason nests 200,000 arrays',
    async (action) => {
      const body = `{"reason":${nested(200_000)}}`;
      expect(body.length).toBeLessThan(1024 * 1024); // under the 1 MiB limit
      const before = unexpected().length;
      const answer = await post(`/v1/transmissions/${randomUUID()}/${action}`, body);
      expect(answer.status).toBe(400);
      expect(answer.error.code).toBe('BAD_REQUEST');
      expect(answer.error.details).toEqual([
        { path: expect.stringMatching(/^reason(\[0\])+$/) as unknown, rule: 'nested too deeply' },
      ]);
      expect(unexpected().length).toBe(before);
    },
  );

  it('should answer 400 BAD_REQUEST when an unknown property nests 200,000 arrays', async () => {
    const before = unexpected().length;
    const answer = await post(
      `/v1/transmissions/${randomUUID()}/send-now`,
      `{"reason":"the airline asked us to wait","x":${nested(200_000)}}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.error.code).toBe('BAD_REQUEST');
    expect(answer.error.details).toEqual([
      { path: expect.stringMatching(/^x(\[0\])+$/) as unknown, rule: 'nested too deeply' },
    ]);
    expect(unexpected().length).toBe(before);
  });
});

describe('GET /v1/emergency/requests with a cursor it did not issue', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  const notIssued = { path: 'cursor', rule: 'not a cursor this API issued' };

  it.each([
    ['its time is not a time', `2027-13-45T99:99:99Z|${randomUUID()}`],
    ['its time is not written as the API writes it', `2027-01-01T00:00:00Z|${randomUUID()}`],
    ['its id is 36 dashes', `2027-01-01T00:00:00.000Z|${'-'.repeat(36)}`],
    ['its id is not a UUID', `2027-01-01T00:00:00.000Z|${'0'.repeat(36)}`],
  ])('should answer 400 naming the cursor (not 500) when %s', async (_case, text) => {
    const before = unexpected().length;
    const answer = await get(`/v1/emergency/requests?cursor=${cursor(text)}`);
    expect(answer.status).toBe(400);
    expect(answer.error.code).toBe('BAD_REQUEST');
    expect(answer.error.details).toEqual([notIssued]);
    expect(unexpected().length).toBe(before);
  });

  it('should take a cursor written as the API writes it', async () => {
    const response = await fetch(
      `${t.url}/v1/emergency/requests?cursor=${cursor(`2027-01-01T00:00:00.000Z|${randomUUID()}`)}`,
      { headers: ops },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], nextCursor: null });
  });
});

describe('GET /v1/restrictions with a cursor it did not issue', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64url');

  it.each([
    // PostgreSQL cannot take a NUL in a text: it was a 500.
    ['its participant id is a NUL', 'r:\u0000'],
    ['its participant id is not one', "r:P-1' OR 'x"],
    ['its participant id is too long', `r:${'P'.repeat(65)}`],
  ])('should answer 400 naming the cursor (not 500, not a page) when %s', async (_case, text) => {
    const before = unexpected().length;
    const answer = await get(`/v1/restrictions?cursor=${cursor(text)}`);
    expect(answer.status).toBe(400);
    expect(answer.error.code).toBe('BAD_REQUEST');
    expect(answer.error.details.map(({ path }) => path)).toEqual(['cursor']);
    expect(unexpected().length).toBe(before);
  });

  it('should take a cursor written as the API writes it', async () => {
    const response = await fetch(`${t.url}/v1/restrictions?cursor=${cursor('r:P-1001-1')}`, {
      headers: ops,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], nextCursor: null });
  });
});

describe('a period whose `from` is later than its `to`', () => {
  const beforeFrom = { path: 'to', rule: 'must not be before from' };

  it.each([
    '/v1/disclosures?from=2027-07-02&to=2027-07-01',
    '/v1/disclosures?from=2027-07-01T12:00:00Z&to=2027-07-01T13:00:00%2B02:00',
    '/v1/register/ropa?from=2027-07-02&to=2027-07-01',
    '/v1/transmissions?from=2027-07-02&to=2027-07-01',
    '/v1/emergency/requests?from=2027-07-02&to=2027-07-01',
  ])('should answer 400 naming `to` for %s, not an empty list', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    expect(answer.error.code).toBe('BAD_REQUEST');
    expect(answer.error.details).toEqual([beforeFrom]);
  });

  it.each([
    '/v1/disclosures?from=2027-07-01&to=2027-07-02',
    '/v1/register/ropa?from=2027-07-01&to=2027-07-01',
    '/v1/transmissions?from=2027-07-01&to=2027-07-02',
    '/v1/emergency/requests?from=2027-07-01&to=2027-07-02',
  ])('should answer %s, a period in order', async (path) => {
    expect((await fetch(`${t.url}${path}`, { headers: ops })).status).toBe(200);
  });
});

describe('one value breaking several rules', () => {
  it.each(['/v1/disclosures', '/v1/transmissions', '/v1/emergency/requests'])(
    'should answer only that `limit` must be an integer when %s is asked for limit=abc',
    async (path) => {
      const answer = await get(`${path}?limit=abc`);
      expect(answer.status).toBe(400);
      expect(answer.error.details).toEqual([{ path: 'limit', rule: 'must be an integer' }]);
    },
  );

  it.each([
    ['an empty object', '{}', 'application/json'],
    ['a body as text', 'the airline asked us to wait', 'text/plain'],
  ])(
    'should answer that `reason` is required when an ops action sends %s',
    async (_case, body, type) => {
      const answer = await post(`/v1/transmissions/${randomUUID()}/hold`, body, type);
      expect(answer.status).toBe(400);
      expect(answer.error.code).toBe('BAD_REQUEST');
      expect(answer.error.details).toEqual([{ path: 'reason', rule: 'required' }]);
    },
  );

  it('should answer only that `reason` must be a string when it is a number', async () => {
    const answer = await post(`/v1/transmissions/${randomUUID()}/hold`, '{"reason":42}');
    expect(answer.error.details).toEqual([{ path: 'reason', rule: 'must be a string' }]);
  });
});
