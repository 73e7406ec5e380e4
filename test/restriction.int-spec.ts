import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import type { RegisterEntry } from '../src/core/register/register-entry.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { ask, putStored, tripVariant } from './support/ingest.js';
import { edit, sampleTrip } from './support/input-documents.js';
import { registerEntries } from './support/pipeline-checks.js';
import {
  type OutboxApp,
  QUICK_SENDS,
  sendAllDue,
  startOutboxApp,
  transmissionsOf,
} from './support/pipeline.js';
import type { TestApp } from './support/test-app.js';
import { upcomingBookingVariant, upcomingPersonalValues } from './support/upcoming-samples.js';

/**
 * Restriction of processing (GDPR Art. 18), kept by Passerelle: while it is in force, the
 * participant leaves every scheduled send but those the DPO excepted on an Art. 18(2) ground
 * — lists already delivered are resent without them, their participant units are cancelled
 * — and lifting it plans them back; each change recorded in the register with its reason,
 * or not made at all.
 */

let t: TestApp;
let outboxApp: OutboxApp;
/** The app's log lines: no participant id may be in them. */
const logLines: string[] = [];

beforeAll(async () => {
  outboxApp = await startOutboxApp(QUICK_SENDS, { logLines });
  t = outboxApp.app;
}, 60_000);

afterAll(() => outboxApp.close());

const TRIP = 'T-RESTRICT';
const SUBJECT = `${TRIP}-B0-1`;
const REASON = 'DPO ticket 2026-118: accuracy contested (Art. 18(1)(a))';
/** The subject still travels: the border-control data goes on, with their consent. */
const BORDER_CONTROL = [
  { contractId: 'us-apis', ground: 'consent' },
  { contractId: 'secure-flight', ground: 'consent' },
];

async function storeTrip(tripId: string): Promise<void> {
  const trip = tripStartingIn(tripVariant(sampleTrip(), tripId), 30, new Date());
  await putStored(t, `/v1/trips/${tripId}`, trip);
  await putStored(
    t,
    `/v1/bookings/${tripId}-B0`,
    upcomingBookingVariant(0, `${tripId}-B0`, tripId),
  );
  await putStored(
    t,
    `/v1/bookings/${tripId}-B1`,
    upcomingBookingVariant(1, `${tripId}-B1`, tripId),
  );
}

const restrictionEntries = async (): Promise<RegisterEntry[]> =>
  (await registerEntries(t)).filter(
    (e) =>
      e.event === 'ops-action' &&
      String(e.detail?.action ?? '').startsWith('restriction-') &&
      e.subjects.includes(SUBJECT),
  );

/** The register's deliveries of the trip after `seq`, by contract: whether each names SUBJECT. */
async function deliveredAfter(seq: number): Promise<Map<string, boolean[]>> {
  const byContract = new Map<string, boolean[]>();
  for (const entry of await registerEntries(t)) {
    if (entry.seq <= seq || entry.event !== 'disclosure-delivered' || entry.tripId !== TRIP)
      continue;
    const list = byContract.get(entry.contract?.id ?? '') ?? [];
    list.push(entry.subjects.includes(SUBJECT));
    byContract.set(entry.contract?.id ?? '', list);
  }
  return byContract;
}

const lastSeq = async (): Promise<number> => (await registerEntries(t)).at(-1)?.seq ?? 0;

