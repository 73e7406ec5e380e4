import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween, tripStartingIn } from '../src/cli/shift-dates.js';
import type { AppConfig } from '../src/config/app-config.js';
import { APP_CONFIG } from '../src/config/config.module.js';
import { emergencyRequestSubjectsMigration } from '../src/database/migrations/0012-emergency-request-subjects.js';
import { emergencyUnit } from '../src/core/emergency/emergency-release.js';
import type { Booking } from '../src/core/model/booking.js';
import { renderOneUnit } from '../src/core/projection/render-unit.js';
import type { RegisterEntry } from '../src/core/register/register-entry.js';
import { BookingsService } from '../src/modules/bookings/bookings.service.js';
import { CONTRACT_CATALOG } from '../src/modules/contracts/contracts.module.js';
import type { ContractCatalog } from '../src/modules/contracts/load-contract-catalog.js';
import { NOT_FOUND_MESSAGE } from '../src/modules/emergency/emergency.service.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { edits, sampleTrip, type JsonObject } from './support/input-documents.js';
import {
  ask,
  personalValuesIn,
  putTripAndBookings,
  testDataKey,
  tripVariant,
} from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { insurerClient, type TestClient } from './support/test-clients.js';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signatureTime,
  startWebhookReceiver,
  verifyAlertSignature,
  type WebhookReceiver,
} from './support/webhook-receiver.js';
import { postEmergency } from './support/emergency.js';
import {
  upcomingBookingVariant,
  upcomingBookings,
  upcomingPersonalValues,
} from './support/upcoming-samples.js';

/**
 * The emergency release against a real PostgreSQL and Redis: the right insurer gets exactly
 * the contract's fields of its insured, every refusal answers alike and is recorded, the
 * register is written before the answer (503 when it cannot be), releases and repeated
 * refusals reach the webhook through the queue, and erasure takes the index with it.
 */

const MUTUELLE = insurerClient('INS-MUTUELLE-VOYAGE');
const ASSUR = insurerClient('INS-ASSUR-JEUNES');
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';

const TODAY = new Date();
const SAMPLE = sampleTrip();
/** The sample trip moved so that it started yesterday: inside the release window now. */
const toStartIn = (days: number): JsonObject => tripStartingIn(SAMPLE, days, TODAY);
const TRIP = toStartIn(-1);
const TRIP_ID = TRIP.id as string;

const request = (policyNumber: string, extra: Record<string, unknown> = {}) => ({
  policyNumber,
  incidentReference: 'MV-ASSIST-2027-00042',
  reason:
    'Fell during the afternoon visit and is being taken to hospital with a suspected fracture.',
  requestedBy: 'Agent Amélie Durand',
  ...extra,
});

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

const emergency = (t: TestApp, client: TestClient, body: unknown): Promise<Answer> =>
  postEmergency(t, client, body);

let t: TestApp;
let hooks: WebhookReceiver;
const logLines: string[] = [];
const logEvents = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
let register: RegisterService;

const entriesOf = async (event: string): Promise<RegisterEntry[]> =>
  (await register.list({ event: event as RegisterEntry['event'] }, undefined, 200)).items.slice();

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  t = await startTestApp(
    {
      PASSERELLE_DATA_KEY: testDataKey(),
      PASSERELLE_ALERT_WEBHOOK_URL: hooks.url,
      PASSERELLE_ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PASSERELLE_EMERGENCY_REFUSALS_ALERT: '5',
      // The schedules are irrelevant here; keep the dispatcher quiet.
      PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    },
    { logLines },
  );
  register = t.app.get(RegisterService);
  // The bookings' passport expiries are moved far past today (`upcomingBookings`): the
  // samples' own (2028-02-01…) would one day be today's date, found in the logs' and the
  // rows' timestamps by the checks for personal values below.
  await putTripAndBookings(t, TRIP, upcomingBookings());
  // Another trip running now, with a cancelled booking; one in ten days; one ended 3 days ago.
  const insured = (
    reference: string,
    tripId: string,
    policy: string,
    more: Record<string, string> = {},
  ) =>
    edits(upcomingBookingVariant(0, reference, tripId), [
      ['participants[0].insurance.policyNumber', `${policy}-1`],
      ['participants[1].insurance.policyNumber', `${policy}-2`],
      ...Object.entries(more),
    ]);
  const length = daysBetween(
    SAMPLE.startDate as string,
    new Date(`${SAMPLE.endDate as string}T00:00:00Z`),
  );
  await putTripAndBookings(t, tripVariant(toStartIn(-1), 'T-NOW-2'), [
    insured('B-CXL', 'T-NOW-2', 'MV-CXL', { status: 'cancelled' }),
  ]);
  await putTripAndBookings(t, tripVariant(toStartIn(10), 'T-FUTURE'), [
    insured('B-FUT', 'T-FUTURE', 'MV-FUT'),
  ]);
  await putTripAndBookings(t, tripVariant(toStartIn(-3 - length), 'T-PAST'), [
    insured('B-PAST', 'T-PAST', 'MV-PAST'),
  ]);
}, 90_000);

