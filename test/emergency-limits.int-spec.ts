import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import {
  SlidingWindowCounter,
  SlidingWindowLimiter,
} from '../src/modules/emergency/rate-limiter.js';
import { AlertWebhookProcessor } from '../src/modules/emergency/alert-webhook.processor.js';
import { ALERT_DRAIN_INTERVAL_MS } from '../src/modules/emergency/emergency-alerts.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { sampleBookings, sampleTrip } from './support/input-documents.js';
import { putTripAndBookings, testDataKey } from './support/ingest.js';
import { accepts, freePort } from './support/loopback.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { dropKeysUnder, dumpUnder, openRedis } from './support/redis.js';
import { repoPath } from './support/shipped-catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_CLIENTS, type TestClient } from './support/test-clients.js';
import {
  signatureTime,
  startWebhookReceiver,
  verifyAlertSignature,
  type WebhookReceiver,
} from './support/webhook-receiver.js';
import { postEmergency } from './support/emergency.js';

/**
 * The emergency endpoint's abuse limits against a real Redis: the per-client sliding window
 * shared by two API instances, its semantics and its fallback when Redis is away, and
 * alerts retried through the queue until the webhook takes them, kept in PostgreSQL
 * until it does.
 */

const insurers = TEST_CLIENTS.filter((c) => c.role === 'insurer');
const [FIRST, SECOND] = insurers as [TestClient, TestClient];
const bodyOf = (policyNumber: string) => ({
  policyNumber,
  incidentReference: 'CASE-77',
  reason: 'The participant collapsed at the museum and the ambulance crew needs her conditions.',
  requestedBy: 'Agent Jonas Weber',
});

const post = (app: TestApp, client: TestClient, policy = 'NO-SUCH-POLICY') =>
  postEmergency(app, client, bodyOf(policy));

describe('the rate limit across two API instances sharing Redis', () => {
  const prefix = `pq_rate_${randomBytes(4).toString('hex')}`;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Refusals answered at once: 21 of them in a row here, the window is what is tested.
    const env = {
      PASSERELLE_QUEUE_PREFIX: prefix,
      PASSERELLE_ROLE: 'api',
      PASSERELLE_EMERGENCY_REFUSAL_MS: '0',
    };
    [a, b] = await Promise.all([startTestApp(env), startTestApp(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await dropKeysUnder(prefix);
  });

  it('should let a client make 20 requests a minute in all, whichever instance answers, then 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await post(i % 2 === 0 ? a : b, FIRST)).status);
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 404));
    for (const app of [a, b]) {
      const limited = await post(app, FIRST);
      expect(limited.status).toBe(429);
      const wait = Number(limited.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
    }
    // Another client has its own window.
    expect((await post(b, SECOND)).status).toBe(404);
  });

  it('should keep only client ids in Redis, never what was asked', async () => {
    const dump = await dumpUnder(prefix);
    expect(dump.keys).toBeGreaterThan(0);
    expect(dump.text).toContain(FIRST.id);
    for (const value of ['NO-SUCH-POLICY', 'Jonas Weber', 'CASE-77', 'museum']) {
      expect(dump.text).not.toContain(value);
    }
  });
});

