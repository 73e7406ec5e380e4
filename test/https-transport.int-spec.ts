import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../src/core/contracts/endpoints.js';
import { HttpsTransport } from '../src/modules/transports/https.transport.js';
import type { Delivery, DeliveryResult } from '../src/modules/transports/transport.js';
import { createTestPki, startHttpsServer, type HttpsTestServer } from './support/https-server.js';

const TOKEN = 'bearer-token-9f8e7d-never-shown';
const ECHO = 'ECHOED-PERSONAL-DATA';

function endpoint(server: HttpsTestServer, path = '/v1/enrollments', timeoutMs = 5000): Endpoint {
  return { id: 'insurer-api', transport: 'https', url: `${server.origin}${path}`, timeoutMs };
}

function delivery(files: Record<string, string>, recipientId = 'INS-1'): Delivery {
  return {
    transmissionId: '0b7c2f1e-tx',
    contractId: 'insurer-enrollment',
    recipientId,
    files: Object.entries(files).map(([name, content]) => ({
      name,
      content,
      mediaType: 'text/csv; charset=utf-8',
    })),
  };
}

/** The key the receiver should see: transmission, file, and the digest of the bytes sent. */
function keyOf(name: string, content: string, transmissionId = '0b7c2f1e-tx'): string {
  const digest = createHash('sha256').update(content, 'utf8').digest('hex').slice(0, 32);
  return `${transmissionId}:${name}:${digest}`;
}

function trusting(server: HttpsTestServer, extra: Record<string, string> = {}): HttpsTransport {
  return new HttpsTransport({ PASSERELLE_SECRET_INSURER_API_CA_FILE: server.files.ca, ...extra });
}

function expectFailure(result: DeliveryResult, code: string, permanent: boolean): void {
  expect(result).toMatchObject({ ok: false, code, permanent });
}