afterAll(async () => {
  await t.close();
  await hooks.close();
});

describe('POST /v1/emergency/requests, released', () => {
  let answer: Answer;
  beforeAll(async () => {
    answer = await emergency(t, MUTUELLE, request('MV-2027-004411'));
  });

  it('should answer the insurer-emergency contract’s JSON for that participant, exactly', async () => {
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // No digest of the health data in a header (Express's ETag is one).
    expect(answer.headers.get('etag')).toBeNull();
    // What the contract renders for this unit, from the stored data, now.
    const catalog = t.app.get<ContractCatalog>(CONTRACT_CATALOG);
    const loaded = catalog.contracts.get('insurer-emergency');
    const data = await t.app.get(BookingsService).loadTrip(TRIP_ID);
    if (loaded === undefined || data === undefined) throw new Error('setup');
    const expected = renderOneUnit(
      {
        trip: data.trip,
        bookings: data.bookings,
        contract: loaded.contract,
        catalogue: catalog.catalogue,
        formats: catalog.formats,
        now: new Date().toISOString(),
        contextFor: () => ({ reference: 'X', preparedAt: new Date().toISOString() }),
      },
      emergencyUnit('B-1001-1', 'INS-MUTUELLE-VOYAGE'),
    );
    const body = JSON.parse(answer.text) as {
      contract: unknown;
      recipient: string;
      unit: Record<string, unknown>;
      participants: Record<string, unknown>[];
    };
    expect(body).toEqual(JSON.parse(expected.files[0]?.content ?? 'null'));
    expect(body.recipient).toBe('INS-MUTUELLE-VOYAGE');
    expect(body.participants).toHaveLength(1);
    const participant = body.participants[0] ?? {};
    expect(participant['participant.insurance.policyNumber']).toBe('MV-2027-004411');
    expect(participant['participant.surname']).toBe("O'Neill");
    expect(participant['participant.health.allergies']).toEqual(['penicillin']);
    // The group is staying somewhere now: the current stay is part of the answer.
    expect(participant['participant.currentStay']).toMatchObject({
      hotel: expect.any(String) as unknown,
    });
    const allowed = new Set(loaded.contract.fields);
    for (const key of [...Object.keys(body.unit), ...Object.keys(participant)]) {
      expect(allowed.has(key), key).toBe(true);
    }
  });

  it('should hold no value of any other field, nor of any other participant', () => {
    // Every personal value of the samples the answer may not hold: those of other fields
    // of this participant, and everything about everyone else but the group leader's
    // name and phone (contract fields).
    const released = JSON.parse(answer.text) as JsonObject;
    const mayHold = new Set(
      JSON.stringify(released)
        .match(/"[^"]*"/g)
        ?.map((s) => JSON.parse(s) as string) ?? [],
    );
    const forbidden = upcomingPersonalValues().filter(
      (value) => ![...mayHold].some((v) => v.includes(value)),
    );
    expect(forbidden.length).toBeGreaterThan(40);
    for (const value of forbidden) expect(answer.text).not.toContain(value);
    // In particular: her passport, her meal, her sister's policy and health data.
    const booking = upcomingBookings()[0] as unknown as Booking;
    const her = booking.participants[0];
    const sister = booking.participants[1];
    expect(answer.text).not.toContain(her?.documents[0]?.number ?? 'none');
    expect(answer.text).not.toContain(sister?.insurance?.policyNumber ?? 'none');
    expect(answer.text).not.toContain(
      sister?.surname === her?.surname ? sister?.givenNames : sister?.surname,
    );
  });

  it('should have recorded emergency-released, with the payload’s digest, before answering', async () => {
    const entryId = answer.headers.get('passerelle-register-entry');
    const entry = await register.byId(entryId ?? '');
    expect(entry).toMatchObject({
      event: 'emergency-released',
      contract: { id: 'insurer-emergency', version: 1 },
      recipient: { id: 'INS-MUTUELLE-VOYAGE', category: 'insurer' },
      legalBasis: 'vital-interests',
      specialCondition: 'vital-interests',
      tripId: TRIP_ID,
      unit: 'participant:B-1001-1:insurer:INS-MUTUELLE-VOYAGE',
      actor: { kind: 'client', id: MUTUELLE.id },
      transport: { type: 'api-response' },
      payload: {
        sha256: createHash('sha256').update(answer.text).digest('hex'),
        bytes: Buffer.byteLength(answer.text),
        format: 'json',
      },
    });
    expect(entry?.subjects).toContain('B-1001-1');
    expect(entry?.subjects).not.toContain('B-1001-2');
    expect(entry?.categories).toContain('health');
    // The leaders named by the contract's trip.leaders.* fields follow the participant, who
    // alone is the unit's: the leaders' access reports tell them of their name and phone only.
    expect(entry?.subjects[0]).toBe('B-1001-1');
    expect(entry?.subjects.length).toBeGreaterThan(1);
    expect(entry?.detail?.unitParticipants).toBe(1);
    // What the agent wrote is kept sealed beside it, named by the entry; never in the register.
    expect(JSON.stringify(entry)).not.toContain('fracture');
    expect(JSON.stringify(entry)).not.toContain('Durand');
    const requestId = entry?.detail?.requestId as string;
    const { rows } = await t.database.admin(
      'SELECT outcome, participant_id, register_entry_id FROM emergency_requests WHERE id = $1',
      [requestId],
    );
    expect(rows).toEqual([
      { outcome: 'released', participant_id: 'B-1001-1', register_entry_id: entryId },
    ]);
  });

  it('should show in the participant’s access report', async () => {
    const report = await ask(t, 'GET', '/v1/subjects/B-1001-1/disclosures', { role: 'auditor' });
    expect(report.status).toBe(200);
    const disclosures = report.body.disclosures as {
      recipient: { id: string };
      contract?: { id: string };
    }[];
    expect(disclosures).toContainEqual(
      expect.objectContaining({
        recipient: expect.objectContaining({ id: 'INS-MUTUELLE-VOYAGE' }) as unknown,
        contract: { id: 'insurer-emergency', version: 1 },
      }),
    );
  });

  it('should raise the release: a metric and a signed webhook call with ids only', async () => {
    await hooks.waitFor((all) => all.some((h) => h.body.includes('"emergency-released"')));
    const hook = hooks.received.find((h) => h.body.includes('"emergency-released"'));
    const body = JSON.parse(hook?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      event: 'emergency-released',
      clientId: MUTUELLE.id,
      insurerId: 'INS-MUTUELLE-VOYAGE',
      registerEntryId: answer.headers.get('passerelle-register-entry'),
      tripId: TRIP_ID,
    });
    // Signed as a receiver checks it: the HMAC of "<t>.<body>", t the delivery's time.
    const signature = hook?.headers['passerelle-signature'];
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const signedAt = signatureTime(signature);
    expect(Math.abs(Date.now() / 1000 - signedAt)).toBeLessThan(30);
    expect(signature).toBe(
      `t=${signedAt},v1=${createHmac('sha256', WEBHOOK_SECRET)
        .update(`${signedAt}.${hook?.body ?? ''}`)
        .digest('hex')}`,
    );
    expect(verifyAlertSignature(signature, hook?.body ?? '', WEBHOOK_SECRET)).toBe(true);
    // Replayed later, the same request fails the age check; altered, the HMAC.
    const later = signedAt + SIGNATURE_TOLERANCE_SECONDS + 1;
    expect(verifyAlertSignature(signature, hook?.body ?? '', WEBHOOK_SECRET, later)).toBe(false);
    expect(verifyAlertSignature(signature, `${hook?.body ?? ''} `, WEBHOOK_SECRET)).toBe(false);
    expect(verifyAlertSignature(signature, hook?.body ?? '', 'another-secret-0123456789')).toBe(
      false,
    );
    expect(hook?.body).not.toContain('B-1001-1');
    for (const value of upcomingPersonalValues()) expect(hook?.body).not.toContain(value);
    // The structured log event: ids only.
    expect(logEvents()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'emergency alert',
        event: 'emergency-released',
        clientId: MUTUELLE.id,
        emergencyRequestId: answer.headers.get('passerelle-request-id'),
        registerEntryId: answer.headers.get('passerelle-register-entry'),
      }),
    );
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      /passerelle_emergency_alerts_total\{event="emergency-released",insurer="INS-MUTUELLE-VOYAGE"\} [1-9]/,
    );
  });

  it('should give the insurer the receipt of its release, and no one else', async () => {
    const id = answer.headers.get('passerelle-request-id') ?? '';
    const receipt = await fetch(`${t.url}/v1/emergency/requests/${id}`, {
      headers: { authorization: `Bearer ${MUTUELLE.key}` },
    });
    expect(receipt.status).toBe(200);
    expect(await receipt.json()).toEqual({
      id,
      outcome: 'released',
      registerEntryId: answer.headers.get('passerelle-register-entry'),
      receivedAt: expect.stringMatching(/^\d{4}-/) as unknown,
    });
    for (const [key, path] of [
      [ASSUR.key, id],
      [MUTUELLE.key, 'not-a-uuid'],
      [MUTUELLE.key, '00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const other = await fetch(`${t.url}/v1/emergency/requests/${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(other.status).toBe(404);
    }
  });

  it('should find the policy however it is typed (case, spaces)', async () => {
    const again = await emergency(t, MUTUELLE, request(' mv-2027-004411 '));
    expect(again.status).toBe(200);
  });
});