describe('SlidingWindowLimiter', () => {
  const prefix = `pq_window_${randomBytes(4).toString('hex')}`;
  const connections: Redis[] = [];
  const limiter = (limit: number, windowMs: number, redis = openRedis()) => {
    connections.push(redis);
    return new SlidingWindowLimiter(redis, prefix, limit, windowMs);
  };
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await dropKeysUnder(prefix);
  });

  it('should count the last window only, across connections, and say when to come back', async () => {
    const one = limiter(3, 1000);
    const two = limiter(3, 1000);
    expect((await one.take('c1')).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await two.take('c1')).allowed).toBe(true);
    expect(await one.take('c1')).toMatchObject({ allowed: true, count: 3, store: 'redis' });
    const refused = await two.take('c1');
    expect(refused).toMatchObject({ allowed: false, count: 3 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(600);
    // A refusal is not counted: once the oldest leaves the window, one more may pass.
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 30));
    expect((await one.take('c1')).allowed).toBe(true);
    expect((await one.take('c1')).allowed).toBe(false);
    expect((await one.take('c2')).allowed).toBe(true);
  });

  it('should keep limiting in the process when Redis cannot be reached', async () => {
    const port = await freePort();
    const away = new Redis({
      host: '127.0.0.1',
      port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      retryStrategy: () => 1000,
    });
    away.on('error', () => undefined);
    const fallbacks: unknown[] = [];
    connections.push(away);
    const local = new SlidingWindowLimiter(away, prefix, 2, 60_000, Date.now, (error) =>
      fallbacks.push(error),
    );
    expect(await local.take('c1')).toMatchObject({ allowed: true, store: 'memory' });
    expect(await local.take('c1')).toMatchObject({ allowed: true, store: 'memory' });
    const refused = await local.take('c1');
    expect(refused).toMatchObject({ allowed: false, store: 'memory' });
    expect(refused.retryAfterMs).toBeGreaterThan(59_000);
    // Each fallback is told (the module logs it, once a minute at most).
    expect(fallbacks).toHaveLength(3);
  });
});

describe('SlidingWindowCounter', () => {
  const prefix = `pq_count_${randomBytes(4).toString('hex')}`;
  const connections: Redis[] = [];
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await dropKeysUnder(prefix);
  });

  it('should raise a steady trickle at every 3rd event, not at each one once 3 are in the window', async () => {
    const redis = openRedis();
    connections.push(redis);
    const counter = new SlidingWindowCounter(redis, prefix, 3, 1000);
    const raisedAt: number[] = [];
    const start = performance.now();
    // One event every 350 ms: 3 in any second, always.
    for (let i = 1; i <= 7; i += 1) {
      await sleep(350 * (i - 1) - (performance.now() - start));
      const counted = await counter.add('c1');
      expect(counted.store).toBe('redis');
      if (counted.raise) raisedAt.push(i);
    }
    expect(raisedAt).toEqual([3, 6]);
  });

  it('should count in the process, by the same rule, when Redis cannot be reached', async () => {
    const port = await freePort();
    const away = new Redis({
      host: '127.0.0.1',
      port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 1000,
    });
    away.on('error', () => undefined);
    connections.push(away);
    let now = 1_000_000;
    const fallbacks: unknown[] = [];
    const counter = new SlidingWindowCounter(
      away,
      prefix,
      5,
      600_000,
      () => now,
      (error) => fallbacks.push(error),
    );
    const at = async (ms: number) => {
      now = 1_000_000 + ms;
      return counter.add('c1');
    };
    // 4 at the end of a 10-minute span, 4 just after: raised at the 5th within 10 minutes.
    const counts = [];
    for (const ms of [0, 595_000, 596_000, 597_000, 601_000, 602_000, 603_000, 604_000]) {
      counts.push(await at(ms));
    }
    expect(counts.map((c) => c.raise)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    expect(counts[5]).toMatchObject({ count: 5, store: 'memory' });
    expect(fallbacks).toHaveLength(8);
  });
});

describe('alerts retried through the queue', () => {
  let app: TestApp;
  let hooks: WebhookReceiver;
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    app = await startTestApp({
      PASSERELLE_ALERT_WEBHOOK_URL: hooks.url,
      // Every refusal is raised; retries start 200 ms apart.
      PASSERELLE_EMERGENCY_REFUSALS_ALERT: '1',
      PASSERELLE_RETRY_BASE_MS: '200',
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await hooks.close();
  });

  it('should deliver the alert once the webhook takes it, after failed attempts', async () => {
    hooks.failNext(2);
    expect((await post(app, FIRST)).status).toBe(404);
    await hooks.waitFor((all) => all.length === 1);
    expect(hooks.calls()).toBe(3);
    expect(JSON.parse(hooks.received[0]?.body ?? '{}')).toMatchObject({
      event: 'emergency-refusals-repeated',
      clientId: FIRST.id,
      refusals: 1,
    });
    expect(hooks.received[0]?.headers['idempotency-key']).toMatch(
      /^emergency-refusals-repeated\.[0-9a-f-]{36}$/,
    );
    // No signature without a secret.
    expect(hooks.received[0]?.headers['passerelle-signature']).toBeUndefined();
  });
});

