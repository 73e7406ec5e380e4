import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterEntry } from '../src/core/register/register-entry.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { aDisclosure } from './support/register-entries.js';
import { startTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let register: RegisterService;
let seeded: RegisterEntry[];

beforeAll(async () => {
  t = await startTestApp();
  register = t.app.get(RegisterService);
  const batch = [
    aDisclosure({
      subjects: ['P1'],
      recipient: { id: 'AF', name: 'Air France', category: 'airline' },
      contract: { id: 'us-apis', version: 1, sha256: 'c'.repeat(64) },
      tripId: 'T-1',
    }),
    aDisclosure({
      subjects: ['P1', 'P2'],
      recipient: { id: 'HTL', name: 'Hotel <Riverside>', category: 'hotel' },
      contract: { id: 'hotel-rooming-list', version: 1, sha256: 'd'.repeat(64) },
      tripId: 'T-1',
      transfer: { country: 'USA', safeguard: 'art49-contract' },
    }),
    aDisclosure({
      event: 'disclosure-failed',
      subjects: ['P2'],
      contract: { id: 'us-apis', version: 1, sha256: 'c'.repeat(64) },
    }),
    aDisclosure({
      subjects: ['P3'],
      recipient: { id: 'INS', name: 'Insurer', category: 'insurer' },
      contract: { id: 'insurer-enrollment', version: 1, sha256: 'e'.repeat(64) },
      tripId: 'T-2',
    }),
  ];
  seeded = [];
  for (let i = 0; i < 5; i += 1) seeded.push(...(await register.appendAll(batch)));
}, 60_000);
afterAll(async () => {
  await t.close();
});

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;
const readsBy = async (clientId: string) =>
  (await register.list({ event: 'ops-action' }, undefined, 200)).items.filter(
    (entry) => entry.actor.id === clientId,
  );

describe('GET /v1/disclosures', () => {
  it('should page through exactly the filtered entries, newest first, and record who read whose data', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await t.call(
        'GET',
        `/v1/disclosures?subjectId=P1&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
        { role: 'auditor' },
      );
      expect(response.status).toBe(200);
      const page = await json(response);
      const items = page.items as { id: string; subjects: string[]; seq: number }[];
      for (const item of items) expect(item.subjects).toContain('P1');
      ids.push(...items.map((item) => item.id));
      cursor = page.nextCursor as string | null;
    } while (cursor !== null);
    expect(ids).toEqual(
      seeded
        .filter((e) => e.subjects.includes('P1'))
        .map((e) => e.id)
        .reverse(),
    );
    const reads = await readsBy('test-auditor');
    expect(reads.length).toBe(4);
    expect(
      reads.every(
        (read) =>
          read.subjects.includes('P1') && read.reason === 'register read: GET /v1/disclosures',
      ),
    ).toBe(true);
  });

  it('should answer the documented entry shape with every filter', async () => {
    const response = await t.call(
      'GET',
      '/v1/disclosures?recipientId=HTL&contractId=hotel-rooming-list&tripId=T-1&outcome=delivered&from=2020-01-01&to=2100-01-01&limit=200',
      { role: 'ops' },
    );
    const page = await json(response);
    const items = page.items as Record<string, unknown>[];
    expect(items).toHaveLength(5);
    expect(Object.keys(items[0] ?? {})).toEqual(
      expect.arrayContaining([
        'id',
        'seq',
        'event',
        'occurredAt',
        'transmissionId',
        'contractId',
        'contractVersion',
        'recipientId',
        'tripId',
        'unit',
        'subjects',
        'fields',
        'outcome',
        'actor',
        'reason',
        'payloadSha256',
        'prevHash',
        'hash',
      ]),
    );
    expect(page.nextCursor).toBeNull();
  });

  it.each([
    ['limit=500', 'limit'],
    ['outcome=lost', 'outcome'],
    ['from=yesterday', 'from'],
    ['cursor=garbage', 'cursor'],
    // A cursor the API issued (`s:1`) with characters base64url has not: not read as it.
    ['cursor=czo1!!', 'cursor'],
    ['cursor=czo1%3D', 'cursor'],
    ['colour=blue', 'colour'],
  ])('should refuse %s with 400 naming the parameter', async (query, path) => {
    const response = await t.call('GET', `/v1/disclosures?${query}`, { role: 'ops' });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(JSON.stringify(body)).toContain(`"path":"${path}"`);
  });

  it.each([
    ['/v1/disclosures?from=2027-W01-1', 'from'],
    ['/v1/disclosures?to=2027-182', 'to'],
    ['/v1/disclosures?from=2027-02-30', 'from'],
    ['/v1/disclosures?from=2027-07-01T10:00', 'from'],
    ['/v1/register/ropa?from=2027-W01-1', 'from'],
    ['/v1/register/ropa?to=2027-182', 'to'],
  ])(
    'should refuse %s with 400 naming the parameter when it is not a calendar date or an instant',
    async (url, path) => {
      const response = await t.call('GET', url, { role: 'ops' });
      expect(response.status).toBe(400);
      const body = await json(response);
      expect((body.error as { details: unknown[] }).details).toEqual([
        { path, rule: 'must be a date or an instant with a time' },
      ]);
    },
  );

  it('should accept an instant with a time and a zone as a bound', async () => {
    const response = await t.call(
      'GET',
      '/v1/disclosures?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00.5%2B02:00&limit=1',
      { role: 'ops' },
    );
    expect(response.status).toBe(200);
    expect((await json(response)).items).toHaveLength(1);
  });
});

describe('GET /v1/disclosures/{id}', () => {
  it('should answer one entry, and 404 for an unknown one', async () => {
    const target = seeded[1]!;
    const response = await t.call('GET', `/v1/disclosures/${target.id}`, { role: 'ops' });
    expect(response.status).toBe(200);
    expect((await json(response)).hash).toBe(target.hash);
    expect(
      (await t.call('GET', '/v1/disclosures/00000000-0000-4000-8000-000000000000', { role: 'ops' }))
        .status,
    ).toBe(404);
    expect((await t.call('GET', '/v1/disclosures/not-an-id', { role: 'ops' })).status).toBe(404);
  });
});

describe('GET /v1/subjects/{participantId}/disclosures', () => {
  it('should list every disclosure about the subject and nothing about anyone else', async () => {
    const response = await t.call('GET', '/v1/subjects/P2/disclosures', { role: 'auditor' });
    expect(response.status).toBe(200);
    const report = await json(response);
    const disclosures = report.disclosures as { recipient: { id: string } }[];
    expect(disclosures.map((d) => d.recipient.id)).toEqual(Array.from({ length: 5 }, () => 'HTL'));
    expect(report.failedAttempts).toBe(5);
    const entries = report.entries as { subjects: string[] }[];
    expect(entries.length).toBeGreaterThanOrEqual(10);
    // P1 travelled with P2, and is named in the register's entries: not in P2's report.
    expect(
      entries.every((entry) => entry.subjects.length === 1 && entry.subjects[0] === 'P2'),
    ).toBe(true);
    expect(JSON.stringify(report)).not.toContain('"P1"');
    expect(JSON.stringify(report)).not.toContain('"INS"');
  });

  it('should show in a subject’s report neither a co-traveller nor what was withheld about them', async () => {
    const response = await t.call('GET', '/v1/subjects/P1/disclosures', { role: 'ops' });
    expect(response.status).toBe(200);
    const report = await json(response);
    const entries = report.entries as { subjects: string[]; withheld: unknown[] }[];
    expect(entries.length).toBeGreaterThanOrEqual(10);
    expect(entries.every((entry) => entry.withheld.length === 0)).toBe(true);
    expect(report.withheld).toEqual([]);
    expect(JSON.stringify(report)).not.toContain('P2');
    const html = await (
      await t.call('GET', '/v1/subjects/P1/disclosures?format=html', { role: 'ops' })
    ).text();
    expect(html).not.toContain('P2');
    const read = (await readsBy('test-ops')).find(
      (entry) => entry.reason === 'register read: GET /v1/subjects/{participantId}/disclosures',
    );
    expect(read?.subjects).toEqual(['P1']);
  });

  it('should print an HTML report for a parent, escaped', async () => {
    const response = await t.call('GET', '/v1/subjects/P1/disclosures?format=html', {
      role: 'ops',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Hotel &lt;Riverside&gt;');
    expect(html).toContain('outside the European Economic Area');
  });
});

describe('GET /v1/register/ropa', () => {
  it('should list one activity per shipped contract, and one per other version the register holds, with its counts', async () => {
    const response = await t.call('GET', '/v1/register/ropa', { role: 'auditor' });
    const record = await json(response);
    const activities = record.activities as {
      contractId: string;
      contractVersion: number;
      status: string;
      disclosed: { disclosures: number; subjects: number; failures: number; withheld: number };
    }[];
    // The seeded disclosures of `us-apis` and `hotel-rooming-list` are under version 1; the
    // contracts shipped are at version 2.
    expect(activities.map((a) => [a.contractId, a.contractVersion, a.status])).toEqual([
      ['airline-group-list', 1, 'in-force'],
      ['caricom-apis', 2, 'in-force'],
      ['hotel-rooming-list', 2, 'in-force'],
      ['hotel-rooming-list', 1, 'other-version'],
      ['insurer-emergency', 1, 'in-force'],
      ['insurer-enrollment', 1, 'in-force'],
      ['secure-flight', 1, 'in-force'],
      ['us-apis', 2, 'in-force'],
      ['us-apis', 1, 'other-version'],
    ]);
    const of = (contractId: string, contractVersion: number) =>
      activities.find((a) => a.contractId === contractId && a.contractVersion === contractVersion)
        ?.disclosed;
    expect(of('us-apis', 1)).toMatchObject({ disclosures: 5, subjects: 1, failures: 5 });
    expect(of('us-apis', 2)).toMatchObject({ disclosures: 0, subjects: 0, failures: 0 });
    expect(of('hotel-rooming-list', 1)).toMatchObject({
      disclosures: 5,
      subjects: 2,
      failures: 0,
      withheld: 5,
    });
    expect(of('insurer-enrollment', 1)).toMatchObject({ disclosures: 5, subjects: 1 });
    // The values withheld from what a recipient got: the failures repeat them, uncounted.
    expect(of('us-apis', 1)?.withheld).toBe(5);
    expect((record.controller as { name: string }).name).toBe('Association MIJE');
  });

  it('should export as CSV and HTML, and restrict to a period', async () => {
    const csv = await t.call('GET', '/v1/register/ropa?format=csv', { role: 'ops' });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).split('\r\n').filter((row) => row !== '');
    expect(rows).toHaveLength(10);
    expect(rows.find((row) => row.startsWith('us-apis,1,'))).toMatch(
      /^us-apis,1,a version no longer in force \(version 2 is\),.*,5,1,[^,]+,5,5$/,
    );
    const html = await t.call('GET', '/v1/register/ropa?format=html', { role: 'ops' });
    const page = await html.text();
    expect(page).toContain('Record of processing activities');
    expect(page).toContain(
      '<tr><th>Status</th><td>a version no longer in force (version 2 is)</td></tr>',
    );
    const past = await json(
      await t.call('GET', '/v1/register/ropa?from=2000-01-01&to=2001-01-01', { role: 'ops' }),
    );
    expect(
      (past.activities as { disclosed: { disclosures: number } }[]).every(
        (a) => a.disclosed.disclosures === 0,
      ),
    ).toBe(true);
  });
});

describe('GET /v1/register/verify', () => {
  it('should recompute the chain and publish its head', async () => {
    const response = await t.call('GET', '/v1/register/verify', { role: 'auditor' });
    const result = await json(response);
    expect(result).toMatchObject({ intact: true, firstBad: null });
    expect(result.count).toBeGreaterThanOrEqual(20);
    expect(result.headHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('fail closed', () => {
  it('should show nothing when the read cannot be recorded (503)', async () => {
    await t.database.admin('ALTER TABLE register_head RENAME TO register_head_away');
    try {
      const response = await t.call('GET', '/v1/subjects/P1/disclosures', { role: 'ops' });
      expect(response.status).toBe(503);
      const body = await json(response);
      expect((body.error as { code: string }).code).toBe('REGISTER_UNAVAILABLE');
      expect(JSON.stringify(body)).not.toContain('HTL');
    } finally {
      await t.database.admin('ALTER TABLE register_head_away RENAME TO register_head');
    }
  });
});
