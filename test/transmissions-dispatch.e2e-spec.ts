import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherService } from '../src/modules/transmissions/dispatcher.service.js';
import { putTripAndBookings, tripVariant } from './support/ingest.js';
import { eventually, startOutboxApp, type OutboxApp } from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingTrip } from './support/upcoming-samples.js';

/** The next transmission of each unit, planned for later (the ones the claim may take once due). */
const FIRST_OF_EACH_UNIT = `
  SELECT DISTINCT ON (trip_id, contract_id, unit_key) id FROM transmissions
   WHERE status = 'planned' ORDER BY trip_id, contract_id, unit_key, moment`;

/**
 * The dispatcher between its rounds. Its interval here is an hour: whatever is sent during a
 * test was claimed because the dispatcher was told, not because its timer turned. The
 * transmissions are made due by another connection (as another process, or time, would):
 * nothing in the app's own process knows of it.
 */
describe('the dispatcher, with an hour between its rounds (PostgreSQL, Redis, outbox)', () => {
  let started: OutboxApp;
  let app: TestApp;

  /** How many of `ids` are not yet sent (planned, queued or being sent). */
  async function unsent(ids: readonly string[]): Promise<number> {
    const { rows } = await app.database.admin(
      `SELECT count(*)::int AS n FROM transmissions
        WHERE id = ANY($1::uuid[]) AND status IN ('planned', 'queued', 'sending')`,
      [ids],
    );
    return (rows[0] as { n: number }).n;
  }

  /**
   * Waits until none of the trips `like` names has a transmission due and not yet sent (those
   * their bookings' confirmation made due at once): the claim takes a unit's next
   * transmission only once its previous one is done.
   */
  async function quiet(like: string): Promise<void> {
    await eventually(`the sends of ${like} to end`, async () => {
      const { rows } = await app.database.admin(
        `SELECT count(*)::int AS n FROM transmissions
          WHERE trip_id LIKE $1
            AND (status IN ('queued', 'sending') OR (status = 'planned' AND due_at <= now()))`,
        [like],
      );
      return (rows[0] as { n: number }).n === 0 ? true : undefined;
    });
  }

  /** Makes `ids` due a second ago, in one statement of another connection; returns them. */
  async function makeDue(sql: string, params: unknown[] = []): Promise<string[]> {
    const { rows } = await app.database.admin(
      `UPDATE transmissions SET due_at = now() - interval '1 second'
        WHERE id IN (${sql}) RETURNING id`,
      params,
    );
    return (rows as { id: string }[]).map((row) => row.id);
  }

  /**
   * Stores trip `tripId` with one booking; once the sends its confirmation made due are done,
   * makes the next transmission of each of its units due, from another connection, and
   * waits for them to be sent.
   */
  async function storeThenMakeDueAndSee(tripId: string): Promise<void> {
    await putTripAndBookings(app, tripVariant(upcomingTrip(), tripId), [
      upcomingBookingVariant(0, `${tripId}-B0`, tripId),
    ]);
    await quiet(tripId);
    const due = await makeDue(FIRST_OF_EACH_UNIT.replace('WHERE', 'WHERE trip_id = $1 AND'), [
      tripId,
    ]);
    expect(due.length).toBeGreaterThan(0);
    await eventually('the transmissions made due to be sent', async () =>
      (await unsent(due)) === 0 ? true : undefined,
    );
  }

  beforeAll(async () => {
    started = await startOutboxApp({ PASSERELLE_DISPATCH_INTERVAL_MS: '3600000' });
    app = started.app;
    const dispatcher = app.app.get(DispatcherService);
    await eventually('the dispatcher to listen', () =>
      Promise.resolve(dispatcher.listening ? true : undefined),
    );
  }, 60_000);

  afterAll(async () => {
    await started.close();
  });

  it('should claim at once what PostgreSQL announces as due, whoever wrote it', async () => {
    await storeThenMakeDueAndSee('T-WAKE');
  }, 30_000);

  it('should listen again after its connection is cut, and hear what falls due then', async () => {
    const dispatcher = app.app.get(DispatcherService);
    const { rows } = await app.database.admin(
      `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
    );
    expect(rows).toEqual([{ cut: true }]);
    await eventually('the dispatcher to notice', () =>
      Promise.resolve(dispatcher.listening ? undefined : true),
    );
    await eventually('the dispatcher to listen again', () =>
      Promise.resolve(dispatcher.listening ? true : undefined),
    );
    await storeThenMakeDueAndSee('T-AGAIN');
  }, 30_000);

  it('should claim more than one round takes (500) without waiting for the next round', async () => {
    // Enough trips for more than 500 units, each one booking.
    for (let i = 0; i < 80; i += 1) {
      const id = `T-MANY-${i}`;
      await putTripAndBookings(app, tripVariant(upcomingTrip(), id), [
        upcomingBookingVariant(0, `${id}-B0`, id),
      ]);
    }
    await quiet('T-MANY-%');
    const due = await makeDue(
      FIRST_OF_EACH_UNIT.replace('WHERE', "WHERE trip_id LIKE 'T-MANY-%' AND"),
    );
    expect(due.length).toBeGreaterThan(500);
    await eventually(
      'every transmission made due to be sent',
      async () => ((await unsent(due)) === 0 ? true : undefined),
      60_000,
    );
  }, 120_000);
});