describe('signed alerts, retried', () => {
  const secret = 'webhook-secret-for-retries-0123456789';
  let app: TestApp;
  let hooks: WebhookReceiver;
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    app = await startTestApp({
      PASSERELLE_ALERT_WEBHOOK_URL: hooks.url,
      PASSERELLE_ALERT_WEBHOOK_SECRET: secret,
      PASSERELLE_EMERGENCY_REFUSALS_ALERT: '1',
      PASSERELLE_EMERGENCY_REFUSAL_MS: '0',
      // The retry comes 1.1 s after the first attempt: in another second.
      PASSERELLE_RETRY_BASE_MS: '1100',
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await hooks.close();
  });

  it('should sign each attempt again with the time of that attempt', async () => {
    hooks.failNext(1);
    expect((await post(app, FIRST)).status).toBe(404);
    await hooks.waitFor((all) => all.length === 1);
    const [first, retry] = hooks.attempts;
    expect(hooks.attempts).toHaveLength(2);
    expect(retry?.body).toBe(first?.body);
    for (const attempt of [first, retry]) {
      expect(
        verifyAlertSignature(attempt?.headers['passerelle-signature'], attempt?.body ?? '', secret),
      ).toBe(true);
    }
    expect(signatureTime(retry?.headers['passerelle-signature'])).toBeGreaterThan(
      signatureTime(first?.headers['passerelle-signature']),
    );
    expect(retry?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
  });
});

describe('repeated refusals, over a sliding window', () => {
  const prefix = `pq_refusals_${randomBytes(4).toString('hex')}`;
  const logLines: string[] = [];
  let app: TestApp;
  const raised = () =>
    logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (line) => line.msg === 'emergency alert' && line.event === 'emergency-refusals-repeated',
      );
  beforeAll(async () => {
    app = await startTestApp(
      {
        PASSERELLE_QUEUE_PREFIX: prefix,
        PASSERELLE_ROLE: 'api',
        PASSERELLE_EMERGENCY_REFUSAL_MS: '0',
        PASSERELLE_EMERGENCY_REFUSALS_ALERT: '5',
        PASSERELLE_EMERGENCY_REFUSALS_WINDOW_MS: '2000',
      },
      { logLines },
    );
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await dropKeysUnder(prefix);
  });

  it('should raise a burst of refusals that straddles the end of a window', async () => {
    // One refusal starts a window (a fixed window would start here); 3 more at its end and
    // 4 just after it: 7 within 0.5 s, never 5 in one fixed window.
    const start = performance.now();
    expect((await post(app, FIRST, 'XX-EDGE-0')).status).toBe(404);
    await sleep(1700 - (performance.now() - start));
    for (let i = 1; i <= 3; i += 1)
      expect((await post(app, FIRST, `XX-EDGE-${i}`)).status).toBe(404);
    await sleep(2100 - (performance.now() - start));
    for (let i = 4; i <= 7; i += 1)
      expect((await post(app, FIRST, `XX-EDGE-${i}`)).status).toBe(404);
    // The 6th refusal is the 5th within 2 s (the first has left the window): raised once.
    expect(raised()).toEqual([
      expect.objectContaining({ clientId: FIRST.id, refusals: 5, windowSeconds: 2 }) as unknown,
    ]);
  });

  it('should raise at the 5th refusal within the window and at the 10th, not at each one between', async () => {
    const before = raised().length;
    for (let i = 0; i < 10; i += 1)
      expect((await post(app, SECOND, `XX-RUN-${i}`)).status).toBe(404);
    expect(raised().slice(before)).toEqual([
      expect.objectContaining({ clientId: SECOND.id, refusals: 5 }) as unknown,
      expect.objectContaining({ clientId: SECOND.id, refusals: 10 }) as unknown,
    ]);
  });

  it('should keep only client ids in Redis, never what was asked', async () => {
    const dump = await dumpUnder(`${prefix}:emergency:refusals`);
    expect(dump.keys).toBeGreaterThan(0);
    expect(dump.text).toContain(SECOND.id);
    for (const value of ['XX-EDGE', 'XX-RUN', 'Jonas Weber', 'CASE-77', 'museum']) {
      expect(dump.text).not.toContain(value);
    }
  });
});

