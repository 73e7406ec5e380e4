import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripStartingIn } from '../src/cli/shift-dates.js';
import { sampleBookings, sampleTrip } from './support/input-documents.js';
import { putTripAndBookings, testDataKey } from './support/ingest.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_CLIENTS } from './support/test-clients.js';

/**
 * A data subject's access report over HTTP, after the sample trip's sends and an emergency
 * release about a minor: the group leader, whom the release names (their name and phone
 * leave, `trip.leaders.*`), is told of that alone and not whose release it was; and the
 * insurers, whose country the register does not record, are not said to be outside the EEA.
 */

const HOLDER = 'B-1001-1'; // Claire, MV-2027-004411, a minor
const LEADER = 'B-STAFF-07-1'; // the group leader
const MUTUELLE = TEST_CLIENTS.find((c) => c.insurerId === 'INS-MUTUELLE-VOYAGE');

let t: TestApp;
let outbox: string;

interface Report {
  disclosures: {
    event: string;
    categories: string[];
    specialCondition?: string;
    transfer?: { country: string | null; withinEea: boolean | null; words: string };
    recipient: { id: string };
    contract?: { id: string };
  }[];
  entries: {
    event: string;
    unit: string | null;
    subjects: string[];
    fields: string[];
    categories: string[];
    specialCondition: string | null;
  }[];
}

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'subject-report-outbox-'));
  t = await startTestApp({
    PASSERELLE_DATA_KEY: testDataKey(),
    PASSERELLE_DISPATCH_INTERVAL_MS: '3600000',
    PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
    PASSERELLE_OUTBOX_DIR: outbox,
  });
  // The sample trip, started yesterday: the emergency window is open.
  await putTripAndBookings(t, tripStartingIn(sampleTrip(), -1, new Date()), sampleBookings());
  if (MUTUELLE === undefined) throw new Error('setup');
  const released = await fetch(`${t.url}/v1/emergency/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MUTUELLE.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      policyNumber: 'MV-2027-004411',
      incidentReference: 'MV-ASSIST-0042',
      reason: 'Fell during the museum visit; the hospital needs her allergies and medication.',
      requestedBy: 'Amélie Durand, assistance agent',
    }),
  });
  if (released.status !== 200) throw new Error(`release: ${released.status}`);
}, 120_000);

afterAll(async () => {
  await t.close();
  await rm(outbox, { recursive: true, force: true });
});

async function reportOf(participantId: string): Promise<Report> {
  const response = await t.call('GET', `/v1/subjects/${participantId}/disclosures`, {
    role: 'auditor',
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Report;
}

describe('a group leader’s access report after an emergency release about a participant', () => {
  it('should tell the leader only of their name and phone when another participant’s emergency data was released', async () => {
    const report = await reportOf(LEADER);
    const release = report.disclosures.find((d) => d.event === 'emergency-released');
    // The leader's name and phone did leave: the release is theirs to know of…
    expect(release?.contract?.id).toBe('insurer-emergency');
    expect(release?.categories).toEqual([
      'name, as a leader of the group',
      'telephone number, as a leader of the group',
    ]);
    // …but only those: the participant's health data, date of birth and policy are not the leader's.
    expect(release?.specialCondition).toBeUndefined();
    const html = await (
      await t.call('GET', `/v1/subjects/${LEADER}/disclosures?format=html`, { role: 'auditor' })
    ).text();
    // The leader's own enrolment with the insurer is theirs in full; the release's row is not.
    const row = html.split('<tr>').find((r) => r.includes('Travel insurer (assistance team)'));
    expect(row).toContain('telephone number, as a leader of the group');
    expect(row).not.toMatch(/health data|date of birth|insurance policy|sensitive data/);
  }, 60_000);

  it('should not name, in the leader’s report, the participant whose emergency data was released', async () => {
    const report = await reportOf(LEADER);
    const entry = report.entries.find((e) => e.event === 'emergency-released');
    expect(entry?.subjects).toEqual([LEADER]);
    expect(entry?.unit).toBe('participant:(another participant):insurer:INS-MUTUELLE-VOYAGE');
    expect(entry?.fields).toEqual(['trip.leaders.name', 'trip.leaders.phone']);
    expect(entry?.categories).toEqual(['contact.leader']);
    expect(entry?.specialCondition).toBeNull();
    expect(JSON.stringify(report)).not.toContain(HOLDER);
  }, 60_000);

  it('should tell the participant every category of their released data, and the unit, when the release was theirs', async () => {
    const report = await reportOf(HOLDER);
    const release = report.disclosures.find((d) => d.event === 'emergency-released');
    expect(release?.categories).toContain(
      'health data (allergies, conditions, medications, blood type)',
    );
    const entry = report.entries.find((e) => e.event === 'emergency-released');
    expect(entry?.unit).toBe(`participant:${HOLDER}:insurer:INS-MUTUELLE-VOYAGE`);
  }, 60_000);
});

describe('the access report’s transfers', () => {
  it('should not tell a parent that the data went outside the EEA to “unknown” when the recipient’s country was never recorded', async () => {
    const response = await t.call('GET', `/v1/subjects/${HOLDER}/disclosures?format=html`, {
      role: 'auditor',
    });
    expect(response.status).toBe(200);
    const html = await response.text();
    // The release went to the participant's insurer, the enrolment too: the unit does not
    // tell an insurer's (nor a carrier's) country, and the register wrote it as "unknown".
    expect(html).toContain('Travel insurer');
    expect(html).not.toContain('to unknown, outside the European Economic Area');
    expect(html).toContain(
      'the recipient’s country is not recorded; if it is outside the European Economic Area, the safeguard is: to protect vital interests (GDPR Art. 49(1)(f))',
    );
    const report = await reportOf(HOLDER);
    const insurer = report.disclosures.find((d) => d.recipient.id === 'INS-MUTUELLE-VOYAGE');
    expect(insurer?.transfer).toMatchObject({ country: null, withinEea: null });
  }, 60_000);
});
