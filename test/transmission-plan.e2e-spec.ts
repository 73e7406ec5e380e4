import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TransmissionsRepository,
  type Transmission,
} from '../src/modules/transmissions/transmissions.repository.js';
import { ask, tripVariant } from './support/ingest.js';
import { edit, type JsonObject } from './support/input-documents.js';
import { eventsOf, registerEntries } from './support/pipeline-checks.js';
import {
  bringDue,
  eventually,
  settled,
  startOutboxApp,
  transmissionsOf,
  type OutboxApp,
} from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingDate, upcomingTrip } from './support/upcoming-samples.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The plan of one trip, through the API, by contract and unit. */
async function planOf(app: TestApp, tripId: string) {
  const all = await transmissionsOf(app, tripId);
  const find = (contractId: string, unit: string, kind = 'scheduled', moment = 0) =>
    all.find(
      (t) =>
        t.contractId === contractId && t.unit === unit && t.kind === kind && t.moment === moment,
    );
  return { all, find };
}

describe('the transmission plan, through the API (PostgreSQL, Redis, outbox)', () => {
  let started: OutboxApp;
  let app: TestApp;

  /** A trip of its own (the sample's flights and stay, no rooms) with `bookings` samples. */
  async function putTrip(
    id: string,
    trip: JsonObject = tripVariant(upcomingTrip(), id),
    bookings = [0],
  ) {
    const answer = await ask(app, 'PUT', `/v1/trips/${id}`, { role: 'ingest', body: trip });
    expect(answer.status, answer.text).toBe(201);
    const references: string[] = [];
    for (const index of bookings) {
      const reference = `${id}-B${index}`;
      const put = await ask(app, 'PUT', `/v1/bookings/${reference}`, {
        role: 'ingest',
        body: upcomingBookingVariant(index, reference, id),
      });
      expect(put.status, put.text).toBe(201);
      references.push(reference);
    }
    return references;
  }

  async function outboxFilesOf(transmissionId: string): Promise<string[]> {
    const all = await readdir(started.outbox, { recursive: true });
    return all.filter((f) => f.includes(transmissionId));
  }

  beforeAll(async () => {
    started = await startOutboxApp({
      PASSERELLE_DISPATCH_INTERVAL_MS: '100',
      PASSERELLE_RETRY_BASE_MS: '50',
    });
    app = started.app;
  }, 60_000);

  afterAll(async () => {
    await started.close();
  });

  it('should plan each send at the time its contract schedules, and move it with its flight', async () => {
    await putTrip('T-PLAN-TIMES');
    const { find } = await planOf(app, 'T-PLAN-TIMES');
    const departure = Date.parse(upcomingDate('2027-07-01T10:30:00+02:00'));
    // us-apis: 48 h before departure, until 2 h before.
    const apis = find('us-apis', 'flight:F1')!;
    expect(Date.parse(apis.dueAt)).toBe(departure - 48 * HOUR);
    expect(Date.parse(apis.deadline)).toBe(departure - 2 * HOUR);
    expect(apis.status).toBe('planned');
    // The rooming list: 7 days before check-in (a calendar day, UTC), until check-in.
    const rooming = find('hotel-rooming-list', 'stay:S1')!;
    expect(rooming.dueAt).toBe(upcomingDate('2027-06-24T00:00:00.000Z'));
    expect(rooming.deadline).toBe(upcomingDate('2027-07-01T00:00:00.000Z'));
    // The insurer: once the booking is confirmed (now), and again the day before the start.
    const enrolment = find(
      'insurer-enrollment',
      'trip:T-PLAN-TIMES:insurer:INS-MUTUELLE-VOYAGE',
      'scheduled',
      1,
    )!;
    expect(enrolment.dueAt).toBe(upcomingDate('2027-06-30T00:00:00.000Z'));

    // The flight leaves a day later: its sends move (the same rows), the others stay.
    let trip = tripVariant(upcomingTrip(), 'T-PLAN-TIMES', 2);
    trip = edit(
      trip,
      'flights[0].departure.scheduledAt',
      upcomingDate('2027-07-02T10:30:00+02:00'),
    );
    trip = edit(trip, 'flights[0].arrival.scheduledAt', upcomingDate('2027-07-02T12:45:00-04:00'));
    trip = edit(trip, 'startDate', upcomingDate('2027-07-02'));
    trip = edit(trip, 'stays[0].checkIn', upcomingDate('2027-07-02'));
    const moved = await ask(app, 'PUT', '/v1/trips/T-PLAN-TIMES', { role: 'ingest', body: trip });
    expect(moved.status, moved.text).toBe(200);
    const after = await planOf(app, 'T-PLAN-TIMES');
    const movedApis = after.find('us-apis', 'flight:F1')!;
    expect(movedApis.id).toBe(apis.id);
    expect(Date.parse(movedApis.dueAt)).toBe(departure + DAY - 48 * HOUR);
    expect(Date.parse(movedApis.deadline)).toBe(departure + DAY - 2 * HOUR);
    expect(after.find('us-apis', 'flight:F2')!.dueAt).toBe(find('us-apis', 'flight:F2')!.dueAt);
    expect(after.find('hotel-rooming-list', 'stay:S1')!.dueAt).toBe(
      upcomingDate('2027-06-25T00:00:00.000Z'),
    );
  });

  it('should cancel every pending send of a cancelled trip, and those of a booking erased', async () => {
    await putTrip('T-PLAN-CANCEL');
    const before = await planOf(app, 'T-PLAN-CANCEL');
    expect(before.all.filter((t) => t.status === 'planned').length).toBeGreaterThan(3);
    const cancelled = edit(
      edit(tripVariant(upcomingTrip(), 'T-PLAN-CANCEL', 2), 'status', 'cancelled'),
      'revision',
      2,
    );
    const put = await ask(app, 'PUT', '/v1/trips/T-PLAN-CANCEL', {
      role: 'ingest',
      body: cancelled,
    });
    expect(put.status, put.text).toBe(200);
    const after = await planOf(app, 'T-PLAN-CANCEL');
    expect(after.all.filter((t) => t.status === 'planned')).toEqual([]);
    // (The enrolment due at confirmation may have left already: only those still to come.)
    for (const t of before.all.filter((x) => Date.parse(x.dueAt) > Date.now() + DAY)) {
      expect(after.all.find((x) => x.id === t.id)).toMatchObject({
        status: 'cancelled',
        reason: 'its unit no longer exists',
      });
    }

    // The last participant goes (the booking erased): nothing is left to send for them.
    const [reference] = await putTrip('T-PLAN-ERASE');
    expect((await planOf(app, 'T-PLAN-ERASE')).all.some((t) => t.status === 'planned')).toBe(true);
    expect(
      (await ask(app, 'DELETE', `/v1/bookings/${reference!}`, { role: 'ingest' })).status,
    ).toBe(204);
    const erased = await planOf(app, 'T-PLAN-ERASE');
    expect(erased.all.filter((t) => t.status === 'planned')).toEqual([]);
  });

  it('should resend after a change only when the minimized payload changed', async () => {
    const [reference] = await putTrip('T-PLAN-RESEND');
    await bringDue(app, 'T-PLAN-RESEND');
    const first = await settled(app, 'T-PLAN-RESEND');
    const apis = first.find((t) => t.contractId === 'us-apis' && t.unit === 'flight:F1')!;
    expect(apis.status).toBe('delivered');

    // Marketing interests go to no recipient: no contract's payload changes, nothing is planned.
    let booking = upcomingBookingVariant(0, reference!, 'T-PLAN-RESEND');
    booking = edit(edit(booking, 'revision', 3), 'participants[0].marketing.interests', ['chess']);
    const unchanged = await ask(app, 'PUT', `/v1/bookings/${reference!}`, {
      role: 'ingest',
      body: booking,
    });
    expect(unchanged.status, unchanged.text).toBe(200);
    const afterUnchanged = await transmissionsOf(app, 'T-PLAN-RESEND');
    expect(afterUnchanged.filter((t) => t.kind === 'resend')).toEqual([]);
    expect(afterUnchanged.filter((t) => t.status === 'planned' && t.kind === 'resend')).toEqual([]);

    // A new passport number changes what APIS carries, not what the group list carries.
    booking = edit(
      edit(booking, 'revision', 4),
      'participants[0].documents[0].number',
      '21ZZ99999',
    );
    const changed = await ask(app, 'PUT', `/v1/bookings/${reference!}`, {
      role: 'ingest',
      body: booking,
    });
    expect(changed.status, changed.text).toBe(200);
    const resends = (await transmissionsOf(app, 'T-PLAN-RESEND')).filter(
      (t) => t.kind === 'resend',
    );
    expect(resends.map((t) => `${t.contractId}|${t.unit}`).sort()).toEqual(
      expect.arrayContaining(['us-apis|flight:F1', 'us-apis|flight:F2']),
    );
    expect(resends.some((t) => t.contractId === 'airline-group-list')).toBe(false);
    await bringDue(app, 'T-PLAN-RESEND');
    const done = await settled(app, 'T-PLAN-RESEND');
    const apisF1 = done.filter(
      (t) => t.contractId === 'us-apis' && t.unit === 'flight:F1' && t.status === 'delivered',
    );
    expect(apisF1).toHaveLength(2);
    expect(apisF1[0]!.deliveredDigest).not.toBe(apisF1[1]!.deliveredDigest);
  });

  it('should resend, once delivered, a send whose data changed while it was being sent (a booking erased)', async () => {
    const [, erased] = await putTrip('T-PLAN-MIDSEND', undefined, [0, 1]);
    const { find } = await planOf(app, 'T-PLAN-MIDSEND');
    const apis = find('us-apis', 'flight:F1')!;
    // A worker has leased it and rendered both bookings when the erasure arrives.
    await app.database.admin(
      `UPDATE transmissions SET status = 'sending', attempts = attempts + 1,
         lease_until = now() + interval '1 hour' WHERE id = $1`,
      [apis.id],
    );
    expect((await ask(app, 'DELETE', `/v1/bookings/${erased!}`, { role: 'ingest' })).status).toBe(
      204,
    );
    const during = (await planOf(app, 'T-PLAN-MIDSEND')).find('us-apis', 'flight:F1')!;
    expect(during.status).toBe('sending');
    expect(during.digest).not.toBe(apis.digest);

    // It is delivered with the data of before (the erased participant in it)…
    const finished = await app.app.get(TransmissionsRepository).finish(
      [
        {
          id: apis.id,
          attempt: apis.attempts + 1,
          status: 'delivered',
          deliveredDigest: apis.digest,
          lastError: null,
        },
      ],
      new Date(),
    );
    expect(finished.has(apis.id)).toBe(true);
    // …so the recipient is sent the list without them, at once.
    const resend = await eventually('the resend of the data without the erased booking', async () =>
      (await transmissionsOf(app, 'T-PLAN-MIDSEND')).find(
        (t) =>
          t.contractId === 'us-apis' &&
          t.unit === 'flight:F1' &&
          t.kind === 'resend' &&
          t.status === 'delivered',
      ),
    );
    expect(resend.deliveredDigest).toBe(during.digest);
  });

  it('should mark a send past its last moment missed and raise it, never sending it late', async () => {
    // A trip leaving within the hour: APIS should have left 2 h before departure.
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    let trip = tripVariant(upcomingTrip(), 'T-PLAN-LATE');
    trip = edit(trip, 'startDate', day(now + HOUR));
    trip = edit(trip, 'endDate', day(now + 12 * DAY));
    trip = edit(trip, 'flights[0].departure.scheduledAt', iso(now + HOUR));
    trip = edit(trip, 'flights[0].arrival.scheduledAt', iso(now + 9 * HOUR));
    trip = edit(trip, 'flights[1].departure.scheduledAt', iso(now + 10 * DAY));
    trip = edit(trip, 'flights[1].arrival.scheduledAt', iso(now + 10 * DAY + 8 * HOUR));
    trip = edit(trip, 'stays[0].checkIn', day(now + 9 * HOUR));
    trip = edit(trip, 'stays[0].checkOut', day(now + 10 * DAY));
    const alertsBefore = await missedAlerts(app, 'us-apis');
    await putTrip('T-PLAN-LATE', trip);
    const { find } = await planOf(app, 'T-PLAN-LATE');
    const late = find('us-apis', 'flight:F1')!;
    expect(late.status).toBe('missed');
    expect(find('us-apis', 'flight:F2')!.status).toBe('planned');
    expect(await missedAlerts(app, 'us-apis')).toBe(alertsBefore + 1);

    // A pending send whose last moment passes while it waits is missed by the dispatcher.
    const held = find('us-apis', 'flight:F2')!;
    await app.database.admin(
      `UPDATE transmissions SET deadline = now() - interval '1 second', due_at = now() - interval '2 seconds' WHERE id = $1`,
      [held.id],
    );
    const missed = await eventually('the dispatcher to miss it', async () => {
      const t = (await transmissionsOf(app, 'T-PLAN-LATE')).find((x) => x.id === held.id)!;
      return t.status === 'missed' ? t : undefined;
    });
    expect(missed.reason).toBe('its last moment passed before it could be sent');
    expect(await missedAlerts(app, 'us-apis')).toBe(alertsBefore + 2);
    // Neither left: no attempt in the register, no file.
    const entries = await registerEntries(app);
    expect(eventsOf(entries, late.id)).toEqual([]);
    expect(eventsOf(entries, held.id)).toEqual([]);
    expect(await outboxFilesOf(late.id)).toEqual([]);
    expect(await outboxFilesOf(held.id)).toEqual([]);
  });

  it('should fail a unit with missing data once, without sending it, and send it when the data is fixed', async () => {
    const [reference] = await putTrip('T-PLAN-QUALITY');
    // The booking system sends a passport that expires during the trip (a typo, say).
    const complete = upcomingBookingVariant(0, reference!, 'T-PLAN-QUALITY');
    const partial = edit(
      edit(complete, 'revision', 3),
      'participants[0].documents[0].expiryDate',
      upcomingDate('2027-07-05'),
    );
    const put = await ask(app, 'PUT', `/v1/bookings/${reference!}`, {
      role: 'ingest',
      body: partial,
    });
    expect(put.status, put.text).toBe(200);
    const before = await failedAlerts(app, 'us-apis');
    const apis = (await planOf(app, 'T-PLAN-QUALITY')).find('us-apis', 'flight:F1')!;
    await app.database.admin(`UPDATE transmissions SET due_at = now() WHERE id = $1`, [apis.id]);
    const failed = await eventually('the APIS send to fail', async () => {
      const one = await ask(app, 'GET', `/v1/transmissions/${apis.id}`, { role: 'ops' });
      return one.body.status === 'failed' ? one.body : undefined;
    });
    // Permanent: one attempt, no retry; the problem named by path and rule, never a value.
    expect(failed).toMatchObject({ lastError: 'DATA_QUALITY', attempts: 1 });
    expect(JSON.stringify(failed.problems)).toContain(`${reference!}-1`);
    expect(JSON.stringify(failed.problems)).toContain('expires before the return');
    expect(JSON.stringify(failed.problems)).not.toContain(upcomingDate('2027-07-05'));
    expect(await failedAlerts(app, 'us-apis')).toBe(before + 1);
    // Nothing left: no disclosure in the register, no file.
    expect(eventsOf(await registerEntries(app), apis.id)).toEqual([]);
    expect(await outboxFilesOf(apis.id)).toEqual([]);

    // The passport arrives: the same transmission is planned again and leaves.
    const fixed = edit(complete, 'revision', 4);
    expect(
      (await ask(app, 'PUT', `/v1/bookings/${reference!}`, { role: 'ingest', body: fixed })).status,
    ).toBe(200);
    const replanned = (await planOf(app, 'T-PLAN-QUALITY')).find('us-apis', 'flight:F1')!;
    expect(replanned).toMatchObject({ id: apis.id, status: 'planned', problems: [] });
    await app.database.admin(`UPDATE transmissions SET due_at = now() WHERE id = $1`, [apis.id]);
    await eventually('the fixed APIS send to leave', async () => {
      const one = await ask(app, 'GET', `/v1/transmissions/${apis.id}`, { role: 'ops' });
      return one.body.status === 'delivered' ? one : undefined;
    });
    expect(eventsOf(await registerEntries(app), apis.id)).toEqual([
      'disclosure-attempted',
      'disclosure-delivered',
    ]);
    expect(await failedAlerts(app, 'us-apis')).toBe(before + 1);
  });

  it('should let operations preview, hold, release and send now, each recorded with its actor and reason', async () => {
    await putTrip('T-PLAN-OPS');
    const { find } = await planOf(app, 'T-PLAN-OPS');
    const apis = find('us-apis', 'flight:F1')!;
    const group = find('airline-group-list', 'flight:F1')!;
    const path = (t: Transmission, action = '') => `/v1/transmissions/${t.id}${action}`;

    // Operations only.
    expect((await ask(app, 'GET', path(apis), { role: 'ingest' })).status).toBe(403);
    expect((await ask(app, 'POST', path(apis, '/hold'), { role: 'ops', body: {} })).status).toBe(
      400,
    );

    // The preview shows what would leave now, and the view is recorded.
    const preview = await ask(app, 'GET', path(apis, '/preview'), { role: 'ops' });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('UNH');
    expect(preview.body.summary).toMatchObject({ contract: 'us-apis', unit: 'flight:F1' });

    const hold = await ask(app, 'POST', path(apis, '/hold'), {
      role: 'ops',
      body: { reason: 'checking a passport with the family' },
    });
    expect(hold.status, hold.text).toBe(200);
    expect(hold.body.status).toBe('held');
    // Time passes: the held one waits, the other leaves.
    await app.database.admin(`UPDATE transmissions SET due_at = now() WHERE id = ANY($1)`, [
      [apis.id, group.id],
    ]);
    await eventually('the group list to leave', async () => {
      const t = (await transmissionsOf(app, 'T-PLAN-OPS')).find((x) => x.id === group.id)!;
      return t.status === 'delivered' ? t : undefined;
    });
    expect((await ask(app, 'GET', path(apis), { role: 'ops' })).body.status).toBe('held');

    const release = await ask(app, 'POST', path(apis, '/release'), {
      role: 'ops',
      body: { reason: 'passport confirmed' },
    });
    expect(release.body.status).toBe('planned');
    // Released and due: it leaves on its own. Another one, not yet due, leaves on request.
    const f2 = find('us-apis', 'flight:F2')!;
    const sendNow = await ask(app, 'POST', path(f2, '/send-now'), {
      role: 'ops',
      body: { reason: 'the airline asked for it early' },
    });
    expect(sendNow.status, sendNow.text).toBe(200);
    for (const t of [apis, f2]) {
      await eventually(`${t.unit} to be delivered`, async () => {
        const one = await ask(app, 'GET', path(t), { role: 'ops' });
        return one.body.status === 'delivered' ? one : undefined;
      });
    }
    // Not pending any more: the action is refused, and changes nothing.
    const again = await ask(app, 'POST', path(f2, '/hold'), {
      role: 'ops',
      body: { reason: 'too late' },
    });
    expect(again.status).toBe(409);
    expect((again.body.error as JsonObject).code).toBe('NOT_PENDING');

    // GET one: the transmission with its register entries (newest first), naming the operator.
    const one = await ask(app, 'GET', path(apis), { role: 'ops' });
    const events = (one.body.registerEntries as JsonObject[]).map((e) => [
      e.event,
      (e.detail as JsonObject | undefined)?.action ?? null,
    ]);
    expect(events.reverse()).toEqual([
      ['preview-viewed', null],
      ['ops-action', 'hold'],
      ['ops-action', 'release'],
      ['disclosure-attempted', null],
      ['disclosure-delivered', null],
    ]);
    const entries = await registerEntries(app);
    const holdEntry = entries.find(
      (e) => e.transmissionId === apis.id && e.detail?.action === 'hold',
    )!;
    expect(holdEntry.actor).toEqual({ kind: 'client', id: expect.any(String) as string });
    expect(holdEntry.actor.id).not.toBe('worker');
    expect(holdEntry.reason).toBe('checking a passport with the family');
    expect(
      entries.find((e) => e.transmissionId === f2.id && e.detail?.action === 'send-now')?.reason,
    ).toBe('the airline asked for it early');
    // The preview's entry names the contract it was rendered under and the categories shown,
    // as the disclosure's does: a DPO finds the views of a contract's data by contract or category.
    const viewed = entries.find(
      (e) => e.transmissionId === apis.id && e.event === 'preview-viewed',
    )!;
    const delivered = entries.find(
      (e) => e.transmissionId === apis.id && e.event === 'disclosure-delivered',
    )!;
    expect(viewed.contract?.id).toBe('us-apis');
    expect(viewed.contract).toEqual(delivered.contract);
    expect(viewed.categories.length).toBeGreaterThan(0);
    expect(viewed.categories).toEqual(delivered.categories);

    // The list filters by contract and status, and pages.
    const list = await ask(
      app,
      'GET',
      '/v1/transmissions?tripId=T-PLAN-OPS&contractId=us-apis&status=delivered&limit=1',
      {
        role: 'ops',
      },
    );
    expect(list.status).toBe(200);
    expect((list.body.items as JsonObject[]).map((t) => t.contractId)).toEqual(['us-apis']);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const next = await ask(
      app,
      'GET',
      `/v1/transmissions?tripId=T-PLAN-OPS&contractId=us-apis&status=delivered&limit=1&cursor=${list.body.nextCursor as string}`,
      { role: 'ops' },
    );
    expect(next.body.items as JsonObject[]).toHaveLength(1);
    expect((next.body.items as JsonObject[])[0]!.id).not.toBe(
      (list.body.items as JsonObject[])[0]!.id,
    );
  });
});

/** The `failed` and `data-quality` alerts raised so far for a contract, from /metrics. */
async function failedAlerts(app: TestApp, contractId: string): Promise<number> {
  return (
    (await alerts(app, 'failed', contractId)) + (await alerts(app, 'data-quality', contractId))
  );
}

/** The `missed` alerts raised so far for a contract, from /metrics. */
function missedAlerts(app: TestApp, contractId: string): Promise<number> {
  return alerts(app, 'missed', contractId);
}

async function alerts(app: TestApp, kind: string, contractId: string): Promise<number> {
  const text = await (await app.call('GET', '/metrics')).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('passerelle_transmission_alerts_total{') &&
        l.includes(`kind="${kind}"`) &&
        l.includes(`contract="${contractId}"`),
    );
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