describe('the https transport against a local HTTPS receiver', () => {
  let server: HttpsTestServer;
  const transports: HttpsTransport[] = [];
  const track = (transport: HttpsTransport) => {
    transports.push(transport);
    return transport;
  };

  beforeAll(async () => {
    server = await startHttpsServer();
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    server.requests.length = 0;
    server.reply = () => ({ status: 201 });
  });

  afterAll(async () => {
    await server.close();
  });

  it('should POST each file with its content, media type, idempotency key and name', async () => {
    const transport = track(trusting(server, { PASSERELLE_SECRET_INSURER_API_TOKEN: TOKEN }));
    const files = { 'trip-T1.insurer-INS-1.csv': 'policy;surname\nP-1;MÜLLER\n', 'b.csv': 'x\n' };
    const result = await transport.deliver(
      endpoint(server, '/v1/{recipientId}/lists'),
      delivery(files, 'INS 1/a'),
    );
    expect(result).toEqual({
      ok: true,
      locations: [
        `${server.origin}/v1/INS%201%2Fa/lists#trip-T1.insurer-INS-1.csv`,
        `${server.origin}/v1/INS%201%2Fa/lists#b.csv`,
      ],
    });
    expect(server.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/v1/INS%201%2Fa/lists', files['trip-T1.insurer-INS-1.csv']],
      ['POST', '/v1/INS%201%2Fa/lists', 'x\n'],
    ]);
    expect(server.requests[0]?.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'idempotency-key': keyOf('trip-T1.insurer-INS-1.csv', files['trip-T1.insurer-INS-1.csv']),
      'x-passerelle-file': 'trip-T1.insurer-INS-1.csv',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(server.requests[1]?.headers['idempotency-key']).toBe(keyOf('b.csv', 'x\n'));
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('should send the same idempotency keys when a delivery is retried with the same content', async () => {
    const transport = track(trusting(server));
    server.reply = () => ({ status: 503 });
    expectFailure(
      await transport.deliver(endpoint(server), delivery({ 'a.csv': 'a' })),
      'HTTPS_STATUS_503',
      false,
    );
    server.reply = () => ({ status: 200 });
    expect((await transport.deliver(endpoint(server), delivery({ 'a.csv': 'a' }))).ok).toBe(true);
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      keyOf('a.csv', 'a'),
      keyOf('a.csv', 'a'),
    ]);
  });

  it('should send a new idempotency key when a retry carries changed content', async () => {
    // A receiver that honours keys, as the IETF draft describes: a repeated key gets the
    // first answer and its body is dropped. Under one key for both bodies it would keep
    // the old data while the transport reports the new one delivered.
    const kept = new Map<string, string>();
    const transport = track(trusting(server));
    server.reply = (request) => {
      const key = String(request.headers['idempotency-key']);
      if (!kept.has(key)) kept.set(key, request.body);
      return { status: 504 };
    };
    const before = { 'a.csv': 'policy;surname\nP-1;MÜLLER\n', 'b.csv': 'b\n' };
    expectFailure(
      await transport.deliver(endpoint(server), delivery(before)),
      'HTTPS_STATUS_504',
      false,
    );
    server.reply = (request) => {
      const key = String(request.headers['idempotency-key']);
      if (!kept.has(key)) kept.set(key, request.body);
      return { status: 201 };
    };
    const after = { 'a.csv': 'policy;surname\nP-1;MÜLLER-SCHMIDT\n', 'b.csv': 'b\n' };
    expect((await transport.deliver(endpoint(server), delivery(after))).ok).toBe(true);
    const keys = server.requests.map((r) => String(r.headers['idempotency-key']));
    expect(keys).toHaveLength(3);
    const [firstA, secondA, b] = keys;
    // Same transmission and file, other content: another key, and the receiver took it.
    expect(secondA).not.toBe(firstA);
    expect(firstA?.startsWith('0b7c2f1e-tx:a.csv:')).toBe(true);
    expect(secondA?.startsWith('0b7c2f1e-tx:a.csv:')).toBe(true);
    expect(kept.get(secondA!)).toBe(after['a.csv']);
    expect(b).toBe(keyOf('b.csv', 'b\n'));
    // Deterministic: the same bytes again give the same key.
    expect((await transport.deliver(endpoint(server), delivery(after))).ok).toBe(true);
    expect(server.requests.slice(3).map((r) => r.headers['idempotency-key'])).toEqual([secondA, b]);
  });

  it('should keep its connection alive across deliveries', async () => {
    const transport = track(trusting(server));
    const before = server.secureConnections();
    for (let i = 0; i < 20; i += 1) {
      expect((await transport.deliver(endpoint(server), delivery({ [`f${i}.csv`]: 'x' }))).ok).toBe(
        true,
      );
    }
    // undici's pool may open a second connection when a request follows the previous
    // response in the same tick; it does not grow with the number of deliveries.
    expect(server.secureConnections() - before).toBeLessThanOrEqual(2);
  });

  it('should refuse a server certificate it does not trust, as permanent, sending nothing', async () => {
    const untrusting = track(new HttpsTransport({}));
    expectFailure(
      await untrusting.deliver(endpoint(server), delivery({ 'a.csv': 'a' })),
      'HTTPS_TLS_REFUSED',
      true,
    );
    // Trusting another CA does not help either.
    const other = await createTestPki('Another CA');
    const stranger = await startHttpsServer({ pki: other });
    try {
      const result = await track(trusting(server)).deliver(
        endpoint(stranger),
        delivery({ 'a.csv': 'a' }),
      );
      expectFailure(result, 'HTTPS_TLS_REFUSED', true);
      expect(stranger.requests).toEqual([]);
    } finally {
      await stranger.close();
    }
    expect(server.requests).toEqual([]);
  });

  it('should present its client certificate when the receiver requires one', async () => {
    const strict = await startHttpsServer({ requireClientCertificate: true, pki: server.pki });
    try {
      const withCertificate = track(
        trusting(strict, {
          PASSERELLE_SECRET_INSURER_API_CLIENT_CERT_FILE: strict.files.clientCert,
          PASSERELLE_SECRET_INSURER_API_CLIENT_KEY_FILE: strict.files.clientKey,
        }),
      );
      expect((await withCertificate.deliver(endpoint(strict), delivery({ 'a.csv': 'a' }))).ok).toBe(
        true,
      );
      expect(strict.requests.map((r) => r.clientCertificate)).toEqual([true]);

      // Under TLS 1.3 the receiver refuses a missing certificate after the handshake, by
      // closing the connection: the client cannot tell it from a network failure, so it is
      // refused as transient (and the retries run out), never delivered.
      const withoutCertificate = track(trusting(strict));
      const refused = await withoutCertificate.deliver(
        endpoint(strict),
        delivery({ 'a.csv': 'a' }),
      );
      expect(refused).toMatchObject({ ok: false });
      expect(strict.requests).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('should fail permanently when a certificate file is missing or half configured', async () => {
    const missing = track(
      trusting(server, {
        PASSERELLE_SECRET_INSURER_API_CLIENT_CERT_FILE: join(server.files.ca, 'absent.pem'),
        PASSERELLE_SECRET_INSURER_API_CLIENT_KEY_FILE: server.files.clientKey,
      }),
    );
    expectFailure(
      await missing.deliver(endpoint(server), delivery({ 'a.csv': 'a' })),
      'HTTPS_CREDENTIALS_UNREADABLE',
      true,
    );
    const half = track(
      trusting(server, { PASSERELLE_SECRET_INSURER_API_CLIENT_CERT_FILE: server.files.clientCert }),
    );
    expectFailure(
      await half.deliver(endpoint(server), delivery({ 'a.csv': 'a' })),
      'HTTPS_CLIENT_CERT_INCOMPLETE',
      true,
    );
  });

  it('should fail permanently, sending nothing, when the client certificate or key cannot be used', async () => {
    // Retrying cannot mend a key that is no key, or one that does not match its certificate.
    const strict = await startHttpsServer({ requireClientCertificate: true, pki: server.pki });
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-credentials-'));
    try {
      const garbage = join(dir, 'garbage.pem');
      await writeFile(garbage, 'not a PEM file\n');
      const otherKey = join(dir, 'other-key.pem');
      await writeFile(otherKey, (await createTestPki('Other CA')).client.key);
      const cases = [
        { cert: strict.files.clientCert, key: garbage },
        { cert: garbage, key: strict.files.clientKey },
        { cert: strict.files.clientCert, key: otherKey },
      ];
      for (const { cert, key } of cases) {
        const result = await track(
          trusting(strict, {
            PASSERELLE_SECRET_INSURER_API_CLIENT_CERT_FILE: cert,
            PASSERELLE_SECRET_INSURER_API_CLIENT_KEY_FILE: key,
          }),
        ).deliver(endpoint(strict), delivery({ 'a.csv': 'a' }));
        expectFailure(result, 'HTTPS_CREDENTIALS_INVALID', true);
        expect(result.ok ? '' : result.reason).toContain('PASSERELLE_SECRET_INSURER_API_CLIENT_');
        expect(JSON.stringify(result)).not.toContain(dir);
      }
      expect(strict.requests).toEqual([]);
    } finally {
      await strict.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [400, true],
    [401, true],
    [403, true],
    [404, true],
    [422, true],
    [408, false],
    // An Idempotency-Key receiver answers 409 while the first request under the same key
    // is still in progress (after one of our timeouts): the retry gets its outcome later.
    [409, false],
    [425, false],
    [429, false],
    [500, false],
    [502, false],
    [503, false],
  ])(
    'should treat status %i as permanent=%s and never keep the body',
    async (status, permanent) => {
      server.reply = () => ({ status, body: `${ECHO}: MÜLLER, born 2011-04-02` });
      const result = await track(trusting(server)).deliver(
        endpoint(server),
        delivery({ 'a.csv': 'a', 'b.csv': 'b' }),
      );
      expectFailure(result, `HTTPS_STATUS_${status}`, permanent);
      expect(JSON.stringify(result)).not.toContain(ECHO);
      // The first refusal stops the delivery.
      expect(server.requests).toHaveLength(1);
    },
  );

  it('should time out as transient when the receiver does not answer in time', async () => {
    server.reply = () => ({ status: 201, delayMs: 3000 });
    const started = Date.now();
    const result = await track(trusting(server)).deliver(
      endpoint(server, '/slow', 300),
      delivery({ 'a.csv': 'a' }),
    );
    expectFailure(result, 'HTTPS_TIMEOUT', false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('should fail transiently when nothing listens', async () => {
    const gone = await startHttpsServer({ pki: server.pki });
    const target = endpoint(gone);
    await gone.close();
    expectFailure(
      await track(trusting(server)).deliver(target, delivery({ 'a.csv': 'a' })),
      'HTTPS_NETWORK_ERROR',
      false,
    );
  });

  it('should close promptly while a receiver holds back its answer, the delivery failing transiently', async () => {
    // A receiver that takes the request and never answers in the shutdown's time; the
    // endpoint's timeout (30 s by default) is longer than the whole shutdown deadline.
    server.reply = () => ({ status: 201, delayMs: 20_000 });
    const transport = track(trusting(server));
    const delivering = transport.deliver(
      endpoint(server, '/held', 30_000),
      delivery({ 'a.csv': 'a' }),
    );
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const closing = await Promise.race([
      transport.close().then(() => 'closed' as const),
      new Promise<'still pending'>((resolve) => {
        setTimeout(() => {
          resolve('still pending');
        }, 5000);
      }),
    ]);
    expect(closing).toBe('closed');
    expect(Date.now() - started).toBeLessThan(3000);
    // Aborted past the close's grace: transient, to go again under the same key.
    expectFailure(await delivering, 'HTTPS_CLOSED', false);
  }, 30_000);

  it('should send nothing once closed, as a transient failure, and keep no pool open', async () => {
    const transport = trusting(server);
    expect((await transport.deliver(endpoint(server), delivery({ 'a.csv': 'a' }))).ok).toBe(true);
    await transport.close();
    // Before and after a pool existed for the endpoint: neither builds one again.
    for (const target of [endpoint(server), { ...endpoint(server), id: 'other-insurer' }]) {
      expectFailure(
        await transport.deliver(target, delivery({ 'b.csv': 'b' })),
        'HTTPS_CLOSED',
        false,
      );
    }
    expect(server.requests).toHaveLength(1);
  });
});