describe('POST /v1/emergency/requests, refused', () => {
  const cases: [string, TestClient, string, string][] = [
    ['another insurer’s policy', ASSUR, 'MV-2027-004411', 'other-insurer'],
    ['an unknown policy', MUTUELLE, 'MV-0000-000000', 'unknown-policy'],
    ['a cancelled booking', MUTUELLE, 'MV-CXL-1', 'not-confirmed'],
    ['before the window', MUTUELLE, 'MV-FUT-1', 'outside-window'],
    ['after the window', MUTUELLE, 'MV-PAST-2', 'outside-window'],
  ];
  const answers = new Map<string, Answer>();
  const took = new Map<string, number>();
  beforeAll(async () => {
    for (const [name, client, policy] of cases) {
      const sent = performance.now();
      answers.set(name, await emergency(t, client, request(policy)));
      took.set(name, performance.now() - sent);
    }
  });

  it('should answer every refusal no sooner than the refusal time after the request, whatever its reason', () => {
    // 250 ms by default: an unknown policy (no trip loaded) takes a few milliseconds alone.
    expect(t.app.get<AppConfig>(APP_CONFIG).emergencyRefusalMs).toBe(250);
    for (const [name] of cases) expect(took.get(name)).toBeGreaterThanOrEqual(250);
  });

  it.each(cases)('should answer %s exactly as "not found", with no data', (name) => {
    const answer = answers.get(name);
    expect(answer?.status).toBe(404);
    expect(JSON.parse(answer?.text ?? '')).toEqual({
      error: { code: 'NOT_FOUND', message: NOT_FOUND_MESSAGE, details: [] },
    });
    for (const value of upcomingPersonalValues()) expect(answer?.text).not.toContain(value);
  });

  it('should give the same answer, byte for byte and header for header, to every refusal', () => {
    const shapes = [...answers.values()].map((a) => ({
      status: a.status,
      text: a.text,
      headers: [...a.headers.entries()].filter(([k]) => !['date', 'x-request-id'].includes(k)),
    }));
    for (const shape of shapes) expect(shape).toEqual(shapes[0]);
  });

  it.each(cases)(
    'should record %s as emergency-refused, with its reason',
    async (_name, client, _policy, reason) => {
      const refused = await entriesOf('emergency-refused');
      expect(refused).toContainEqual(
        expect.objectContaining({
          event: 'emergency-refused',
          reason,
          actor: { kind: 'client', id: client.id },
          recipient: expect.objectContaining({ id: client.insurerId }) as unknown,
          fields: [],
        }),
      );
    },
  );

  it('should name in the refusal who was asked about, when the policy is known', async () => {
    const refused = await entriesOf('emergency-refused');
    expect(refused.find((e) => e.reason === 'other-insurer')?.subjects).toEqual(['B-1001-1']);
    expect(refused.find((e) => e.reason === 'unknown-policy')?.subjects).toEqual([]);
    expect(refused.find((e) => e.reason === 'not-confirmed')?.subjects).toEqual(['B-CXL-1']);
  });

  it('should raise repeated refusals from one client (5 here) through the webhook', async () => {
    // MUTUELLE was refused 4 times above; one more reaches the threshold.
    expect((await emergency(t, MUTUELLE, request('MV-9999-1'))).status).toBe(404);
    await hooks.waitFor((all) => all.some((h) => h.body.includes('"emergency-refusals-repeated"')));
    const hook = hooks.received.find((h) => h.body.includes('"emergency-refusals-repeated"'));
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
      event: 'emergency-refusals-repeated',
      clientId: MUTUELLE.id,
      refusals: 5,
    });
  });
});

