import { execFileSync } from 'node:child_process';
import { hash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import {
  canonicalForm,
  chainHash,
  GENESIS_HASH,
  sealEntries,
  type RegisterEntryInput,
} from '../src/core/register/register-entry.js';
import { openDatabase, type Db } from '../src/database/database.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { compare, throughput, type BenchResult } from './harness.js';

const SERVER =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

function entry(i: number): RegisterEntryInput {
  return {
    event: 'disclosure-delivered',
    transmissionId: `tx-${i}`,
    contract: { id: 'us-apis', version: 1, sha256: 'a'.repeat(64) },
    recipient: { id: 'AF', name: 'Operating airline (APIS for US CBP)', category: 'airline' },
    purpose: 'Let the operating airline report the passengers of a flight to US CBP.',
    legalBasis: 'contract',
    transfer: { country: 'USA', safeguard: 'art49-contract' },
    tripId: 'T-BENCH',
    unit: 'flight:F1',
    subjects: [`P-${i % 1000}`, `P-${(i + 1) % 1000}`],
    fields: [
      'participant.surname',
      'participant.givenNames',
      'participant.dateOfBirth',
      'participant.documents.passport.number',
    ],
    categories: ['identity.name', 'identity.date-of-birth', 'travel-document'],
    withheld: [],
    payload: { sha256: 'b'.repeat(64), bytes: 1587, format: 'paxlst' },
    transport: { type: 'sftp', endpointId: 'airline-apis' },
    actor: { kind: 'system', id: 'worker' },
    detail: { attempt: 1 },
  };
}

/** A plain table of the same shape: no partitions, no triggers, no chain. */
async function createPlainTable(db: Db): Promise<void> {
  await sql`CREATE TABLE plain_entries (LIKE register_entries INCLUDING DEFAULTS)`.execute(db);
  await sql`ALTER TABLE plain_entries ADD PRIMARY KEY (seq, occurred_at)`.execute(db);
}

function plainRow(i: number) {
  const [sealed] = sealEntries(
    [entry(i)],
    { seq: i, hash: GENESIS_HASH },
    new Date().toISOString(),
    [crypto.randomUUID()],
  );
  if (sealed === undefined) throw new Error('no entry');
  return sealed;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Issue 4's register benchmarks, against a database of their own: group-committed chained
 * appends vs single-row autocommit INSERTs, bulk appends vs multi-row INSERTs, the chain's
 * hashing vs raw sha256, and a subject report over a million rows.
 */
export async function benchRegister(): Promise<BenchResult[]> {
  const name = `passerelle_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const db = await openDatabase(url.toString(), 50);
  const results: BenchResult[] = [];
  try {
    await createPlainTable(db);
    const repository = new RegisterRepository(db);
    const service = new RegisterService(repository, new RegisterAppender(repository));
    const pool = new pg.Pool({ connectionString: url.toString(), max: 50 });
    const insertPlain = async (rows: readonly ReturnType<typeof plainRow>[]) => {
      await db
        .insertInto('plain_entries' as 'register_entries')
        .values(
          rows.map((e) => ({
            seq: String(e.seq),
            id: e.id,
            event: e.event,
            occurred_at: new Date(e.occurredAt),
            transmission_id: e.transmissionId ?? null,
            contract_id: e.contract?.id ?? null,
            contract_version: e.contract?.version ?? null,
            contract_sha256: e.contract?.sha256 ?? null,
            recipient_id: e.recipient?.id ?? null,
            recipient_name: e.recipient?.name ?? null,
            recipient_category: e.recipient?.category ?? null,
            purpose: e.purpose ?? null,
            legal_basis: e.legalBasis ?? null,
            special_condition: null,
            transfer_country: e.transfer?.country ?? null,
            transfer_safeguard: e.transfer?.safeguard ?? null,
            trip_id: e.tripId ?? null,
            unit: e.unit ?? null,
            subjects: [...e.subjects],
            fields: [...e.fields],
            categories: [...e.categories],
            withheld: '[]',
            payload_sha256: e.payload?.sha256 ?? null,
            payload_bytes: e.payload?.bytes ?? null,
            format: e.payload?.format ?? null,
            transport: e.transport?.type ?? null,
            endpoint_id: e.transport?.endpointId ?? null,
            actor_kind: 'system',
            actor_id: 'worker',
            reason: null,
            outcome: e.outcome,
            detail: '{}',
            prev_hash: e.prevHash,
            hash: e.hash,
          })),
        )
        .execute();
    };

    // 1. 50 concurrent appenders vs 50 concurrent single-row autocommit INSERTs.
    const singles = 4000;
    let seq = 1_000_000;
    const plainRate = await throughput(singles, 50, () => insertPlain([plainRow(seq++)]));
    const chainRate = await throughput(singles, 50, (i) => service.append(entry(i)));
    results.push({
      bench: 'register: chained appends, 50 concurrent appenders (group commit)',
      unit: 'appends',
      value: chainRate,
      baseline: {
        name: 'single-row autocommit INSERTs into a plain table, 50 connections',
        value: plainRate,
      },
      ratio: chainRate / plainRate,
      target: 1,
      targetOn: 'at-least',
      pass: chainRate / plainRate >= 1,
    });

    // 2. Bulk: 100 entries an append vs 100-row multi-row INSERTs.
    const batches = 60;
    const bulkPlain = await throughput(batches, 1, () =>
      insertPlain(Array.from({ length: 100 }, () => plainRow(seq++))),
    );
    const bulkChain = await throughput(batches, 1, (b) =>
      service.appendAll(Array.from({ length: 100 }, (_, i) => entry(b * 100 + i))),
    );
    results.push({
      bench: 'register: bulk appends of 100 entries',
      unit: 'entries',
      value: bulkChain * 100,
      baseline: { name: '100-row multi-row INSERTs into a plain table', value: bulkPlain * 100 },
      ratio: bulkChain / bulkPlain,
      target: 0.5,
      targetOn: 'at-least',
      pass: bulkChain / bulkPlain >= 0.5,
    });

    // 3. The chain's hashing (canonical form + sha256) vs raw sha256 of the same bytes.
    const sealed = sealEntries(
      Array.from({ length: 1000 }, (_, i) => entry(i)),
      { seq: 0, hash: GENESIS_HASH },
      new Date().toISOString(),
      Array.from({ length: 1000 }, () => crypto.randomUUID()),
    );
    const canonicals = sealed.map((e) => `${e.prevHash}\n${canonicalForm(e)}`);
    const timing = compare(
      () => {
        let previous = GENESIS_HASH;
        for (const e of sealed) previous = chainHash(previous, canonicalForm(e));
        return previous;
      },
      // The same one-shot sha256 the chain uses (`chainHash`), so that the ratio is the
      // canonical form's cost over the hashing, not one digest API's over another's.
      () => {
        let last = '';
        for (const text of canonicals) last = hash('sha256', text, 'hex');
        return last;
      },
      5,
      500,
    );
    results.push({
      bench: 'register: chain hashing (canonical form + sha256) of 1,000 entries',
      unit: 'entries',
      value: 1000 / timing.subject,
      baseline: { name: 'raw sha256 of the same canonical bytes', value: 1000 / timing.baseline },
      ratio: timing.subject / timing.baseline,
      target: 3,
      pass: timing.subject / timing.baseline <= 3,
    });

    // 4. A subject report with one million register rows.
    const million = 1_000_000;
    const present = await repository.countEntries();
    await sql`
      INSERT INTO register_entries (seq, id, event, occurred_at, transmission_id, contract_id, contract_version, contract_sha256,
        recipient_id, recipient_name, recipient_category, purpose, legal_basis, trip_id, unit, subjects, fields, categories, withheld,
        payload_sha256, payload_bytes, format, transport, endpoint_id, actor_kind, actor_id, outcome, detail, prev_hash, hash)
      SELECT ${present} + g + 100000, gen_random_uuid(), 'disclosure-delivered', now(), 'tx-' || g, 'us-apis', 1, repeat('a', 64),
        'AF', 'Airline', 'airline', 'APIS', 'contract', 'T-' || (g % 5000), 'flight:F1',
        ARRAY['S-' || (g % 50000), 'S-' || ((g * 7) % 50000)], ARRAY['participant.surname'], ARRAY['identity.name'], '[]',
        repeat('b', 64), 1000, 'paxlst', 'sftp', 'airline-apis', 'system', 'worker', 'delivered', '{}', repeat('0', 64), repeat('1', 64)
      FROM generate_series(1, ${million}) g`.execute(db);
    // The steady state autovacuum keeps: statistics current, the GIN pending list merged.
    await sql`VACUUM ANALYZE register_entries`.execute(db);
    const reportTimes: number[] = [];
    const lookupTimes: number[] = [];
    const ids = (await db.selectFrom('register_entries').select('id').limit(300).execute()).map(
      (row) => row.id,
    );
    for (let i = 0; i < 300; i += 1) {
      const subject = `S-${(i * 997) % 50000}`;
      let started = performance.now();
      const entries = await service.aboutSubject(subject);
      reportTimes.push(performance.now() - started);
      if (entries.length === 0) throw new Error('the bench subject has no entries');
      started = performance.now();
      await repository.byId(ids[i] ?? '');
      lookupTimes.push(performance.now() - started);
    }
    const p95 = percentile(reportTimes, 95);
    const lookup95 = percentile(lookupTimes, 95);
    results.push({
      bench: `register: subject report p95 with ${(present + million).toLocaleString('en-US')} rows`,
      unit: 'ms (p95)',
      value: p95,
      baseline: { name: 'one entry by id (p95)', value: lookup95 },
      ratio: p95 / lookup95,
      target: 10,
      targetOn: 'value-at-most',
      pass: p95 <= 10,
    });
    await pool.end();
  } finally {
    await db.destroy();
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    // The million rows' dirty pages are written out now, not by a checkpoint during the next
    // benchmark (it slowed the SFTP bench, whose files go to the same disk, by a quarter)…
    await admin.query('CHECKPOINT').catch(() => undefined);
    await admin.end();
    // …and the dropped database's files are gone from the disk's queue too.
    execFileSync('sync');
  }
  return results;
}
