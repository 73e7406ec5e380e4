import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import { ask, putStored, tripVariant } from './support/ingest.js';
import { edit, sampleTrip, type JsonObject } from './support/input-documents.js';
import { registerEntries } from './support/pipeline-checks.js';
import {
  eventually,
  type OutboxApp,
  QUICK_SENDS,
  sendAllDue,
  startOutboxApp,
  transmissionsOf,
} from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingPersonalValues } from './support/upcoming-samples.js';

/**
 * The data subject's rights as they reach Passerelle (GDPR Art. 15, 17, 19): a participant
 * erased after their data was disclosed leaves the DPO the list of recipients to notify
 * (Art. 19, Art. 17(2)) — in the erasure's register entry, in an alert, and in a report that
 * still answers after the erasure; a correction that can no longer be sent (its last moment
 * passed) is raised rather than silently kept from the recipient that holds the data of
 * before; the access report says what Art. 15(1) asks beyond the recipients.
 */

let t: TestApp;
let outboxApp: OutboxApp;
const logLines: string[] = [];

beforeAll(async () => {
  outboxApp = await startOutboxApp(QUICK_SENDS, { logLines });
  t = outboxApp.app;
}, 60_000);

afterAll(() => outboxApp.close());

const put = (path: string, body: JsonObject) => putStored(t, path, body);

/**
 * A trip of its own, starting in `days` days, with sample bookings 0 and 1 under new ids
 * (their passports moved with the samples: see `upcomingBookings`, valid for this trip too).
 */
async function storeTrip(tripId: string, days: number): Promise<JsonObject> {
  const trip = tripStartingIn(tripVariant(sampleTrip(), tripId), days, new Date());
  await put(`/v1/trips/${tripId}`, trip);
  await put(`/v1/bookings/${tripId}-B0`, upcomingBookingVariant(0, `${tripId}-B0`, tripId));
  await put(`/v1/bookings/${tripId}-B1`, upcomingBookingVariant(1, `${tripId}-B1`, tripId));
  return trip;
}

const parsedLines = (): Record<string, unknown>[] =>
  logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('an erasure after disclosures (Art. 17(2), Art. 19)', () => {
  const TRIP = 'T-RIGHTS-ERASE';
  const SUBJECT = `${TRIP}-B0-1`;
  let disclosedTo: string[];

  beforeAll(async () => {
    await storeTrip(TRIP, 30);
    const sent = await sendAllDue(t, TRIP);
    expect(sent.filter((x) => x.status === 'delivered').length).toBeGreaterThan(3);
    disclosedTo = [
      ...new Set(
        (await registerEntries(t))
          .filter((e) => e.event === 'disclosure-delivered' && e.subjects.includes(SUBJECT))
          .map((e) => e.recipient?.id ?? ''),
      ),
    ].sort();
    expect(disclosedTo.length).toBeGreaterThan(1);
    const erased = await ask(t, 'DELETE', `/v1/bookings/${TRIP}-B0`, { role: 'ingest' });
    expect(erased.status, erased.text).toBe(204);
  }, 120_000);

  it('should name, in the erasure’s register entry, every recipient the participants’ data was disclosed to', async () => {
    const erasure = (await registerEntries(t)).find(
      (e) => e.detail?.action === 'booking-erased' && e.subjects.includes(SUBJECT),
    );
    expect(erasure?.detail?.recipientsToNotify).toBe(disclosedTo.length);
    expect(String(erasure?.detail?.recipientIds).split(',').sort()).toEqual(disclosedTo);
  });

  it('should raise the erasure to operations with the recipients to notify, ids only', () => {
    const alert = parsedLines().find(
      (line) => line.msg === 'erasure to notify to recipients' && line.reference === `${TRIP}-B0`,
    );
    expect(alert).toBeDefined();
    expect(String(alert?.recipientIds).split(',').sort()).toEqual(disclosedTo);
    const text = JSON.stringify(alert);
    for (const value of upcomingPersonalValues()) expect(text).not.toContain(value);
  });

  it('should give the DPO, after the erasure, the recipients to notify with their contracts and dates', async () => {
    const answer = await ask(t, 'GET', `/v1/subjects/${SUBJECT}/recipients`, { role: 'auditor' });
    expect(answer.status, answer.text).toBe(200);
    const body = answer.body as unknown as {
      subjectId: string;
      erasures: { entryId: string; at: string }[];
      recipients: {
        recipientId: string;
        contracts: { id: string; version: number }[];
        firstDisclosedAt: string;
        lastDisclosedAt: string;
        entryIds: string[];
      }[];
    };
    expect(body.subjectId).toBe(SUBJECT);
    expect(body.erasures).toHaveLength(1);
    expect(body.recipients.map((r) => r.recipientId).sort()).toEqual(disclosedTo);
    for (const recipient of body.recipients) {
      expect(recipient.contracts.length).toBeGreaterThan(0);
      expect(recipient.entryIds.length).toBeGreaterThan(0);
      expect(Date.parse(recipient.firstDisclosedAt)).toBeLessThanOrEqual(
        Date.parse(recipient.lastDisclosedAt),
      );
    }
    for (const value of upcomingPersonalValues()) expect(answer.text).not.toContain(value);
    // The read is recorded like every read of the register.
    const read = (await registerEntries(t)).find(
      (e) => e.reason === 'register read: GET /v1/subjects/{participantId}/recipients',
    );
    expect(read?.subjects).toEqual([SUBJECT]);
  });

  it('should still give the access report of an erased participant', async () => {
    const answer = await ask(t, 'GET', `/v1/subjects/${SUBJECT}/disclosures`, { role: 'auditor' });
    expect(answer.status).toBe(200);
    const disclosures = answer.body.disclosures as { recipient: { id: string } }[];
    expect([...new Set(disclosures.map((d) => d.recipient.id))].sort()).toEqual(disclosedTo);
  });
});