describe('bad requests and access', () => {
  it('should refuse an invalid body by path and rule, echoing no value', async () => {
    const answer = await emergency(t, MUTUELLE, {
      policyNumber: 'MV-2027-004411',
      incidentReference: 'X-1',
      reason: 'hurt',
      nickname: 'Claire',
    });
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.text) as {
      error: { code: string; details: { path: string; rule: string }[] };
    };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['', 'reason', 'requestedBy']);
    expect(answer.text).not.toContain('MV-2027-004411');
    expect(answer.text).not.toContain('Claire');
    expect(answer.text).not.toContain('nickname');
  });

  it('should refuse an agent’s name or a reference written with characters that reorder text', async () => {
    for (const [field, value] of [
      ['requestedBy', 'Agent \u202Enitram luaP'],
      ['requestedBy', 'Agent \u2067Paul Martin\u2069'],
      ['incidentReference', 'MV-ASSIST-\u200F2027'],
    ] as const) {
      const answer = await emergency(t, MUTUELLE, {
        ...request('MV-2027-004411'),
        [field]: value,
      });
      expect(answer.status, field).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({
        error: {
          details: [{ path: field, rule: expect.stringContaining('text-direction') as string }],
        },
      });
      expect(answer.text).not.toContain(value);
    }
  });

  it('should count unknown properties without naming them when a key holds personal data', async () => {
    const answer = await emergency(t, MUTUELLE, {
      ...request('MV-2027-004411'),
      'Amélie Durand MV-2027-004412': true,
      'another key': 1,
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      error: {
        code: 'BAD_REQUEST',
        message: 'the emergency request is invalid',
        details: [{ path: '', rule: 'unknown property: not a field of an emergency request (2)' }],
      },
    });
    for (const value of ['Amélie', 'Durand', 'MV-2027-004412', 'another key']) {
      expect(answer.text).not.toContain(value);
    }
  });

  it('should answer 401 without a key and 403 to any other role', async () => {
    const anonymous = await fetch(`${t.url}/v1/emergency/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request('MV-2027-004411')),
    });
    expect(anonymous.status).toBe(401);
    for (const role of ['ingest', 'ops', 'auditor'] as const) {
      const answer = await ask(t, 'POST', '/v1/emergency/requests', {
        role,
        body: request('MV-2027-004411'),
      });
      expect(answer.status, role).toBe(403);
    }
  });
});

describe('the register first', () => {
  it('should not answer before the release is committed to the register', async () => {
    // The test's own connection holds the register's head: the release cannot be appended.
    const admin = t.database.admin;
    await admin('BEGIN');
    try {
      await admin('SELECT * FROM register_head FOR UPDATE');
      let settled = false;
      const pending = emergency(t, MUTUELLE, request('MV-2027-004412')).finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(settled).toBe(false);
      await admin('COMMIT');
      const answer = await pending;
      expect(answer.status).toBe(200);
      expect(
        await register.byId(answer.headers.get('passerelle-register-entry') ?? ''),
      ).toMatchObject({
        event: 'emergency-released',
        unit: 'participant:B-1001-2:insurer:INS-MUTUELLE-VOYAGE',
      });
    } finally {
      await admin('ROLLBACK').catch(() => undefined);
    }
  });

  it('should answer 503 and release nothing when the register cannot be written', async () => {
    const before = await t.database.admin('SELECT count(*)::int AS n FROM emergency_requests');
    await t.database.admin('ALTER TABLE register_head RENAME TO register_head_away');
    let answer: Answer;
    try {
      answer = await emergency(t, MUTUELLE, request('MV-2027-004501'));
    } finally {
      await t.database.admin('ALTER TABLE register_head_away RENAME TO register_head');
    }
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'REGISTER_UNAVAILABLE' } });
    for (const value of upcomingPersonalValues()) expect(answer.text).not.toContain(value);
    expect(
      await t.database.admin('SELECT count(*)::int AS n FROM emergency_requests'),
    ).toMatchObject({
      rows: before.rows,
    });
  });
});

describe('the DPO’s review: GET /v1/emergency/requests', () => {
  it('should list every request with its outcome, the refusal reason and what the agent wrote, and record the read', async () => {
    const page = await ask(t, 'GET', '/v1/emergency/requests?limit=200', { role: 'auditor' });
    expect(page.status).toBe(200);
    const items = page.body.items as Record<string, unknown>[];
    // The first release of all (newest first: the last of them), typed as the agent typed it.
    const release = items
      .filter((item) => item.outcome === 'released' && item.participantId === 'B-1001-1')
      .at(-1);
    expect(release).toMatchObject({
      clientId: MUTUELLE.id,
      insurerId: 'INS-MUTUELLE-VOYAGE',
      tripId: TRIP_ID,
      policyNumber: 'MV-2027-004411',
      incidentReference: 'MV-ASSIST-2027-00042',
      requestedBy: 'Agent Amélie Durand',
      erased: false,
    });
    expect(release?.reason).toContain('suspected fracture');
    expect(items.find((item) => item.policyNumber === 'MV-FUT-1')).toMatchObject({
      outcome: 'refused',
      refusal: 'outside-window',
    });
    const reads = await entriesOf('ops-action');
    expect(reads[0]).toMatchObject({
      actor: { kind: 'client', id: 'test-auditor' },
      reason: 'emergency requests read: GET /v1/emergency/requests',
    });
    expect(reads[0]?.subjects).toContain('B-1001-1');
    // One record, by id, for ops.
    const one = await ask(t, 'GET', `/v1/emergency/requests/${release?.id as string}`, {
      role: 'ops',
    });
    expect(one.body).toEqual(release);
  });

  it('should page with a stable cursor and filter', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page = await ask(t, 'GET', `/v1/emergency/requests?limit=2&outcome=refused${query}`, {
        role: 'ops',
      });
      const items = page.body.items as { id: string; outcome: string }[];
      expect(items.every((item) => item.outcome === 'refused')).toBe(true);
      seen.push(...items.map((item) => item.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(6);
  });

  it('should show insurers nothing of it', async () => {
    expect((await ask(t, 'GET', '/v1/emergency/requests', { role: 'insurer' })).status).toBe(403);
  });
});

describe('storage', () => {
  it('should have logged no personal value, policy number or agent’s text', () => {
    expect(logLines.length).toBeGreaterThan(20);
    const text = logLines.join('\n');
    for (const value of [
      ...upcomingPersonalValues(),
      'MV-2027-004411',
      'fracture',
      'Amélie Durand',
      'MV-ASSIST-2027-00042',
    ]) {
      expect(text.includes(value), 'a personal value in the logs').toBe(false);
    }
  });

  it('should keep no policy number, reason or agent name in clear', async () => {
    const values = [
      ...upcomingPersonalValues(),
      'MV-2027-004411',
      'fracture',
      'Amélie Durand',
      'MV-ASSIST-2027-00042',
    ];
    expect(await personalValuesIn(t, 'booking_policies', values)).toEqual([]);
    expect(await personalValuesIn(t, 'emergency_requests', values)).toEqual([]);
  });

  it('should index bookings stored before the index existed, at start', async () => {
    await t.database.admin("DELETE FROM booking_policies WHERE booking_reference = 'B-1003'");
    await t.database.admin("UPDATE bookings SET policies_key_id = NULL WHERE reference = 'B-1003'");
    expect((await emergency(t, ASSUR, request('AJ-88120'))).status).toBe(404);
    expect(await t.app.get(BookingsService).indexPolicies()).toBe(1);
    expect((await emergency(t, ASSUR, request('AJ-88120'))).status).toBe(200);
  });

  it('should open only the participant’s own booking and those holding a leader', async () => {
    const { rows: flags } = await t.database.admin(
      'SELECT reference, leads FROM bookings WHERE trip_id = $1 ORDER BY reference',
      [TRIP_ID],
    );
    expect(flags).toEqual([
      { reference: 'B-1001', leads: false },
      { reference: 'B-1002', leads: false },
      { reference: 'B-1003', leads: false },
      { reference: 'B-STAFF-07', leads: true },
    ]);
    const leaderPhone = async () => {
      const answer = await emergency(t, MUTUELLE, request('MV-2027-004411'));
      expect(answer.status, answer.text).toBe(200);
      const body = JSON.parse(answer.text) as { unit: Record<string, unknown> };
      return body.unit['trip.leaders.phone'];
    };
    const phone = await leaderPhone();
    expect(phone).toEqual([expect.any(String)]);
    // Another participant's booking that cannot be opened (its tag broken) is not opened.
    const { rows } = await t.database.admin(
      "SELECT auth_tag FROM bookings WHERE reference = 'B-1002'",
    );
    const tag = (rows[0] as { auth_tag: Buffer }).auth_tag;
    await t.database.admin("UPDATE bookings SET auth_tag = $1 WHERE reference = 'B-1002'", [
      Buffer.alloc(tag.length, 0),
    ]);
    try {
      expect(await leaderPhone()).toEqual(phone);
    } finally {
      await t.database.admin("UPDATE bookings SET auth_tag = $1 WHERE reference = 'B-1002'", [tag]);
    }
    // A booking written before the flag was kept is read as holding a leader, and indexed.
    await t.database.admin(
      "UPDATE bookings SET leads = NULL WHERE reference IN ('B-STAFF-07', 'B-1002')",
    );
    expect(await leaderPhone()).toEqual(phone);
    expect(await t.app.get(BookingsService).indexPolicies()).toBe(2);
    const { rows: after } = await t.database.admin(
      "SELECT reference, leads FROM bookings WHERE reference IN ('B-STAFF-07', 'B-1002') ORDER BY reference",
    );
    expect(after).toEqual([
      { reference: 'B-1002', leads: false },
      { reference: 'B-STAFF-07', leads: true },
    ]);
    expect(await leaderPhone()).toEqual(phone);
  });

  it('should forget the policy and the agents’ texts with the booking when it is erased', async () => {
    // Another insurer asks about her policy: refused, stored without a booking reference,
    // but naming her as its subject.
    expect((await emergency(t, ASSUR, request('MV-2027-004411'))).status).toBe(404);
    const refusal = (await entriesOf('emergency-refused'))[0];
    expect(refusal).toMatchObject({ reason: 'other-insurer', subjects: ['B-1001-1'] });
    const otherInsurerId = refusal?.detail?.requestId as string;
    const { rows: stored } = await t.database.admin(
      'SELECT booking_reference, participant_ids FROM emergency_requests WHERE id = $1',
      [otherInsurerId],
    );
    expect(stored).toEqual([{ booking_reference: null, participant_ids: ['B-1001-1'] }]);

    expect((await ask(t, 'DELETE', '/v1/bookings/B-1001', { role: 'ingest' })).status).toBe(204);
    const otherInsurer = await ask(t, 'GET', `/v1/emergency/requests/${otherInsurerId}`, {
      role: 'auditor',
    });
    expect(otherInsurer.body).toMatchObject({
      outcome: 'refused',
      refusal: 'other-insurer',
      erased: true,
      policyNumber: null,
      incidentReference: null,
      reason: null,
      requestedBy: null,
    });
    const { rows: sealed } = await t.database.admin(
      "SELECT count(*)::int AS n FROM emergency_requests WHERE 'B-1001-1' = ANY(participant_ids) AND (ciphertext IS NOT NULL OR wrapped_key IS NOT NULL OR erased_at IS NULL)",
    );
    expect(sealed).toEqual([{ n: 0 }]);
    // Requests about the other participants of the trip keep what their agents wrote.
    const { rows: others } = await t.database.admin(
      "SELECT count(*)::int AS n FROM emergency_requests WHERE NOT ('B-1001-1' = ANY(participant_ids) OR 'B-1001-2' = ANY(participant_ids)) AND ciphertext IS NOT NULL",
    );
    expect((others[0] as { n: number }).n).toBeGreaterThan(0);
    const policies = await t.database.admin(
      "SELECT count(*)::int AS n FROM booking_policies WHERE booking_reference = 'B-1001'",
    );
    expect(policies.rows).toEqual([{ n: 0 }]);
    const texts = await t.database.admin(
      "SELECT count(*)::int AS n FROM emergency_requests WHERE booking_reference = 'B-1001' AND ciphertext IS NOT NULL",
    );
    expect(texts.rows).toEqual([{ n: 0 }]);
    const answer = await emergency(t, MUTUELLE, request('MV-2027-004411'));
    expect(answer.status).toBe(404);
    expect((await entriesOf('emergency-refused'))[0]?.reason).toBe('unknown-policy');
    const page = await ask(t, 'GET', '/v1/emergency/requests?participantId=B-1001-1', {
      role: 'auditor',
    });
    const items = page.body.items as Record<string, unknown>[];
    expect(items.length).toBeGreaterThan(0);
    // Those without a single holder are found by whom they concern.
    expect(items.map((item) => item.id)).toContain(otherInsurerId);
    for (const item of items) {
      expect(item).toMatchObject({
        erased: true,
        reason: null,
        requestedBy: null,
        policyNumber: null,
      });
    }
  });
});

describe('reads of stored requests', () => {
  it('should name the participant asked about in the read it records, even when no request is found', async () => {
    const page = await ask(t, 'GET', '/v1/emergency/requests?participantId=P-NOBODY-7', {
      role: 'ops',
    });
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([]);
    const { rows } = await t.database.admin(
      "SELECT subjects, reason FROM register_entries WHERE event = 'ops-action' ORDER BY seq DESC LIMIT 1",
    );
    expect(rows).toEqual([
      { subjects: ['P-NOBODY-7'], reason: 'emergency requests read: GET /v1/emergency/requests' },
    ]);
  });
});

describe('migration 0012', () => {
  it('should give existing requests the subjects of their register entries', async () => {
    const admin = t.database.admin;
    const { rows: before } = await admin(
      'SELECT id, participant_ids FROM emergency_requests ORDER BY id',
    );
    expect(before.length).toBeGreaterThan(10);
    expect(
      before.some((row) => (row as { participant_ids: string[] }).participant_ids.length > 0),
    ).toBe(true);
    // The table as it was before 0012, then 0012 again.
    await admin(
      'ALTER TABLE emergency_requests DROP COLUMN participant_ids, DROP COLUMN alerts_pending',
    );
    await emergencyRequestSubjectsMigration.up(t.database.db);
    const { rows: after } = await admin(
      'SELECT id, participant_ids FROM emergency_requests ORDER BY id',
    );
    expect(after).toEqual(before);
  });
});