describe('a restriction after the data was disclosed, then lifted', () => {
  let beforeRestriction: number;
  let afterRestriction: number;

  beforeAll(async () => {
    await storeTrip(TRIP);
    await sendAllDue(t, TRIP);
    const delivered = await deliveredAfter(0);
    // Every flight and stay list, and the insurer's enrolment, reached its recipient with SUBJECT.
    for (const contract of [
      'us-apis',
      'secure-flight',
      'airline-group-list',
      'hotel-rooming-list',
    ]) {
      expect(delivered.get(contract)?.some(Boolean), contract).toBe(true);
    }
    beforeRestriction = await lastSeq();
    const put = await ask(t, 'PUT', `/v1/subjects/${SUBJECT}/restriction`, {
      role: 'ops',
      body: {
        reason: REASON,
        exceptions: BORDER_CONTROL,
      },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ participantId: SUBJECT, changed: true });
    await sendAllDue(t, TRIP);
    afterRestriction = await lastSeq();
  }, 120_000);

  it('should record the restriction in the register, with the client, the reason and the exceptions', async () => {
    const [entry] = await restrictionEntries();
    expect(entry?.detail).toMatchObject({
      action: 'restriction-applied',
      exceptions: 'secure-flight:consent,us-apis:consent',
      role: 'ops',
    });
    expect(entry?.subjects).toEqual([SUBJECT]);
    expect(entry?.reason).toBe(REASON);
    expect(entry?.actor.kind).toBe('client');
    expect(entry?.seq).toBeGreaterThan(beforeRestriction);
  });

  it('should resend the lists under resend on-change without the participant, but not the excepted contracts', async () => {
    const resent = await deliveredAfter(beforeRestriction);
    // The hotel's rooming lists and the airline's group lists went again, without SUBJECT.
    for (const contract of ['airline-group-list', 'hotel-rooming-list']) {
      expect(resent.get(contract)?.length, contract).toBeGreaterThan(0);
      expect(
        resent.get(contract)?.every((names) => !names),
        contract,
      ).toBe(true);
    }
    // The border-control data the DPO excepted is unchanged: nothing sent again.
    expect(resent.get('us-apis')).toBeUndefined();
    expect(resent.get('secure-flight')).toBeUndefined();
  });

  it('should render every send of the trip without the participant while it holds, but the excepted ones', async () => {
    // A preview renders the current data, whatever the transmission's status.
    const previewed = new Map<string, boolean[]>();
    for (const transmission of await transmissionsOf(t, TRIP)) {
      if (transmission.status === 'cancelled') continue;
      const preview = await ask(t, 'GET', `/v1/transmissions/${transmission.id}/preview`, {
        role: 'ops',
      });
      expect(preview.status, preview.text).toBe(200);
      const subjects = (preview.body.summary as { subjects: string[] }).subjects;
      const list = previewed.get(transmission.contractId) ?? [];
      list.push(subjects.includes(SUBJECT));
      previewed.set(transmission.contractId, list);
    }
    for (const [contractId, names] of previewed) {
      const excepted = ['us-apis', 'secure-flight'].includes(contractId);
      expect(names.length, contractId).toBeGreaterThan(0);
      expect(
        names.every((named) => named === excepted),
        contractId,
      ).toBe(true);
    }
    expect([...previewed.keys()]).toEqual(
      expect.arrayContaining(['us-apis', 'hotel-rooming-list', 'airline-group-list']),
    );
  });

  it('should answer the restriction in force to operations and the auditor, and refuse others', async () => {
    const read = await ask(t, 'GET', `/v1/subjects/${SUBJECT}/restriction`, { role: 'auditor' });
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({
      participantId: SUBJECT,
      exceptions: [
        { contractId: 'secure-flight', ground: 'consent' },
        { contractId: 'us-apis', ground: 'consent' },
      ],
    });
    const list = await ask(t, 'GET', '/v1/restrictions', { role: 'ops' });
    expect(list.status, list.text).toBe(200);
    expect((list.body.items as { participantId: string }[]).map((r) => r.participantId)).toContain(
      SUBJECT,
    );
    for (const role of ['ingest', 'insurer'] as const) {
      expect((await ask(t, 'GET', `/v1/subjects/${SUBJECT}/restriction`, { role })).status).toBe(
        403,
      );
    }
    const byAuditor = await ask(t, 'PUT', `/v1/subjects/${SUBJECT}/restriction`, {
      role: 'auditor',
      body: { reason: REASON },
    });
    expect(byAuditor.status).toBe(403);
  });

  it('should change nothing and record nothing when the same restriction comes again', async () => {
    const before = (await restrictionEntries()).length;
    const again = await ask(t, 'PUT', `/v1/subjects/${SUBJECT}/restriction`, {
      role: 'ops',
      // The same exceptions in another order: the same restriction.
      body: {
        reason: REASON,
        exceptions: [...BORDER_CONTROL].reverse(),
      },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.changed).toBe(false);
    expect((await restrictionEntries()).length).toBe(before);
  });

  it('should show the restriction in the subject’s access report', async () => {
    const report = await ask(t, 'GET', `/v1/subjects/${SUBJECT}/disclosures`, { role: 'auditor' });
    expect(report.status, report.text).toBe(200);
    expect(report.body.restrictions).toEqual([
      expect.objectContaining({
        action: 'applied',
        exceptions: [
          { contractId: 'secure-flight', ground: 'consent' },
          { contractId: 'us-apis', ground: 'consent' },
        ],
      }),
    ]);
    // And among what to tell the recipients already served (Art. 19).
    const recipients = await ask(t, 'GET', `/v1/subjects/${SUBJECT}/recipients`, {
      role: 'auditor',
    });
    expect(recipients.status, recipients.text).toBe(200);
    expect(recipients.body.restrictions).toEqual([expect.objectContaining({ action: 'applied' })]);
    expect((recipients.body.recipients as unknown[]).length).toBeGreaterThan(0);
    const html = await t.call('GET', `/v1/subjects/${SUBJECT}/disclosures?format=html`, {
      role: 'auditor',
    });
    expect(await html.text()).toContain('processing was restricted');
  });

  it('should plan the participant back once the restriction is lifted, and record it', async () => {
    const lifted = await ask(t, 'DELETE', `/v1/subjects/${SUBJECT}/restriction`, {
      role: 'ops',
      body: { reason: 'DPO ticket 2026-118: accuracy confirmed' },
    });
    expect(lifted.status, lifted.text).toBe(204);
    const entries = await restrictionEntries();
    expect(entries.at(-1)?.detail?.action).toBe('restriction-lifted');
    expect(
      (await ask(t, 'GET', `/v1/subjects/${SUBJECT}/restriction`, { role: 'ops' })).status,
    ).toBe(404);
    await sendAllDue(t, TRIP);
    const back = await deliveredAfter(afterRestriction);
    for (const contract of ['airline-group-list', 'hotel-rooming-list']) {
      expect(back.get(contract)?.some(Boolean), contract).toBe(true);
    }
    // Lifting it again: there is none.
    const again = await ask(t, 'DELETE', `/v1/subjects/${SUBJECT}/restriction`, {
      role: 'ops',
      body: { reason: 'again' },
    });
    expect(again.status).toBe(404);
  }, 60_000);
});

describe('a restriction whose subject is erased', () => {
  it('should end with the erasure of the last booking holding the participant, its history kept', async () => {
    const trip = 'T-RESTRICT-ERASED';
    const subject = `${trip}-B0-1`;
    await storeTrip(trip);
    const put = await ask(t, 'PUT', `/v1/subjects/${subject}/restriction`, {
      role: 'ops',
      body: { reason: REASON },
    });
    expect(put.status, put.text).toBe(200);
    const erased = await ask(t, 'DELETE', `/v1/bookings/${trip}-B0`, { role: 'ingest' });
    expect(erased.status, erased.text).toBe(204);
    expect(
      (await ask(t, 'GET', `/v1/subjects/${subject}/restriction`, { role: 'ops' })).status,
    ).toBe(404);
    // The other booking's participants are not concerned; the register keeps the restriction.
    const applied = (await registerEntries(t)).filter(
      (e) => e.detail?.action === 'restriction-applied' && e.subjects.includes(subject),
    );
    expect(applied).toHaveLength(1);
  });
});

describe('a restriction refused', () => {
  it('should refuse exceptions naming no loaded contract, a contract twice or an unknown ground, and change nothing', async () => {
    const before = (await registerEntries(t)).length;
    const cases = [
      {
        exceptions: [{ contractId: 'no-such-contract', ground: 'consent' }],
        path: 'exceptions[0].contractId',
      },
      {
        exceptions: [
          { contractId: 'us-apis', ground: 'consent' },
          { contractId: 'us-apis', ground: 'legal-claims' },
        ],
        path: 'exceptions[1].contractId',
      },
      { exceptions: [{ contractId: 'us-apis', ground: 'because' }], path: 'exceptions.0.ground' },
      // An emergency release is never held back: excepting its contract would record a
      // ground for nothing.
      {
        exceptions: [{ contractId: 'insurer-emergency', ground: 'consent' }],
        path: 'exceptions[0].contractId',
      },
    ];
    for (const { exceptions, path } of cases) {
      const answer = await ask(t, 'PUT', '/v1/subjects/P-REFUSED-1/restriction', {
        role: 'ops',
        body: { reason: REASON, exceptions },
      });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.text).toContain(path.split('.')[0]);
    }
    const noReason = await ask(t, 'PUT', '/v1/subjects/P-REFUSED-1/restriction', {
      role: 'ops',
      body: {},
    });
    expect(noReason.status).toBe(400);
    const badId = await ask(t, 'PUT', '/v1/subjects/not%20an%20id/restriction', {
      role: 'ops',
      body: { reason: REASON },
    });
    expect(badId.status).toBe(400);
    expect((await registerEntries(t)).length).toBe(before);
    expect(
      (await ask(t, 'GET', '/v1/subjects/P-REFUSED-1/restriction', { role: 'ops' })).status,
    ).toBe(404);
  });

  it('should answer 503 and restrict nothing when the register cannot record it', async () => {
    // The register refuses ops-action entries (and only them) for the length of the test.
    await t.database.admin(
      `ALTER TABLE register_entries ADD CONSTRAINT no_restriction CHECK (event <> 'ops-action') NOT VALID`,
    );
    try {
      const refused = await ask(t, 'PUT', '/v1/subjects/P-DOWN-1/restriction', {
        role: 'ops',
        body: { reason: REASON },
      });
      expect(refused.status, refused.text).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'REGISTER_UNAVAILABLE' } });
    } finally {
      await t.database.admin(`ALTER TABLE register_entries DROP CONSTRAINT no_restriction`);
    }
    expect((await ask(t, 'GET', '/v1/subjects/P-DOWN-1/restriction', { role: 'ops' })).status).toBe(
      404,
    );
  });
});