describe('a correction after the last moment (Art. 16, Art. 19)', () => {
  const TRIP = 'T-RIGHTS-LATE';
  const outdatedLines = () =>
    parsedLines().filter(
      (line) => typeof line.msg === 'string' && line.msg.startsWith('transmission outdated:'),
    );

  it('should raise, once per change, a delivered send whose recipient holds data since changed and that can no longer be resent', async () => {
    const trip = await storeTrip(TRIP, 10);
    await sendAllDue(t, TRIP);
    const apisF1 = (await transmissionsOf(t, TRIP)).find(
      (x) => x.contractId === 'us-apis' && x.unit === 'flight:F1' && x.status === 'delivered',
    );
    expect(apisF1).toBeDefined();
    const before = outdatedLines().length;

    // The group left yesterday: the outbound flight's APIS can no longer be sent (its last
    // moment, two hours before departure, has passed)…
    const moved = edit(tripStartingIn(trip, -1, new Date()), 'revision', 2);
    await put(`/v1/trips/${TRIP}`, moved);
    // …and a passport number is then corrected.
    const corrected = edit(
      edit(upcomingBookingVariant(1, `${TRIP}-B1`, TRIP), 'revision', 100),
      'participants[0].documents[0].number',
      '19AB54321',
    );
    await put(`/v1/bookings/${TRIP}-B1`, corrected);

    const raised = await eventually('the outdated alerts', () => {
      const lines = outdatedLines()
        .slice(before)
        .filter((line) => String(line.msg).includes(apisF1?.id ?? '-'));
      return Promise.resolve(lines.length >= 2 ? lines : undefined);
    });
    // Once for the trip's move, once for the correction: not again for an unchanged re-plan.
    await t.app.get(PlannerService).replan(TRIP);
    await put(`/v1/bookings/${TRIP}-B1`, corrected);
    const again = outdatedLines()
      .slice(before)
      .filter((line) => String(line.msg).includes(apisF1?.id ?? '-'));
    expect(again).toHaveLength(raised.length);
    expect(raised).toHaveLength(2);
    expect(String(raised[0]?.msg)).toContain('past its last moment');
    for (const value of upcomingPersonalValues())
      expect(JSON.stringify(raised)).not.toContain(value);

    const row = (await transmissionsOf(t, TRIP)).find((x) => x.id === apisF1?.id) as
      (Record<string, unknown> & { outdatedAt?: string | null }) | undefined;
    expect(typeof row?.outdatedAt).toBe('string');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      /passerelle_transmission_alerts_total\{kind="outdated",contract="us-apis"\} [1-9]/,
    );
  }, 120_000);
});

describe('a consent withdrawn after a disclosure (Art. 7(3), Art. 21)', () => {
  const TRIP = 'T-RIGHTS-CONSENT';
  const SUBJECT = `${TRIP}-B0-1`;

  it('should resend the airline’s list without the meal code, recording it as withheld for want of consent', async () => {
    await storeTrip(TRIP, 30);
    await sendAllDue(t, TRIP);
    const delivered = () =>
      registerEntries(t).then((entries) =>
        entries.filter(
          (e) =>
            e.event === 'disclosure-delivered' &&
            e.tripId === TRIP &&
            e.contract?.id === 'airline-group-list' &&
            e.unit === 'flight:F1',
        ),
      );
    const before = await delivered();
    expect(before).toHaveLength(1);
    expect(before[0]?.withheld.filter((w) => w.subject === SUBJECT)).toEqual([]);

    const withdrawn = edit(
      edit(upcomingBookingVariant(0, `${TRIP}-B0`, TRIP), 'revision', 100),
      'participants[0].consents.shareMealWithProviders',
      false,
    );
    await put(`/v1/bookings/${TRIP}-B0`, withdrawn);
    await sendAllDue(t, TRIP);
    const after = await delivered();
    expect(after).toHaveLength(2);
    expect(after[1]?.withheld).toContainEqual({
      subject: SUBJECT,
      field: 'participant.meal',
      reason: 'no-consent',
    });
  }, 120_000);
});

describe('the access report (Art. 15(1)(d), (f), (g))', () => {
  it('should say how long each recipient keeps the data, where the data came from, and where to complain', async () => {
    const answer = await ask(t, 'GET', '/v1/subjects/T-RIGHTS-ERASE-B1-1/disclosures', {
      role: 'auditor',
    });
    expect(answer.status).toBe(200);
    const report = answer.body as unknown as {
      source: string;
      supervisoryAuthority: { name: string; url: string } | null;
      disclosures: { contract?: { id: string }; retention?: string }[];
    };
    expect(report.disclosures.length).toBeGreaterThan(0);
    for (const d of report.disclosures) expect(d.retention).toMatch(/^P\d+[DWY].* after /);
    expect(report.source).toMatch(/booking/);
    expect(report.supervisoryAuthority?.name).toMatch(/CNIL/);
    const html = await (
      await t.call('GET', '/v1/subjects/T-RIGHTS-ERASE-B1-1/disclosures?format=html', {
        role: 'auditor',
      })
    ).text();
    expect(html).toContain('restrict');
    expect(html).toContain('https://www.cnil.fr/fr/plaintes');
    expect(html).toContain('Kept by the recipient');
  });
});