describe('a legitimate request the data cannot answer', () => {
  let app: TestApp;
  let hooks: WebhookReceiver;
  let contractsDir: string;
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    // The shipped contracts, the emergency one requiring the blood type as well.
    contractsDir = await mkdtemp(join(tmpdir(), 'passerelle-contracts-'));
    await cp(repoPath('contracts'), contractsDir, { recursive: true });
    const file = join(contractsDir, 'insurer-emergency.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(
        '      - participant.dateOfBirth\ntransport:',
        '      - participant.dateOfBirth\n      - participant.health.bloodType\ntransport:',
      ),
    );
    app = await startTestApp({
      PASSERELLE_CONTRACTS_DIR: contractsDir,
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_ALERT_WEBHOOK_URL: hooks.url,
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    });
    await putTripAndBookings(app, tripStartingIn(sampleTrip(), -1, new Date()), sampleBookings());
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await hooks.close();
    await rm(contractsDir, { recursive: true, force: true });
  });

  it('should answer 422 naming the missing field (no value), record it and alert operations', async () => {
    // B-1002-1 has no blood type on file.
    const response = await post(app, FIRST, 'MV-2027-004501');
    expect(response.status).toBe(422);
    expect(JSON.parse(response.text)).toEqual({
      error: {
        code: 'UNPROCESSABLE',
        message:
          'the participant’s data is incomplete for the emergency contract; operations are alerted',
        details: [{ path: 'participant.health.bloodType', rule: 'required' }],
      },
    });
    await hooks.waitFor((all) => all.some((h) => h.body.includes('"emergency-data-incomplete"')));
    const refused = await app.app
      .get(RegisterService)
      .list({ event: 'emergency-refused' }, undefined, 10);
    expect(refused.items[0]).toMatchObject({
      reason: 'data-incomplete',
      unit: 'participant:B-1002-1:insurer:INS-MUTUELLE-VOYAGE',
    });
    // Another participant, with a blood type on file, is answered.
    expect((await post(app, FIRST, 'MV-2027-004411')).status).toBe(200);
  });
});

/**
 * A Redis server of the test's own on `port`, keeping nothing; the function it resolves to
 * kills it. Started again on the same port, it is "Redis back" to the app.
 */
async function redisServerOn(port: number, dir: string): Promise<() => Promise<void>> {
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
    await sleep(25);
  }
  return async () => {
    child.kill('SIGKILL');
    await exited;
  };
}