describe('a restriction put again while it is lifted', () => {
  it('should answer the restriction its own transaction found, not fail, when a lifting commits right after it', async () => {
    const subject = 'P-RACE-1';
    const put = () =>
      ask(t, 'PUT', `/v1/subjects/${subject}/restriction`, {
        role: 'ops',
        body: { reason: REASON },
      });
    expect((await put()).status).toBe(200);
    // The lifting commits between the second PUT's transaction (which found the same
    // restriction in force) and its answer: the register append of that PUT (one argument,
    // unlike the sender's) is followed by the row's deletion, as a concurrent DELETE would do.
    const register = t.app.get(RegisterService);
    const appendAfter = register.appendAfter.bind(register);
    let armed = true;
    const spy = vi
      .spyOn(register, 'appendAfter')
      .mockImplementation(async (...args: Parameters<RegisterService['appendAfter']>) => {
        const done = await appendAfter(...args);
        if (armed && args.length === 1) {
          armed = false;
          await t.database.admin('DELETE FROM subject_restrictions WHERE participant_id = $1', [
            subject,
          ]);
        }
        return done;
      });
    try {
      const again = await put();
      expect(again.status, again.text).toBe(200);
      expect(again.body).toMatchObject({ participantId: subject, changed: false });
      expect(armed).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('personal data', () => {
  it('should keep participant ids out of the log lines of a restriction put and lifted', () => {
    // The register names the subject; a log line names no one (a unit's key is left out of
    // the alerts for the same reason).
    expect(logLines.some((line) => line.includes('restriction'))).toBe(true);
    for (const line of logLines) expect(line).not.toContain(SUBJECT);
  });

  it('should keep personal values out of the restriction’s answers and register entries', async () => {
    const texts = [
      JSON.stringify(await restrictionEntries()),
      (await ask(t, 'GET', '/v1/restrictions', { role: 'ops' })).text,
    ];
    for (const text of texts) {
      for (const value of upcomingPersonalValues()) expect(text).not.toContain(value);
    }
  });
});

describe('a restriction whose subject’s last two bookings are erased at once', () => {
  it('should end, whichever erasure commits last', async () => {
    const subject = 'P-RESTRICT-TWICE';
    const trips = ['T-RESTRICT-TWICE-A', 'T-RESTRICT-TWICE-B'];
    for (const trip of trips) {
      await putStored(
        t,
        `/v1/trips/${trip}`,
        tripStartingIn(tripVariant(sampleTrip(), trip), 30, new Date()),
      );
      await putStored(
        t,
        `/v1/bookings/${trip}-B0`,
        edit(upcomingBookingVariant(0, `${trip}-B0`, trip), 'participants[0].id', subject),
      );
    }
    const put = await ask(t, 'PUT', `/v1/subjects/${subject}/restriction`, {
      role: 'ops',
      body: { reason: REASON },
    });
    expect(put.status, put.text).toBe(200);
    // Both erasures held after writing their booking, before they end the restriction: each
    // then reads the other's booking as it was, not erased (two DELETEs at once, or two
    // retention runs).
    await t.database.admin('BEGIN');
    await t.database.admin('LOCK TABLE emergency_requests IN SHARE MODE');
    const erasures = trips.map((trip) =>
      ask(t, 'DELETE', `/v1/bookings/${trip}-B0`, { role: 'ingest' }),
    );
    for (let waiting = 0; waiting < 2;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const { rows } = await t.database.admin(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      waiting = (rows[0] as { n: number }).n;
    }
    await t.database.admin('COMMIT');
    for (const erased of await Promise.all(erasures)) expect(erased.status, erased.text).toBe(204);
    expect(
      (await ask(t, 'GET', `/v1/subjects/${subject}/restriction`, { role: 'ops' })).status,
    ).toBe(404);
  }, 30_000);
});
