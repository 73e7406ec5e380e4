import { sql, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import type { Withholding } from '../../core/projection/minimized-unit.js';
import {
  isDetailValue,
  type ActorKind,
  type RegisterEntry,
  type RegisterEvent,
} from '../../core/register/register-entry.js';
import type { RecordedContractVersion } from '../../core/register/build-ropa.js';
import { foldRecordedGroups } from '../../core/register/recorded-versions.js';
import type { ReadBackEntry } from '../../core/register/verify-chain.js';
import { prepared, type Db } from '../../database/database.js';
import { jsonDocument } from '../../database/json-document.js';
import { GUARD_FAILED } from '../../database/migrations/0009-register-guarded-append.js';
import type { Database, RegisterEntriesTable } from '../../database/schema.js';

type EntryRow = Selectable<RegisterEntriesTable>;

/** A month partition's name: `register_entries_p202707`. */
const partitionName = (year: number, month: number): string =>
  `register_entries_p${year}${String(month).padStart(2, '0')}`;
const PARTITION_NAME = /^register_entries_p(\d{4})(\d{2})$/;

/** The stored row as a core entry (absent values are left out, as they were appended). */
export function rowToEntry(row: EntryRow): RegisterEntry {
  const detail = (row.detail ?? {}) as Record<string, string | number | boolean | null>;
  return {
    id: row.id,
    seq: Number(row.seq),
    event: row.event as RegisterEvent,
    occurredAt: row.occurred_at.toISOString(),
    ...(row.transmission_id === null ? {} : { transmissionId: row.transmission_id }),
    ...(row.contract_id === null
      ? {}
      : {
          contract: {
            id: row.contract_id,
            version: row.contract_version ?? 0,
            sha256: row.contract_sha256 ?? '',
          },
        }),
    ...(row.recipient_id === null
      ? {}
      : {
          recipient: {
            id: row.recipient_id,
            name: row.recipient_name ?? '',
            category: row.recipient_category ?? '',
          },
        }),
    ...(row.purpose === null ? {} : { purpose: row.purpose }),
    ...(row.legal_basis === null ? {} : { legalBasis: row.legal_basis }),
    ...(row.special_condition === null ? {} : { specialCondition: row.special_condition }),
    ...(row.transfer_country === null
      ? {}
      : { transfer: { country: row.transfer_country, safeguard: row.transfer_safeguard ?? '' } }),
    ...(row.trip_id === null ? {} : { tripId: row.trip_id }),
    ...(row.unit === null ? {} : { unit: row.unit }),
    subjects: row.subjects,
    fields: row.fields,
    categories: row.categories,
    withheld: row.withheld as Withholding[],
    ...(row.payload_sha256 === null
      ? {}
      : {
          payload: {
            sha256: row.payload_sha256,
            bytes: row.payload_bytes ?? 0,
            format: row.format ?? '',
          },
        }),
    ...(row.transport === null
      ? {}
      : {
          transport: {
            type: row.transport,
            ...(row.endpoint_id === null ? {} : { endpointId: row.endpoint_id }),
          },
        }),
    actor: { kind: row.actor_kind as ActorKind, id: row.actor_id },
    ...(row.reason === null ? {} : { reason: row.reason }),
    outcome: row.outcome,
    ...(Object.keys(detail).length === 0 ? {} : { detail }),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Columns written together: all NULL (the group absent) or none (`entryToRow`). */
const COLUMN_GROUPS: readonly (readonly (keyof EntryRow)[])[] = [
  ['contract_id', 'contract_version', 'contract_sha256'],
  ['recipient_id', 'recipient_name', 'recipient_category'],
  ['transfer_country', 'transfer_safeguard'],
  ['payload_sha256', 'payload_bytes', 'format'],
];
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** A withheld item as appended: a subject, a field and a reason, each a string, nothing else. */
const isWithholding = (item: unknown): boolean =>
  isPlainObject(item) &&
  Object.keys(item).length === 3 &&
  typeof item.subject === 'string' &&
  typeof item.field === 'string' &&
  typeof item.reason === 'string';
const allStrings = (values: unknown): boolean =>
  Array.isArray(values) && values.every((value) => typeof value === 'string');

/**
 * What a row holds that no append writes (`entryToRow` from a sealed entry), as a column and
 * a rule — never a value — or undefined. `rowToEntry` reads such a row as an entry whose
 * canonical form cannot tell the difference (a NULL version as 0, an object in the detail
 * as null, a withheld item's extra keys not at all, a time to the millisecond), so
 * verification reports it instead of hashing it. `subMillisecond`: the stored time has a part
 * finer than the millisecond (appends write whole milliseconds; the driver drops the rest).
 */
export function rowIrregularity(row: EntryRow, subMillisecond = false): string | undefined {
  for (const [lead, ...rest] of COLUMN_GROUPS) {
    if (lead === undefined) continue;
    const present = row[lead] !== null;
    for (const column of rest) {
      if ((row[column] !== null) !== present) {
        return present ? `${column}: NULL beside ${lead}` : `${column}: set without ${lead}`;
      }
    }
  }
  if (row.transport === null && row.endpoint_id !== null) {
    return 'endpoint_id: set without transport';
  }
  for (const column of ['subjects', 'fields', 'categories'] as const) {
    if (!allStrings(row[column])) return `${column}: a NULL element`;
  }
  const withheld: unknown = row.withheld;
  if (!Array.isArray(withheld)) return 'withheld: not a JSON array';
  if (!(withheld as unknown[]).every(isWithholding)) {
    return 'withheld: an item other than a subject, a field and a reason, each a string';
  }
  const detail: unknown = row.detail;
  if (!isPlainObject(detail)) return 'detail: not a JSON object';
  for (const key of Object.keys(detail)) {
    if (!isDetailValue(detail[key])) {
      return 'detail: a value other than a string, a number, a boolean or null';
    }
  }
  if (subMillisecond) return 'occurred_at: a part finer than the millisecond';
  return undefined;
}

/**
 * An entry as the row `jsonb_populate_recordset` reads: the time as its ISO text, arrays
 * and JSON values as they are (the document is serialized once, as a whole).
 */
function entryToRow(entry: RegisterEntry) {
  return {
    seq: String(entry.seq),
    id: entry.id,
    event: entry.event,
    occurred_at: entry.occurredAt,
    transmission_id: entry.transmissionId ?? null,
    contract_id: entry.contract?.id ?? null,
    contract_version: entry.contract?.version ?? null,
    contract_sha256: entry.contract?.sha256 ?? null,
    recipient_id: entry.recipient?.id ?? null,
    recipient_name: entry.recipient?.name ?? null,
    recipient_category: entry.recipient?.category ?? null,
    purpose: entry.purpose ?? null,
    legal_basis: entry.legalBasis ?? null,
    special_condition: entry.specialCondition ?? null,
    transfer_country: entry.transfer?.country ?? null,
    transfer_safeguard: entry.transfer?.safeguard ?? null,
    trip_id: entry.tripId ?? null,
    unit: entry.unit ?? null,
    subjects: entry.subjects,
    fields: entry.fields,
    categories: entry.categories,
    withheld: entry.withheld,
    payload_sha256: entry.payload?.sha256 ?? null,
    payload_bytes: entry.payload?.bytes ?? null,
    format: entry.payload?.format ?? null,
    transport: entry.transport?.type ?? null,
    endpoint_id: entry.transport?.endpointId ?? null,
    actor_kind: entry.actor.kind,
    actor_id: entry.actor.id,
    reason: entry.reason ?? null,
    outcome: entry.outcome,
    detail: entry.detail ?? {},
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/**
 * A data-modifying statement (`UPDATE … RETURNING`, a row per row changed) run in an
 * append's statement, which holds only if it changes exactly `rows` rows: otherwise nothing
 * of the statement is written, and the append fails with `AppendGuardFailed`.
 */
export interface AppendGuard {
  readonly update: RawBuilder<unknown>;
  readonly rows: number;
}

/** A guarded append did not hold (a guard changed other than its rows, or the head moved). */
export class AppendGuardFailed extends Error {
  constructor() {
    super('a guarded register append did not hold; nothing was written');
    this.name = 'AppendGuardFailed';
  }
}

/** Rows to insert into another table in an append's statement (see `appendIfHead`). */
export interface CompanionRows {
  readonly table: keyof Database;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/**
 * A row as `jsonb_populate_recordset` reads it: bytea in its hex form. Converted before
 * `JSON.stringify`, not by a replacer: a replacer is called for every value of every row,
 * after a Buffer's `toJSON` has made an array of its bytes.
 */
function withByteaAsHex(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = row[key];
    out[key] = Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value;
  }
  return out;
}

/**
 * `, companion_N AS (INSERT …)`: the rows, as one JSON document, inserted only when the
 * statement's `head` matched; the columns named, so those no row sets take their default.
 */
function companionInsert(companion: CompanionRows, n: number) {
  const columns = [...new Set(companion.rows.flatMap((row) => Object.keys(row)))];
  const rows = jsonDocument(companion.rows.map(withByteaAsHex));
  const names = sql.join(columns.map((column) => sql.id(column)));
  return sql`,
      ${sql.id(`companion_${n}`)} AS (
        INSERT INTO ${sql.table(companion.table)} (${names})
        SELECT ${names} FROM jsonb_populate_recordset(NULL::${sql.table(companion.table)}, ${rows}::jsonb)
         WHERE EXISTS (SELECT 1 FROM head))`;
}

export interface RegisterHead {
  readonly seq: number;
  readonly hash: string;
  readonly occurredAt: Date;
  readonly count: number;
}

export interface RegisterAnchor {
  readonly kind: 'daily' | 'retention';
  readonly anchoredAt: string;
  readonly seq: number;
  readonly hash: string;
  readonly count: number;
}

export interface EntryFilters {
  readonly subjectId?: string;
  readonly recipientId?: string;
  readonly contractId?: string;
  readonly tripId?: string;
  readonly transmissionId?: string;
  readonly outcome?: string;
  readonly event?: RegisterEvent;
  /** Inclusive lower bound. */
  readonly from?: Date;
  /** Exclusive upper bound. */
  readonly to?: Date;
}

/** The register's SQL: rows in and out, the head, anchors and segments. */
export class RegisterRepository {
  private readonly partitions = new Set<string>();

  constructor(readonly db: Db) {}

  /** Locks and reads the head: appends from every process serialize on this row. */
  async lockHead(trx: Transaction<Database>): Promise<RegisterHead> {
    const row = await trx
      .selectFrom('register_head')
      .selectAll()
      .where('id', '=', 1)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return {
      seq: Number(row.seq),
      hash: row.hash,
      occurredAt: row.occurred_at,
      count: Number(row.count),
    };
  }

  async readHead(executor: Db = this.db): Promise<RegisterHead> {
    const row = await executor
      .selectFrom('register_head')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return {
      seq: Number(row.seq),
      hash: row.hash,
      occurredAt: row.occurred_at,
      count: Number(row.count),
    };
  }

  /**
   * Appends sealed entries in one statement, provided the head is still `expected` (the one
   * this process last wrote, or the one it holds locked): the head row is locked and
   * compared, the rows inserted and the head moved only if it matched. False, with nothing
   * written, when another process appended since — the caller then takes the locking path.
   * The only way rows enter the register.
   * The rows travel as one JSON document, read by `jsonb_populate_recordset`; so do the
   * companion rows to insert with them (in the same statement: all, or nothing).
   *
   * `guards`: other rows changed in the same statement, before the head is locked (the order
   * every appender takes its locks in). With guards the statement is all or nothing: if one
   * changes other than its rows, or the head moved, nothing is written and it throws
   * `AppendGuardFailed`.
   */
  async appendIfHead(
    entries: readonly RegisterEntry[],
    expected: RegisterHead,
    executor: Db = this.db,
    companions: readonly CompanionRows[] = [],
    guards: readonly AppendGuard[] = [],
  ): Promise<boolean> {
    const last = entries[entries.length - 1];
    if (last === undefined) {
      if (guards.length > 0) throw new Error('a guarded append needs entries to append');
      return true;
    }
    const rows = jsonDocument(entries.map(entryToRow));
    const guarded = guards.length > 0;
    const guardCtes = guards.map((guard, n) => sql`${sql.id(`guard_${n}`)} AS (${guard.update}),`);
    // Every guard changed its rows — evaluated once, before the head is locked.
    const guardsHeld = guarded
      ? sql` AND (SELECT passerelle_require(${sql.join(
          guards.map(
            (guard, n) =>
              sql`(SELECT count(*) FROM ${sql.id(`guard_${n}`)}) = ${String(guard.rows)}`,
          ),
          sql` AND `,
        )}))`
      : sql``;
    const headMatched = guarded
      ? sql`passerelle_require(EXISTS (SELECT 1 FROM head))`
      : sql`EXISTS (SELECT 1 FROM head)`;
    // Prepared per connection: its text is the same for every batch with the same companion
    // tables and guards (the rows travel as parameters), and planning it cost PostgreSQL a
    // quarter of running it. Not a `compiledTemplate`: the companions change the text.
    const query = sql<{ seq: string }>`
      WITH ${sql.join(guardCtes, sql` `)} head AS (
        SELECT id FROM register_head
         WHERE id = 1 AND seq = ${String(expected.seq)} AND hash = ${expected.hash}${guardsHeld}
         FOR UPDATE),
      appended AS (
        INSERT INTO register_entries
        SELECT * FROM jsonb_populate_recordset(NULL::register_entries, ${rows}::jsonb)
         WHERE EXISTS (SELECT 1 FROM head)
        RETURNING seq)${sql.join(companions.map(companionInsert), sql``)}
      UPDATE register_head
         SET seq = ${String(last.seq)}, hash = ${last.hash},
             occurred_at = ${new Date(last.occurredAt)},
             count = count + (SELECT count(*) FROM appended)
       WHERE id = 1 AND ${headMatched}
      RETURNING seq`;
    try {
      const result = await executor.executeQuery(prepared(query.compile(executor)));
      return result.rows.length === 1;
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === GUARD_FAILED)
        throw new AppendGuardFailed();
      throw error;
    }
  }

  /**
   * Makes sure the month partition holding `at` exists (created once per process; a
   * concurrent creator elsewhere is fine). Each partition refuses TRUNCATE on its own too.
   */
  async ensurePartition(
    at: Date,
    options: { readonly lockTimeoutMs?: number } = {},
  ): Promise<void> {
    const year = at.getUTCFullYear();
    const month = at.getUTCMonth() + 1;
    const name = partitionName(year, month);
    if (this.partitions.has(name)) return;
    const from = new Date(Date.UTC(year, month - 1, 1)).toISOString();
    const to = new Date(Date.UTC(year, month, 1)).toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        // Creating a partition locks the whole register: with a timeout, it gives up rather
        // than hold every append queued behind it while a long read runs.
        if (options.lockTimeoutMs !== undefined)
          await sql`SELECT set_config('lock_timeout', ${`${options.lockTimeoutMs}ms`}, true)`.execute(
            trx,
          );
        await sql`CREATE TABLE IF NOT EXISTS ${sql.id(name)} PARTITION OF register_entries FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(to)})`.execute(
          trx,
        );
        await sql`
          DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = ${sql.lit(`${name}_no_truncate`)}) THEN
              EXECUTE ${sql.lit(`CREATE TRIGGER ${name}_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION register_refuse_change()`)};
            END IF;
          END $$`.execute(trx);
      });
    } catch (error) {
      // 42P07: created by another process between our check and our statement.
      if (!(
        error instanceof Error &&
        'code' in error &&
        (error.code === '42P07' || error.code === '23505')
      ))
        throw error;
    }
    this.partitions.add(name);
  }

  /** Entries matching the filters, newest first, strictly below the cursor's sequence number. */
  async list(
    filters: EntryFilters,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<RegisterEntry[]> {
    const rows = await this.listQuery(filters, beforeSeq, limit).execute();
    return rows.map(rowToEntry);
  }

  /** `list`'s statement (its plans are tested; by outcome: `register_entries_outcome`). */
  listQuery(filters: EntryFilters, beforeSeq: number | undefined, limit: number) {
    let query = this.db.selectFrom('register_entries').selectAll();
    if (filters.subjectId !== undefined)
      query = query.where('subjects', '@>', sql<string[]>`ARRAY[${filters.subjectId}]::text[]`);
    if (filters.recipientId !== undefined)
      query = query.where('recipient_id', '=', filters.recipientId);
    if (filters.contractId !== undefined)
      query = query.where('contract_id', '=', filters.contractId);
    if (filters.tripId !== undefined) query = query.where('trip_id', '=', filters.tripId);
    if (filters.transmissionId !== undefined)
      query = query.where('transmission_id', '=', filters.transmissionId);
    if (filters.outcome !== undefined) query = query.where('outcome', '=', filters.outcome);
    if (filters.event !== undefined) query = query.where('event', '=', filters.event);
    if (filters.from !== undefined) query = query.where('occurred_at', '>=', filters.from);
    if (filters.to !== undefined) query = query.where('occurred_at', '<', filters.to);
    if (beforeSeq !== undefined) query = query.where('seq', '<', String(beforeSeq));
    return query.orderBy('seq', 'desc').limit(limit);
  }

  async byId(id: string): Promise<RegisterEntry | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
      return undefined;
    const row = await this.db
      .selectFrom('register_entries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToEntry(row);
  }

  /**
   * Runs `read` in one REPEATABLE READ, READ ONLY transaction: every statement in it sees
   * the register as it was at the first one, head and rows alike — an append committed
   * meanwhile is seen by none of them (it moves the head and adds its rows in one commit).
   * The table is locked (ACCESS SHARE) before that first statement: a segment's DROP is DDL,
   * which no snapshot hides — dropped after the snapshot was taken, its rows were gone while
   * the retention anchor recorded with them was not yet seen, and a sound chain did not
   * verify. A retention that has not committed now waits for the read, and one that has is
   * seen whole.
   */
  snapshot<T>(read: (trx: Db) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        await sql`LOCK TABLE register_entries IN ACCESS SHARE MODE`.execute(trx);
        return read(trx);
      });
  }

  /**
   * Opens, in `snapshot`'s transaction, a cursor over every row of the register in chain
   * order, for `nextInChain`. No lower bound and no restart after the last seq seen: `seq`
   * is not unique on its own (the key is (seq, occurred_at)), and verification must see a
   * row at or below where the chain starts, and both rows of a duplicated seq.
   */
  async openChain(trx: Db): Promise<void> {
    // With each row, whether its time has a part finer than the millisecond (which the
    // driver's dates drop): no append writes one.
    await sql`DECLARE register_chain NO SCROLL CURSOR FOR
      SELECT *, extract(microseconds FROM occurred_at)::bigint % 1000 <> 0 AS sub_millisecond
        FROM register_entries ORDER BY seq, occurred_at, id`.execute(trx);
  }

  /**
   * The next rows of `openChain`'s cursor, at most `limit`; none once it is through. A row
   * holding what no append writes comes with its `irregular` rule (`rowIrregularity`).
   */
  async nextInChain(trx: Db, limit: number): Promise<ReadBackEntry[]> {
    // FETCH takes no parameter: the count is written in, from an integer.
    const count = sql.raw(String(Math.trunc(limit)));
    const { rows } = await sql<
      EntryRow & { sub_millisecond: boolean }
    >`FETCH FORWARD ${count} FROM register_chain`.execute(trx);
    return rows.map((row) => {
      const entry = rowToEntry(row);
      const irregular = rowIrregularity(row, row.sub_millisecond);
      return irregular === undefined ? entry : { ...entry, irregular };
    });
  }

  /** How many rows the register holds, and how many of them lie beyond the head's seq. */
  async tally(
    headSeq: number,
    executor: Db = this.db,
  ): Promise<{ readonly rows: number; readonly beyondHead: number }> {
    const row = await executor
      .selectFrom('register_entries')
      .select((eb) => [
        eb.fn.countAll<string>().as('rows'),
        sql<string>`count(*) FILTER (WHERE seq > ${String(headSeq)})`.as('beyond_head'),
      ])
      .executeTakeFirstOrThrow();
    return { rows: Number(row.rows), beyondHead: Number(row.beyond_head) };
  }

  /** The chain in sequence order after `afterSeq`, a batch at a time (for the demo and tests). */
  async chainAfter(afterSeq: number, limit: number): Promise<RegisterEntry[]> {
    const rows = await this.db
      .selectFrom('register_entries')
      .selectAll()
      .where('seq', '>', String(afterSeq))
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return rows.map(rowToEntry);
  }

  async anchors(executor: Db = this.db): Promise<RegisterAnchor[]> {
    const rows = await executor
      .selectFrom('register_anchors')
      .selectAll()
      .orderBy('seq', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((row) => ({
      kind: row.kind as RegisterAnchor['kind'],
      anchoredAt: row.anchored_at.toISOString(),
      seq: Number(row.seq),
      hash: row.hash,
      count: Number(row.count),
    }));
  }

  async insertAnchor(anchor: RegisterAnchor, trx?: Transaction<Database>): Promise<void> {
    await (trx ?? this.db)
      .insertInto('register_anchors')
      .values({
        kind: anchor.kind,
        anchored_at: new Date(anchor.anchoredAt),
        seq: String(anchor.seq),
        hash: anchor.hash,
        count: String(anchor.count),
      })
      .execute();
  }

  /** The month partitions, oldest first, with the start of the month after each. */
  async segments(): Promise<{ readonly name: string; readonly end: Date }[]> {
    const rows = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'register_entries'`.execute(this.db);
    return rows.rows
      .flatMap((row) => {
        const match = PARTITION_NAME.exec(row.name);
        return match === null
          ? []
          : [{ name: row.name, end: new Date(Date.UTC(Number(match[1]), Number(match[2]), 1)) }];
      })
      .sort((a, b) => a.end.getTime() - b.end.getTime());
  }

  /**
   * Drops whole segments (DDL: the row triggers do not apply, and only the table owner may),
   * after recording, in the same transaction, the last entry dropped: the chain of what
   * remains starts from it.
   * A DROP waits for every reader of the register (a verification of millions of rows, a
   * long list) and, while it waits, so does every append queued behind it — every send and
   * every emergency release. It waits a moment at most (SQLSTATE 55P03 past it, nothing
   * dropped): retention is postponed to the next run, not the disclosures.
   */
  async dropSegments(names: readonly string[], cut: RegisterAnchor | undefined): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL lock_timeout = '1s'`.execute(trx);
      if (cut !== undefined) await this.insertAnchor(cut, trx);
      for (const name of names) {
        await sql`DROP TABLE ${sql.id(name)}`.execute(trx);
        this.partitions.delete(name);
      }
    });
  }

  /** The last entry before a moment (by sequence), for a retention cut. */
  async lastBefore(
    end: Date,
  ): Promise<{ readonly seq: number; readonly hash: string } | undefined> {
    const row = await this.db
      .selectFrom('register_entries')
      .select(['seq', 'hash'])
      .where('occurred_at', '<', end)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
  }

  /**
   * For each contract id, the version and file digest of the newest entry recorded under it
   * (ids never recorded are left out), for the start-up check of contracts edited without a
   * new version. One statement: each id one backward probe of the `(contract_id, seq)`
   * index per month segment, a contract never recorded included. Its bounds are written as a
   * range on purpose: with `contract_id = id` the planner may walk the primary key backward
   * instead, filtering on the contract — the whole register for an id it never saw.
   */
  async latestContractTexts(
    contractIds: readonly string[],
  ): Promise<{ readonly contractId: string; readonly version: number; readonly sha256: string }[]> {
    if (contractIds.length === 0) return [];
    const { rows } = await sql<{ id: string; contract_version: number; contract_sha256: string }>`
      SELECT c.id, latest.contract_version, latest.contract_sha256
      FROM unnest(${[...contractIds]}::text[]) AS c(id)
      CROSS JOIN LATERAL (
        SELECT r.contract_version, r.contract_sha256 FROM register_entries r
        WHERE r.contract_id >= c.id AND r.contract_id <= c.id
        ORDER BY r.contract_id DESC, r.seq DESC
        LIMIT 1
      ) latest
      WHERE latest.contract_version IS NOT NULL AND latest.contract_sha256 IS NOT NULL`.execute(
      this.db,
    );
    return rows.map((row) => ({
      contractId: row.id,
      version: row.contract_version,
      sha256: row.contract_sha256,
    }));
  }

  async countEntries(): Promise<number> {
    const row = await this.db
      .selectFrom('register_entries')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /**
   * Per contract id and version, for the Art. 30 export: deliveries and releases, subjects,
   * last date, failed attempts (every retry that failed counts: its files may have left in
   * part), and values withheld — the `withheld` items of the entries that record what a
   * recipient got (a delivery, a release, or a `disclosure-withheld`), not of the attempts
   * and failures that repeat them (nothing appends `disclosure-withheld`: counting those
   * events alone always gave 0) — with what the entries recorded of the processing
   * (recipients, purposes, legal bases, Art. 9(2) conditions, transfers, data categories),
   * which describes a version no contract loaded now does. Only the entries counted are read:
   * not previews nor refused emergency requests, which disclose nothing, nor the attempts,
   * each followed by its outcome (reading them cost a third more on a million entries).
   * Two aggregates of the period's entries in one statement: one grouped by version and by
   * what they recorded (a few rows a version: one per recipient, country and set of
   * categories), folded by `foldRecordedGroups`; one counting each version's distinct
   * subjects, over the deliveries and releases — as the per-contract query before it, which
   * counted them again for every contract.
   */
  async contractStatistics(
    from: Date | undefined,
    to: Date | undefined,
  ): Promise<RecordedContractVersion[]> {
    const period = sql`${from === undefined ? sql`` : sql` AND occurred_at >= ${from}`}${
      to === undefined ? sql`` : sql` AND occurred_at < ${to}`
    }`;
    const { rows } = await sql<
      Pick<
        EntryRow,
        | 'recipient_id'
        | 'recipient_name'
        | 'recipient_category'
        | 'purpose'
        | 'legal_basis'
        | 'special_condition'
        | 'transfer_country'
        | 'transfer_safeguard'
        | 'categories'
      > & {
        contract_id: string;
        contract_version: number;
        contract_sha256: string;
        disclosures: string;
        last_at: Date | null;
        failures: string;
        withheld: string;
        newest: string;
        subjects: string;
      }
    >`
      WITH recorded AS (
        SELECT contract_id, coalesce(contract_version, 0) AS contract_version,
          coalesce(contract_sha256, '') AS contract_sha256, recipient_id, recipient_name,
          recipient_category, purpose, legal_basis, special_condition, transfer_country,
          transfer_safeguard, categories,
          count(*) FILTER (WHERE event IN ('disclosure-delivered', 'emergency-released')) AS disclosures,
          max(occurred_at) FILTER (WHERE event IN ('disclosure-delivered', 'emergency-released')) AS last_at,
          count(*) FILTER (WHERE event = 'disclosure-failed') AS failures,
          coalesce(sum(jsonb_array_length(withheld))
            FILTER (WHERE event IN ('disclosure-delivered', 'emergency-released', 'disclosure-withheld')), 0) AS withheld,
          max(seq) AS newest
        FROM register_entries
        WHERE contract_id IS NOT NULL
          AND event IN ('disclosure-delivered', 'disclosure-failed', 'disclosure-withheld',
                        'emergency-released')${period}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
      subjects AS (
        SELECT contract_id, coalesce(contract_version, 0) AS contract_version,
          count(DISTINCT s) AS subjects
        FROM register_entries, unnest(subjects) AS s
        WHERE contract_id IS NOT NULL
          AND event IN ('disclosure-delivered', 'emergency-released')${period}
        GROUP BY 1, 2)
      SELECT recorded.*, coalesce(subjects.subjects, 0) AS subjects
      FROM recorded LEFT JOIN subjects USING (contract_id, contract_version)`.execute(this.db);
    return foldRecordedGroups(
      rows.map((row) => ({
        contractId: row.contract_id,
        contractVersion: row.contract_version,
        contractSha256: row.contract_sha256,
        newest: Number(row.newest),
        recipient:
          row.recipient_id === null
            ? null
            : {
                id: row.recipient_id,
                name: row.recipient_name ?? '',
                category: row.recipient_category ?? '',
              },
        purpose: row.purpose,
        legalBasis: row.legal_basis,
        specialCondition: row.special_condition,
        transfer:
          row.transfer_country === null
            ? null
            : { country: row.transfer_country, safeguard: row.transfer_safeguard ?? '' },
        categories: row.categories,
        disclosures: Number(row.disclosures),
        failures: Number(row.failures),
        withheld: Number(row.withheld),
        lastDisclosedAt: row.last_at?.toISOString() ?? null,
        subjects: Number(row.subjects),
      })),
    );
  }
}

export type { RegisterEvent };