describe('alerts while Redis is down', () => {
  let app: TestApp;
  let hooks: WebhookReceiver;
  let dir: string;
  let port: number;
  let stopRedis: (() => Promise<void>) | undefined;
  const logLines: string[] = [];
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    dir = await mkdtemp(join(tmpdir(), 'passerelle-redis-down-'));
    port = await freePort();
    stopRedis = await redisServerOn(port, dir);
    app = await startTestApp(
      {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        PASSERELLE_DATA_KEY: testDataKey(),
        PASSERELLE_ALERT_WEBHOOK_URL: hooks.url,
        PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
        PASSERELLE_EMERGENCY_REFUSALS_ALERT: '3',
      },
      { logLines },
    );
    await putTripAndBookings(app, tripStartingIn(sampleTrip(), -1, new Date()), sampleBookings());
  }, 60_000);
  afterAll(async () => {
    // The app closes its queues against a Redis that answers.
    stopRedis ??= await redisServerOn(port, dir);
    await app.close();
    await stopRedis();
    await hooks.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should still count a client’s refusals, in this process, and raise them while Redis is down', async () => {
    await stopRedis?.();
    stopRedis = undefined;
    const repeated = () =>
      logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter(
          (line) => line.msg === 'emergency alert' && line.event === 'emergency-refusals-repeated',
        );
    const before = repeated().length;
    for (const policy of ['XX-GUESS-1', 'XX-GUESS-2', 'XX-GUESS-3']) {
      expect((await post(app, FIRST, policy)).status).toBe(404);
    }
    expect(repeated().slice(before)).toEqual([
      expect.objectContaining({ clientId: FIRST.id, refusals: 3 }) as unknown,
    ]);
    stopRedis = await redisServerOn(port, dir);
  }, 60_000);

  it('should answer a release at once, keep its alert and deliver it once Redis is back', async () => {
    await stopRedis?.();
    stopRedis = undefined;
    const sent = performance.now();
    const released = await post(app, FIRST, 'MV-2027-004411');
    const took = performance.now() - sent;
    expect(released.status, released.text).toBe(200);
    expect(took).toBeLessThan(3000);
    const requestId = released.headers.get('passerelle-request-id') ?? '';
    // Kept in PostgreSQL with its request, ids only, and said so in the log (ids only).
    const { rows } = await app.database.admin(
      'SELECT alerts_pending FROM emergency_requests WHERE id = $1',
      [requestId],
    );
    expect(rows).toEqual([
      {
        alerts_pending: {
          'emergency-released': expect.objectContaining({
            event: 'emergency-released',
            requestId,
            registerEntryId: released.headers.get('passerelle-register-entry'),
          }) as unknown,
        },
      },
    ]);
    const kept = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.emergencyRequestId === requestId && line.level === 'error');
    expect(kept).toMatchObject({
      msg: 'emergency alert not queued for the webhook: kept, queued when Redis is back',
      event: 'emergency-released',
    });
    expect(hooks.received).toHaveLength(0);

    stopRedis = await redisServerOn(port, dir);
    await hooks.waitFor((all) => all.some((h) => h.body.includes('"emergency-released"')), 60_000);
    const hook = hooks.received.find((h) => h.body.includes('"emergency-released"'));
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
      event: 'emergency-released',
      clientId: FIRST.id,
      requestId,
    });
    expect(hook?.headers['idempotency-key']).toBe(`emergency-released.${requestId}`);
    // No longer kept, once the round that queued it has committed.
    const pending = async (): Promise<{ n: number }[]> =>
      (
        await app.database.admin(
          'SELECT count(*)::int AS n FROM emergency_requests WHERE alerts_pending IS NOT NULL',
        )
      ).rows as { n: number }[];
    const until = Date.now() + 10_000;
    while ((await pending())[0]?.n !== 0 && Date.now() < until) await sleep(100);
    expect(await pending()).toEqual([{ n: 0 }]);
  }, 90_000);
});

