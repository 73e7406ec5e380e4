import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmergencyRepository } from '../src/modules/emergency/emergency.repository.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { plansOf } from './support/query-plans.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The statements of the operations API, once the database holds years of history: 3,000 trips
 * whose 30,000 bookings retention erased, 200,000 register entries and 8,000 emergency
 * requests, erased with their bookings. A page, a filter,
 * must be a look at what it lists, never a read (and a sort) of the whole table: each of these
 * was one, and took longer with every month kept.
 */
describe('the operations lists, with a long history', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PASSERELLE_ROLE: 'api' });
    const { admin } = t.database;
    await admin(
      `INSERT INTO trips (id, revision, document, ends_at, created_at, updated_at)
       SELECT 'T-HISTORY-' || n, 1, '{}'::jsonb, now() - interval '1 year', now(), now()
         FROM generate_series(1, 3000) n`,
    );
    await admin(
      `INSERT INTO bookings (reference, trip_id, revision, status, participant_ids, created_at,
         updated_at, erased_at)
       SELECT 'B-HISTORY-' || n || '-' || b, 'T-HISTORY-' || n, 1, 'confirmed',
              ARRAY['P-' || n || '-' || b], now(), now(), now()
         FROM generate_series(1, 3000) n, generate_series(1, 10) b`,
    );
    // The register's history: the last eleven days (the month partitions holding them made
    // first), delivered but for one in a thousand that failed.
    const register = t.app.get(RegisterRepository);
    await register.ensurePartition(new Date(Date.now() - 30 * DAY_MS));
    await register.ensurePartition(new Date());
    const { rows } = await admin('SELECT seq FROM register_head');
    const base = Number((rows[0] as { seq: string }).seq);
    await admin(
      `INSERT INTO register_entries (seq, id, event, occurred_at, transmission_id, contract_id,
         recipient_id, trip_id, subjects, fields, categories, withheld, actor_kind, actor_id,
         outcome, detail, prev_hash, hash)
       SELECT $1::bigint + n, md5('entry-' || n)::uuid,
              CASE WHEN n % 1000 = 0 THEN 'disclosure-failed' ELSE 'disclosure-delivered' END,
              now() - (200001 - n) * interval '5 seconds', md5('transmission-' || n)::uuid::text,
              'contract-' || (n % 8), 'recipient-' || (n % 8), 'T-HISTORY-' || (n % 3000 + 1),
              ARRAY['P-' || (n % 3000 + 1) || '-' || (n % 10 + 1)], '{}', '{}', '[]', 'system',
              'history', CASE WHEN n % 1000 = 0 THEN 'failed' ELSE 'delivered' END, '{}',
              'history', 'history'
         FROM generate_series(1, 200000) n`,
      [base],
    );
    await admin('UPDATE register_head SET seq = $1, count = count + 200000', [base + 200000]);
    // An emergency request an hour, each about the holder of a booking since erased.
    await admin(
      `INSERT INTO emergency_requests (id, client_id, insurer_id, outcome, register_entry_id,
         trip_id, booking_reference, participant_id, participant_ids, request_sha256,
         created_at, erased_at)
       SELECT md5('request-' || n)::uuid, 'client-' || (n % 5), 'insurer-' || (n % 3),
              CASE WHEN n % 4 = 0 THEN 'refused' ELSE 'released' END,
              md5('request-entry-' || n)::uuid, 'T-HISTORY-' || (n % 3000 + 1),
              'B-HISTORY-' || (n % 3000 + 1) || '-1', 'P-' || (n % 3000 + 1) || '-1',
              ARRAY['P-' || (n % 3000 + 1) || '-1'], 'request', now() - n * interval '1 hour',
              now()
         FROM generate_series(1, 8000) n`,
    );
    for (const table of ['trips', 'bookings', 'register_entries', 'emergency_requests']) {
      await admin(`ANALYZE ${table}`);
    }
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  /**
   * The plans of a compiled statement, none of which may read the whole table; each reads
   * through `indexes`. `planned: 'each call'`: the statement is not prepared — each call is
   * planned for its values, and only that plan is checked.
   */
  const expectIndexed = async (
    query: { readonly sql: string; readonly parameters: readonly unknown[] },
    indexes: readonly string[],
    planned: 'each call' | 'once' = 'once',
  ) => {
    const plans = await plansOf(t.database.admin, query);
    for (const plan of planned === 'once' ? [plans.custom, plans.generic] : [plans.custom]) {
      expect(plan).not.toContain('Seq Scan');
      for (const index of indexes) expect(plan).toContain(index);
    }
  };

  it("should find a participant's emergency requests through their indexes, erased ones included", async () => {
    const repository = t.app.get(EmergencyRepository);
    await expectIndexed(
      repository.listQuery({ participantId: 'P-10-1' }, undefined, 51).compile(),
      ['emergency_requests_holder', 'emergency_requests_about'],
      'each call',
    );
    const found = await repository.list({ participantId: 'P-10-1' }, undefined, 51);
    // Requests 9, 3009, 6009: every one about P-10-1, each erased with its booking.
    expect(found).toHaveLength(3);
    expect(found.every((request) => request.participantId === 'P-10-1')).toBe(true);
  });

  it('should read the disclosure log by outcome through its index, not every entry kept', async () => {
    const repository = t.app.get(RegisterRepository);
    // Each month's partition has its own copy of `register_entries_outcome`.
    await expectIndexed(repository.listQuery({ outcome: 'failed' }, undefined, 51).compile(), [
      '_outcome_seq_idx',
    ]);
    const failed = await repository.list({ outcome: 'failed' }, undefined, 51);
    expect(failed).toHaveLength(51);
    expect(failed.every((entry) => entry.outcome === 'failed')).toBe(true);
  });
});
