import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { createApp } from '../src/main.js';
import { RegisterMaintenance } from '../src/modules/register/register-maintenance.js';
import { createTestDatabase } from './support/database.js';
import { putTripAndBookings, testDataKey } from './support/ingest.js';
import { sampleBookings, sampleTrip, type JsonObject } from './support/input-documents.js';
import { eventually, startOutboxApp, type OutboxApp } from './support/pipeline.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { dropKeysUnder } from './support/redis.js';
import { testAppEnv } from './support/test-app.js';
import { clientOfRole, writeClientsFile } from './support/test-clients.js';

/**
 * What an operator alerts on, read from `/metrics` of a process of role `all`: deliveries and
 * their latency, the backlog and its oldest age, the queue's jobs, missed sends raised even
 * while Redis hangs, the daily jobs, the register's append failures and the key rotation's
 * leftovers — labelled by contract, transport, state or job, never by a trip, a transmission
 * or a person; and a scrape bounded while Redis does not answer.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let redis: PrivateRedis;
let outbox: OutboxApp;
let trip: JsonObject;

beforeAll(async () => {
  redis = await startPrivateRedis();
  outbox = await startOutboxApp({
    REDIS_URL: redis.url,
    PASSERELLE_ROLE: 'all',
    PASSERELLE_DISPATCH_INTERVAL_MS: '200',
    PASSERELLE_RETRY_BASE_MS: '50',
  });
  trip = tripStartingIn(sampleTrip(), 30, new Date());
  await putTripAndBookings(outbox.app, trip, sampleBookings());
}, 90_000);
afterAll(async () => {
  redis.thaw();
  await outbox.close();
  await redis.close();
});

async function scrape(): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${outbox.app.url}/metrics`, {
    signal: AbortSignal.timeout(20_000),
  });
  return { text: await response.text(), ms: performance.now() - started };
}

/** The value of one sample (`name{labels}`), or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

const tripId = (): string => trip.id as string;

describe('the metrics an operator alerts on', () => {
  it('should count deliveries with their latency by transport, and show the backlog, the queue and the jobs without any id of a trip, a send or a person', async () => {
    // The insurers' enrollment leaves at confirmation.
    const text = await eventually('a delivery to be counted', async () => {
      const { text } = await scrape();
      const delivered = sample(
        text,
        'passerelle_delivery_seconds_count{transport="outbox",outcome="delivered"}',
      );
      return delivered !== undefined && delivered > 0 ? text : undefined;
    });
    expect(text).toMatch(/^passerelle_delivery_seconds_bucket\{le="1",transport="outbox"/m);
    await eventually('the backlog to drain', async () =>
      sample(
        (await scrape()).text,
        'passerelle_transmissions_backlog{contract="insurer-enrollment"}',
      ) === 0
        ? true
        : undefined,
    );
    const now = (await scrape()).text;
    expect(sample(now, 'passerelle_transmissions_backlog{contract="us-apis"}')).toBe(0);
    expect(sample(now, 'passerelle_transmissions_backlog_oldest_seconds')).toBe(0);
    expect(sample(now, 'passerelle_queue_jobs{state="waiting"}')).toBe(0);
    expect(sample(now, 'passerelle_queue_jobs{state="failed"}')).toBe(0);
    expect(sample(now, 'passerelle_register_append_failures_total')).toBe(0);
    expect(sample(now, 'passerelle_queue_stalled_jobs_total')).toBe(0);
    expect(sample(now, 'passerelle_daily_job_failures_total{job="booking-retention"}')).toBe(0);
    expect(sample(now, 'passerelle_sealed_under_other_key{table="bookings"}')).toBe(0);
    expect(sample(now, 'passerelle_sealed_under_other_key{table="emergency_requests"}')).toBe(0);
    // Labels: contracts, transports, states, jobs — no trip, no transmission, no person.
    expect(now).not.toMatch(UUID);
    expect(now).not.toContain(tripId());
    for (const booking of sampleBookings()) {
      for (const participant of booking.participants as JsonObject[]) {
        expect(now).not.toContain(participant.id as string);
        expect(now).not.toContain(participant.surname as string);
      }
    }
  }, 60_000);

  it('should tell the time of the daily register maintenance’s last success', async () => {
    const before = Date.now() / 1000;
    await outbox.app.app.get(RegisterMaintenance, { strict: false }).run();
    const { text } = await scrape();
    const last = sample(
      text,
      'passerelle_daily_job_last_success_timestamp_seconds{job="register-maintenance"}',
    );
    expect(last).toBeGreaterThanOrEqual(Math.floor(before));
    expect(sample(text, 'passerelle_daily_job_failures_total{job="register-maintenance"}')).toBe(0);
    // The same run verified the whole register: intact.
    expect(sample(text, 'passerelle_register_intact')).toBe(1);
    expect(
      sample(
        text,
        'passerelle_daily_job_last_success_timestamp_seconds{job="register-verification"}',
      ),
    ).toBeGreaterThanOrEqual(Math.floor(before));
  }, 30_000);

  it('should still raise a missed send, show the backlog growing and answer a scrape in bounded time while Redis hangs', async () => {
    const { admin } = outbox.app.database;
    redis.freeze();
    try {
      // Sends of one contract fall due: claimed, their jobs wait on Redis.
      await admin(
        `UPDATE transmissions SET due_at = now() - interval '1 second'
          WHERE trip_id = $1 AND contract_id = 'airline-group-list' AND status = 'planned'`,
        [tripId()],
      );
      await eventually('the due sends to be claimed', async () => {
        const { rows } = await admin(
          `SELECT count(*)::int AS n FROM transmissions
            WHERE trip_id = $1 AND contract_id = 'airline-group-list' AND status = 'queued'`,
          [tripId()],
        );
        return (rows[0] as { n: number }).n > 0 ? true : undefined;
      });
      // Another send reaches its last moment meanwhile.
      const { rows } = await admin(
        `UPDATE transmissions SET deadline = now() + interval '1 second'
          WHERE id = (SELECT id FROM transmissions
                       WHERE trip_id = $1 AND contract_id = 'us-apis' AND status = 'planned'
                       ORDER BY due_at LIMIT 1)
          RETURNING id`,
        [tripId()],
      );
      const late = (rows[0] as { id: string }).id;
      await eventually(
        'the send past its last moment to be missed',
        async () => {
          const { rows: now } = await admin('SELECT status FROM transmissions WHERE id = $1', [
            late,
          ]);
          return (now[0] as { status: string }).status === 'missed' ? true : undefined;
        },
        15_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 5500));
      const { text, ms } = await scrape();
      expect(ms).toBeLessThan(4000);
      expect(
        sample(text, 'passerelle_transmission_alerts_total{kind="missed",contract="us-apis"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'passerelle_transmissions_backlog{contract="airline-group-list"}'),
      ).toBeGreaterThan(0);
      expect(sample(text, 'passerelle_transmissions_backlog_oldest_seconds')).toBeGreaterThan(1);
      // The queue's figures are not known while Redis does not answer: absent, not stale.
      expect(sample(text, 'passerelle_queue_jobs{state="waiting"}')).toBeUndefined();
    } finally {
      redis.thaw();
    }
    await eventually(
      'the backlog to drain once Redis answers',
      async () =>
        sample(
          (await scrape()).text,
          'passerelle_transmissions_backlog{contract="airline-group-list"}',
        ) === 0
          ? true
          : undefined,
      30_000,
    );
  }, 90_000);
});

describe('the key rotation’s leftovers', () => {
  it('should count at start the bookings sealed under a master key the process was not given, and none once it is given', async () => {
    const database = await createTestDatabase();
    const clients = await writeClientsFile();
    const prefix = `pq_${database.name}`;
    const boot = async (env: Record<string, string>) => {
      const app = await createApp(
        loadAppConfig({
          ...testAppEnv(database, clients.file),
          PASSERELLE_ROLE: 'api',
          REDIS_URL: redis.url,
          ...env,
        }),
        false,
      );
      await app.listen(0, '127.0.0.1');
      return app;
    };
    const leftovers = async (app: INestApplication) =>
      sample(
        await (await fetch(`${await app.getUrl()}/metrics`)).text(),
        'passerelle_sealed_under_other_key{table="bookings"}',
      );
    try {
      const oldKey = testDataKey();
      const newKey = testDataKey();
      const first = await boot({ PASSERELLE_DATA_KEY: oldKey });
      const url = await first.getUrl();
      const put = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${clientOfRole('ingest').key}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        });
      const moved = tripStartingIn(sampleTrip(), 30, new Date());
      expect((await put(`/v1/trips/${moved.id as string}`, moved)).status).toBe(201);
      const bookings = sampleBookings();
      for (const booking of bookings) {
        expect((await put(`/v1/bookings/${booking.reference as string}`, booking)).status).toBe(
          201,
        );
      }
      expect(await leftovers(first)).toBe(0);
      await first.close();
      // The new key alone: the old key's bookings cannot be opened — not to be dropped yet.
      const withoutOld = await boot({ PASSERELLE_DATA_KEY: newKey });
      expect(await leftovers(withoutOld)).toBe(bookings.length);
      await withoutOld.close();
      // Given the old key as previous, everything is re-wrapped at start: none left.
      const rotated = await boot({
        PASSERELLE_DATA_KEY: newKey,
        PASSERELLE_DATA_KEY_PREVIOUS: oldKey,
      });
      expect(await leftovers(rotated)).toBe(0);
      await rotated.close();
    } finally {
      await dropKeysUnder(prefix);
      await clients.remove();
      await database.drop();
    }
  }, 90_000);
});