describe('alerts kept in PostgreSQL until the webhook accepts them', () => {
  let app: TestApp;
  let hooks: WebhookReceiver;
  let redis: PrivateRedis;
  const pending = async (requestId: string): Promise<unknown> =>
    (
      await app.database.admin('SELECT alerts_pending FROM emergency_requests WHERE id = $1', [
        requestId,
      ])
    ).rows[0];
  const hooksAbout = (requestId: string) =>
    hooks.received.filter((h) => h.body.includes(`"requestId":"${requestId}"`));
  const jobKeys = (requestId: string) => redis.keys(`*:alerts:emergency-released.${requestId}`);
  const release = async (): Promise<string> => {
    const released = await post(app, FIRST, 'MV-2027-004411');
    expect(released.status, released.text).toBe(200);
    return released.headers.get('passerelle-request-id') ?? '';
  };
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    redis = await startPrivateRedis();
    app = await startTestApp({
      REDIS_URL: redis.url,
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_ALERT_WEBHOOK_URL: hooks.url,
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    });
    await putTripAndBookings(app, tripStartingIn(sampleTrip(), -1, new Date()), sampleBookings());
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await redis.close();
    await hooks.close();
  });

  it('should queue an alert again, delivered once, when Redis lost it before the webhook worker took it', async () => {
    const worker = app.app.get(AlertWebhookProcessor).worker;
    // Interrupts its blocking wait for a job, so that it takes none until resumed.
    await worker.pause();
    try {
      const requestId = await release();
      expect(await jobKeys(requestId)).toHaveLength(1);
      // Kept while in flight, though the queue took it.
      expect(await pending(requestId)).toEqual({
        alerts_pending: {
          'emergency-released': expect.objectContaining({ requestId }) as unknown,
        },
      });

      await redis.flushAll();
      expect(await jobKeys(requestId)).toEqual([]);
      // The drain's next round queues it again.
      const until = Date.now() + 10_000;
      while ((await jobKeys(requestId)).length === 0 && Date.now() < until) await sleep(100);
      expect(await jobKeys(requestId)).toHaveLength(1);

      await worker.resume();
      await hooks.waitFor(() => hooksAbout(requestId).length > 0);
      // Several drain rounds later, still once.
      await sleep(3 * ALERT_DRAIN_INTERVAL_MS);
      expect(hooksAbout(requestId)).toHaveLength(1);
      expect(hooksAbout(requestId)[0]?.headers['idempotency-key']).toBe(
        `emergency-released.${requestId}`,
      );
      expect(await pending(requestId)).toEqual({ alerts_pending: null });
    } finally {
      await worker.resume();
    }
  }, 60_000);

  it('should keep a release’s alert in the statement that records it, not in a later write of its row', async () => {
    const worker = app.app.get(AlertWebhookProcessor).worker;
    await worker.pause();
    // Every later write of a request's row fails (as a crash, or PostgreSQL gone, right after
    // the release's commit would leave it): the alert must be kept already.
    await app.database.admin(`
      CREATE FUNCTION test_refuse_update() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await app.database.admin(`
      CREATE TRIGGER test_refuse_update BEFORE UPDATE ON emergency_requests
        FOR EACH ROW EXECUTE FUNCTION test_refuse_update()`);
    let triggered = true;
    const dropTrigger = async () => {
      if (!triggered) return;
      triggered = false;
      await app.database.admin('DROP TRIGGER test_refuse_update ON emergency_requests');
      await app.database.admin('DROP FUNCTION test_refuse_update()');
    };
    try {
      const released = await post(app, FIRST, 'MV-2027-004411');
      expect(released.status, released.text).toBe(200);
      const requestId = released.headers.get('passerelle-request-id') ?? '';
      expect(await pending(requestId)).toEqual({
        alerts_pending: {
          'emergency-released': expect.objectContaining({
            event: 'emergency-released',
            requestId,
            registerEntryId: released.headers.get('passerelle-register-entry'),
            clientId: FIRST.id,
          }) as unknown,
        },
      });

      // Redis loses its job before the webhook worker takes it: the kept alert is queued
      // again by the drain and delivered, once.
      await redis.flushAll();
      await dropTrigger();
      const until = Date.now() + 10_000;
      while ((await jobKeys(requestId)).length === 0 && Date.now() < until) await sleep(100);
      expect(await jobKeys(requestId)).toHaveLength(1);
      await worker.resume();
      await hooks.waitFor(() => hooksAbout(requestId).length > 0);
      await sleep(2 * ALERT_DRAIN_INTERVAL_MS);
      expect(hooksAbout(requestId)).toHaveLength(1);
    } finally {
      await dropTrigger();
      await worker.resume();
    }
  }, 60_000);

  it('should no longer keep nor queue an alert the webhook accepted', async () => {
    const requestId = await release();
    await hooks.waitFor(() => hooksAbout(requestId).length > 0);
    const until = Date.now() + 5_000;
    while (JSON.stringify(await pending(requestId)) !== '{"alerts_pending":null}') {
      if (Date.now() > until) break;
      await sleep(50);
    }
    expect(await pending(requestId)).toEqual({ alerts_pending: null });
    // Not offered again by the drain rounds after it: its job, removed once done, stays so.
    await sleep(3 * ALERT_DRAIN_INTERVAL_MS);
    expect(await jobKeys(requestId)).toEqual([]);
    expect(hooksAbout(requestId)).toHaveLength(1);
  }, 60_000);
});
