import { randomUUID } from 'node:crypto';
import { sql, type Selectable, type Transaction } from 'kysely';
import type { DataQualityError } from '../../core/projection/minimized-unit.js';
import {
  CANCEL_REASONS,
  cancelReasonOf,
  type CancelReason,
  type PlanChange,
  type TransmissionState,
  type TransmissionStatus,
} from '../../core/planning/reconcile-plan.js';
import { compiledTemplate, prepared, type Db } from '../../database/database.js';
import { isUuid } from '../shared/uuid.js';
import type { Database, TransmissionsTable } from '../../database/schema.js';

type Row = Selectable<TransmissionsTable>;

/** A transmission as operations see it (interfaces.md). */
export interface Transmission {
  readonly id: string;
  readonly contractId: string;
  readonly contractVersion: number;
  readonly tripId: string;
  readonly unit: string;
  readonly recipientId: string;
  readonly kind: 'scheduled' | 'resend';
  readonly moment: number;
  readonly dueAt: string;
  readonly deadline: string;
  readonly status: TransmissionStatus;
  readonly attempts: number;
  readonly generation: number;
  readonly digest: string;
  readonly deliveredDigest: string | null;
  readonly deliveredAt: string | null;
  readonly lastError: string | null;
  /** Data-quality problems that stopped it: subject, field, rule — never a value. */
  readonly problems: readonly DataQualityError[];
  readonly reason: string | null;
  /** Made due by an operator's send-now: a re-planning leaves it due. */
  readonly sentNow: boolean;
  /**
   * Delivered, and its recipient holds data since changed that nothing will send (its last
   * moment passed, or its contract never resends): since when, and the digest of the data
   * as it is now. Null otherwise. The DPO tells the recipient (Art. 19).
   */
  readonly outdatedAt: string | null;
  readonly outdatedDigest: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toTransmission(row: Row): Transmission {
  return {
    id: row.id,
    contractId: row.contract_id,
    contractVersion: row.contract_version,
    tripId: row.trip_id,
    unit: row.unit_key,
    recipientId: row.recipient_id,
    kind: row.kind as Transmission['kind'],
    moment: row.moment,
    dueAt: row.due_at.toISOString(),
    deadline: row.deadline.toISOString(),
    status: row.status as TransmissionStatus,
    attempts: row.attempts,
    generation: row.generation,
    digest: row.digest,
    deliveredDigest: row.delivered_digest,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    lastError: row.last_error,
    problems: row.problems as DataQualityError[],
    reason: row.reason,
    sentNow: row.sent_now,
    outdatedAt: row.outdated_at?.toISOString() ?? null,
    outdatedDigest: row.outdated_digest,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const toState = (t: Transmission): TransmissionState => ({
  id: t.id,
  contractId: t.contractId,
  contractVersion: t.contractVersion,
  unitKey: t.unit,
  recipientId: t.recipientId,
  kind: t.kind,
  moment: t.moment,
  dueAt: t.dueAt,
  deadline: t.deadline,
  status: t.status,
  digest: t.digest,
  ...(t.deliveredDigest === null ? {} : { deliveredDigest: t.deliveredDigest }),
  ...(t.deliveredAt === null ? {} : { deliveredAt: t.deliveredAt }),
  ...(t.status === 'cancelled' ? withCancelReason(cancelReasonOf(t.reason)) : {}),
  ...(t.sentNow ? { sentNow: true } : {}),
  ...(t.outdatedDigest === null ? {} : { outdatedDigest: t.outdatedDigest }),
});

const withCancelReason = (reason: CancelReason | undefined) =>
  reason === undefined ? {} : { cancelReason: reason };

/** What a row says when the plan sends it again, by the state it comes from. */
const REPLANNED_BECAUSE: Readonly<Record<Extract<PlanChange, { type: 'replan' }>['from'], string>> =
  {
    failed: 'planned again: its data changed after it failed',
    cancelled: 'planned again: its unit is back',
    missed: 'planned again: its last moment moved later',
    queued: 'planned again: its due time moved later',
  };
/** …and when it had been cancelled because its contract no longer called for it. */
const REPLANNED_CONTRACT_BACK = 'planned again: its contract calls for it again';

/** A row the plan was computed from changed state meanwhile: the plan is computed again. */
class PlanOutdated extends Error {}

/** Plans of one trip computed in a row before giving up (each found a row moved on). */
const MAX_PLAN_ATTEMPTS = 5;

/** Most transmissions in one job (one trip's, fallen due together). */
export const MAX_TRANSMISSIONS_PER_JOB = 100;

/** A transmission the dispatcher claimed: what its job is made of. */
export type Claimed = InFlight;

/** A transmission the queue should hold, and the job that carries it. */
export interface InFlight {
  readonly id: string;
  readonly contractId: string;
  readonly tripId: string;
  readonly jobId: string;
}

/** The columns a job is made of, as the dispatcher's statements return them. */
interface InFlightRow {
  readonly id: string;
  readonly contract_id: string;
  readonly trip_id: string;
  readonly job_id: string;
}

const toInFlight = (row: InFlightRow): InFlight => ({
  id: row.id,
  contractId: row.contract_id,
  tripId: row.trip_id,
  jobId: row.job_id,
});

/** What the worker reads of a transmission it leased: what it sends, records and fences by. */
export type LeasedTransmission = Pick<
  Transmission,
  'id' | 'contractId' | 'tripId' | 'unit' | 'recipientId' | 'attempts'
> & {
  /** Attempts since it was last planned again: what the contract's maximum counts. */
  readonly generationAttempts: number;
  /**
   * Every file name its earlier failed attempts wrote or may have written (sorted): those this attempt
   * does not write are removed at the recipient, where the transport can.
   */
  readonly attemptedFiles: readonly string[];
};

/** A leased transmission, with the digest last delivered for its contract × unit. */
export interface Started {
  readonly transmission: LeasedTransmission;
  readonly lastDeliveredDigest: string | undefined;
}

/**
 * The lease (see `startSending`), compiled once and prepared per connection: it runs for
 * every few transmissions sent. It returns the columns the worker reads, not whole rows —
 * the driver parsed four timestamps and a JSON column per row, which the worker then turned
 * back into text, and that cost more than the statement.
 */
const lease = compiledTemplate(
  (ids: readonly string[], now: Date, leaseUntil: Date) =>
    sql<{
      id: string;
      contract_id: string;
      trip_id: string;
      unit_key: string;
      recipient_id: string;
      attempts: number;
      attempts_before: number;
      attempted_files: string[];
      last_delivered_digest: string | null;
    }>`
      UPDATE transmissions t
      SET status = 'sending', attempts = t.attempts + 1,
          lease_until = ${leaseUntil}, updated_at = ${now}
      WHERE t.id = ANY(${ids}::uuid[])
        -- As a CASE, the status test cannot match the partial index of those in flight:
        -- with statistics taken while few were, the planner scanned that index for the
        -- rows named here by key, and the prepared statement kept that plan.
        AND CASE t.status WHEN 'queued' THEN true
                          WHEN 'sending' THEN t.lease_until < ${now}
                          ELSE false END
        -- Never late: past its last moment it stays as it is, and the dispatcher misses it.
        AND t.deadline > ${now}
      RETURNING t.id, t.contract_id, t.trip_id, t.unit_key, t.recipient_id, t.attempts,
        t.attempts_before, t.attempted_files, (
        SELECT d.delivered_digest FROM transmissions d
        WHERE d.trip_id = t.trip_id AND d.contract_id = t.contract_id
          AND d.unit_key = t.unit_key AND d.status = 'delivered'
        ORDER BY d.delivered_at DESC LIMIT 1) AS last_delivered_digest`,
);

/**
 * Pending transmissions past their last moment (see `markMissed`), compiled once and prepared
 * per connection: it runs on every dispatcher round, nearly always to find none. Each arm on
 * its own partial index (`transmissions_deadline`, `transmissions_open`, both read up to the
 * deadline): written as one condition with the deadline outside, it was a scan of the whole
 * table on every round.
 */
const missed = compiledTemplate((now: Date) => {
  // The moment behind a sub-select: each round's own plan, knowing it, found nothing to
  // miss and always looked cheaper than the generic one, so every round was planned again.
  const at = sql`(SELECT ${now}::timestamptz)`;
  return sql<Row>`
      UPDATE transmissions
      SET status = 'missed',
          -- Being sent when its lease ran out: its files may have left without the outcome
          -- being recorded; operations are told so, not that it was never sent.
          reason = CASE WHEN status = 'sending'
                        THEN 'its last moment passed while the outcome of an attempt was unknown: its files may have left'
                        ELSE 'its last moment passed before it could be sent' END,
          updated_at = ${now}
      WHERE (status IN ('planned', 'held') AND deadline < ${at})
         OR (status = 'queued' AND deadline < ${at})
         OR (status = 'sending' AND deadline < ${at} AND lease_until < ${at})
      RETURNING *`;
});

/**
 * The claim (see `claimDue`), compiled once and prepared per connection: it runs on every
 * dispatcher round, and planning it took as long as claiming a few hundred rows. The moment
 * is behind a sub-select, so that PostgreSQL settles on the generic plan: each round's own
 * plan, knowing the moment, found nothing due (nearly always true) and looked cheaper.
 */
const claim = compiledTemplate(
  (now: Date, limit: number, perJob: number) =>
    sql<InFlightRow>`
    WITH picked AS (
      SELECT d.id FROM (
        SELECT DISTINCT ON (trip_id, contract_id, unit_key) id, trip_id, due_at
        FROM transmissions t
        WHERE status = 'planned' AND due_at <= (SELECT ${now}::timestamptz)
          -- One probe of the unit's key (the unique index starts with it); the status
          -- test, as a CASE, cannot match the partial index of those in flight, which the
          -- planner otherwise compared with each candidate in turn whenever its
          -- statistics said it held few.
          AND NOT EXISTS (
            SELECT 1 FROM transmissions busy
            WHERE busy.trip_id = t.trip_id AND busy.contract_id = t.contract_id
              AND busy.unit_key = t.unit_key
              AND CASE busy.status WHEN 'queued' THEN true WHEN 'sending' THEN true
                                   ELSE false END)
        ORDER BY trip_id, contract_id, unit_key, due_at, id) d
      -- The earliest due first, a trip's together: the limit splits one trip at most.
      ORDER BY min(d.due_at) OVER (PARTITION BY d.trip_id), d.trip_id, d.due_at
      LIMIT ${limit}),
    locked AS (
      SELECT id, trip_id, generation FROM transmissions
      WHERE id = ANY(ARRAY(SELECT id FROM picked))
        -- Looked up by key. As a CASE, the test cannot match the partial index of the due
        -- ones: with statistics saying few were due, the planner read every due row in it
        -- and compared each with the whole list of those picked.
        AND CASE status WHEN 'planned' THEN due_at <= (SELECT ${now}::timestamptz)
                        ELSE false END
      FOR UPDATE SKIP LOCKED),
    jobs AS (
      SELECT n.id, first_value(n.id::text || '.' || n.generation) OVER (
               PARTITION BY n.trip_id, (n.rank - 1) / ${perJob} ORDER BY n.id) AS job_id
      FROM (
        SELECT l.id, l.trip_id, l.generation,
               row_number() OVER (PARTITION BY l.trip_id ORDER BY l.id) AS rank
        FROM locked l) n)
    UPDATE transmissions t SET status = 'queued', updated_at = ${now}, job_id = j.job_id
    FROM jobs j
    WHERE t.id = ANY(ARRAY(SELECT id FROM jobs)) AND t.id = j.id
    RETURNING t.id, t.contract_id, t.trip_id, t.job_id`,
);

/** An attempt: the transmission and its `attempts` when leased (the fencing token). */
export interface Lease {
  readonly id: string;
  readonly attempt: number;
}

/** How an attempt ends. Details left undefined leave the column as it is. */
export interface Finish extends Lease {
  readonly status: 'delivered' | 'failed' | 'cancelled' | 'queued';
  readonly deliveredDigest?: string;
  readonly lastError?: string | null;
  readonly problems?: readonly DataQualityError[];
  readonly reason?: string | null;
  /**
   * Back to the queue without having sent anything (its trip could not be loaded, the
   * register could not record the attempt): the attempt is not counted against the
   * contract's maximum (fail closed must not use up the retries of a later real failure).
   */
  readonly notSent?: boolean;
  /**
   * File names the attempt wrote or may have written that its row does not record yet (an
   * attempt that failed): added to `attempted_files`, so that a later attempt writing fewer
   * removes the others at the recipient.
   */
  readonly attemptedFiles?: readonly string[];
}

export interface TransmissionFilters {
  readonly tripId?: string;
  readonly contractId?: string;
  readonly status?: TransmissionStatus;
  /** Due at or after. */
  readonly from?: Date;
  /** Due before. */
  readonly to?: Date;
}

/** The plan's SQL. */
export class TransmissionsRepository {
  constructor(readonly db: Db) {}

  /**
   * Applies the plan changes of one trip in a transaction holding the trip's advisory lock:
   * two re-plannings of a trip never interleave. The rows are read without a lock (the worker
   * and the dispatcher must not wait for a plan), so a row may change state between the read
   * and the change made of it (a send delivered meanwhile, claimed, missed): the change then
   * touches nothing, the plan is rolled back and computed again from what the rows are now —
   * otherwise a delivery of the data of before would be followed by no resend.
   */
  async applyPlan(
    tripId: string,
    compute: (
      existing: readonly TransmissionState[],
      trx: Transaction<Database>,
    ) => Promise<readonly PlanChange[]>,
    now: Date,
  ): Promise<{ readonly changes: readonly PlanChange[]; readonly missed: Transmission[] }> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`plan:${tripId}`}))`.execute(trx);
          const rows = await trx
            .selectFrom('transmissions')
            .selectAll()
            .where('trip_id', '=', tripId)
            .execute();
          const changes = await compute(rows.map(toTransmission).map(toState), trx);
          // An operator's action (not under the plan lock) gives its row a new generation.
          const generations = new Map(rows.map((row) => [row.id, row.generation]));
          const missed: Transmission[] = [];
          for (const change of changes) {
            const applied = await this.applyChange(trx, tripId, change, now, generations);
            if (applied === false) throw new PlanOutdated();
            if (applied !== true && applied.status === 'missed') missed.push(applied);
          }
          return { changes, missed };
        });
      } catch (error) {
        if (!(error instanceof PlanOutdated) || attempt >= MAX_PLAN_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * One change of the plan: the row inserted, or whether the row changed was still in a state
   * the change applies to (false: it moved on since it was read).
   */
  private async applyChange(
    trx: Transaction<Database>,
    tripId: string,
    change: PlanChange,
    now: Date,
    generations: ReadonlyMap<string, number>,
  ): Promise<Transmission | boolean> {
    switch (change.type) {
      case 'insert':
        return toTransmission(
          await trx
            .insertInto('transmissions')
            .values({
              id: randomUUID(),
              contract_id: change.send.contractId,
              contract_version: change.send.contractVersion,
              trip_id: tripId,
              unit_key: change.send.unit.key,
              recipient_id: change.send.recipientId,
              kind: change.kind,
              moment: change.send.moment,
              due_at: new Date(change.dueAt),
              deadline: new Date(change.send.deadline),
              status: change.status,
              digest: change.send.digest,
              delivered_digest: null,
              delivered_at: null,
              lease_until: null,
              last_error: null,
              reason: change.status === 'missed' ? 'planned after its last moment' : null,
              created_at: now,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow(),
        );
      case 'update': {
        // Pending, it moves; queued or being sent, it keeps its due time (the change says it)
        // and takes its new last moment and digest.
        const { numUpdatedRows } = await trx
          .updateTable('transmissions')
          .set({
            due_at: new Date(change.dueAt),
            deadline: new Date(change.deadline),
            digest: change.digest,
            contract_version: change.contractVersion,
            ...(change.recipientId === undefined ? {} : { recipient_id: change.recipientId }),
            updated_at: now,
          })
          .where('id', '=', change.id)
          .where('status', 'in', ['planned', 'held', 'queued', 'sending'])
          // Sent now by an operator since it was read (still planned, or claimed since), it
          // would be moved back to its schedule's due time: the plan starts again from it.
          .where('generation', '=', generations.get(change.id) ?? -1)
          .executeTakeFirst();
        return numUpdatedRows > 0n;
      }
      case 'replan': {
        // A new generation: a job of the old one (a queued send's) finds nothing to send.
        const { numUpdatedRows } = await trx
          .updateTable('transmissions')
          .set((eb) => ({
            // Held by an operator before it was cancelled or missed: held again.
            status: sql<string>`CASE WHEN held THEN 'held' ELSE 'planned' END`,
            due_at: new Date(change.dueAt),
            deadline: new Date(change.deadline),
            digest: change.digest,
            contract_version: change.contractVersion,
            ...(change.recipientId === undefined ? {} : { recipient_id: change.recipientId }),
            generation: eb('generation', '+', 1),
            // Its attempts so far were for the data or the moment of before.
            attempts_before: eb.ref('attempts'),
            // The plan's send now, not an operator's send-now (a queued one is never the
            // operator's: the plan leaves those due).
            sent_now: false,
            job_id: null,
            ...(change.from === 'queued' ? {} : { last_error: null, problems: JSON.stringify([]) }),
            reason:
              change.cancelled === 'not-in-contract'
                ? REPLANNED_CONTRACT_BACK
                : REPLANNED_BECAUSE[change.from],
            updated_at: now,
          }))
          .where('id', '=', change.id)
          .where('status', '=', change.from)
          .executeTakeFirst();
        return numUpdatedRows > 0n;
      }
      case 'outdated':
        // Only a mark on a delivered row, which nothing else changes: never a reason to plan
        // again.
        await trx
          .updateTable('transmissions')
          .set({
            outdated_digest: change.digest,
            outdated_at: change.digest === null ? null : now,
          })
          .where('id', '=', change.id)
          .where('status', '=', 'delivered')
          .execute();
        return true;
      case 'cancel': {
        const { numUpdatedRows } = await trx
          .updateTable('transmissions')
          .set({
            status: 'cancelled',
            reason: CANCEL_REASONS[change.reason],
            updated_at: now,
          })
          .where('id', '=', change.id)
          .where('status', 'in', ['planned', 'held', 'queued'])
          .executeTakeFirst();
        return numUpdatedRows > 0n;
      }
    }
  }

  async byId(id: string): Promise<Transmission | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db
      .selectFrom('transmissions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toTransmission(row);
  }

  async list(
    filters: TransmissionFilters,
    after: { readonly dueAt: Date; readonly id: string } | undefined,
    limit: number,
  ): Promise<Transmission[]> {
    let query = this.db.selectFrom('transmissions').selectAll();
    if (filters.tripId !== undefined) query = query.where('trip_id', '=', filters.tripId);
    if (filters.contractId !== undefined)
      query = query.where('contract_id', '=', filters.contractId);
    if (filters.status !== undefined) query = query.where('status', '=', filters.status);
    if (filters.from !== undefined) query = query.where('due_at', '>=', filters.from);
    if (filters.to !== undefined) query = query.where('due_at', '<', filters.to);
    // Pages by (due time to the millisecond, id): the cursor carries a JavaScript date, so
    // the comparison must not see microseconds it cannot hold.
    const dueMs = sql<Date>`date_trunc('milliseconds', due_at)`;
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb(dueMs, '>', after.dueAt),
          eb.and([eb(dueMs, '=', after.dueAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy(dueMs, 'asc').orderBy('id', 'asc').limit(limit).execute();
    return rows.map(toTransmission);
  }

  /**
   * Pending transmissions past their last moment become `missed` — and so do those whose
   * sender died (lease expired) without an outcome: the worker leases none past its last
   * moment, so none of them will ever leave. Returns them.
   */
  /**
   * The trips of sends delivered since `since` with data other than their plan's (the
   * stale-delivery trigger's condition, migration 0013): what a dispatcher that was not
   * listening then did not hear. Read only when a dispatcher listens again (a scan of the
   * delivered rows is acceptable that rarely).
   */
  async tripsDeliveredStaleSince(since: Date): Promise<string[]> {
    const rows = await this.db
      .selectFrom('transmissions')
      .select('trip_id')
      .distinct()
      .where('status', '=', 'delivered')
      .where('updated_at', '>=', since)
      .where(sql<boolean>`digest IS DISTINCT FROM delivered_digest`)
      .orderBy('trip_id')
      .execute();
    return rows.map((row) => row.trip_id);
  }

  async markMissed(now: Date): Promise<Transmission[]> {
    const { rows } = await this.db.executeQuery(this.missedQuery(now));
    return rows.map(toTransmission);
  }

  /** `markMissed`'s statement, run on every dispatcher tick (its plans are tested). */
  missedQuery(now: Date) {
    return missed(this.db, now);
  }

  /**
   * Claims up to `limit` planned transmissions that fell due: they become `queued`. One per
   * contract × unit at a time, the earliest, and none while another of that unit is queued or
   * being sent: the next one is judged (resent or cancelled as unchanged) against what the
   * previous one delivered. Claims are serialized across processes by a transaction lock.
   *
   * The claimed transmissions of one trip share a job (at most `perJob` to a job): its id is
   * the first one's `<id>.<generation>` (by id), written in each row (`job_id`) so that the
   * reconciler can tell which job carries which row. A trip's data is then loaded and
   * decrypted once for all of them.
   */
  async claimDue(now: Date, limit: number, perJob = MAX_TRANSMISSIONS_PER_JOB): Promise<Claimed[]> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('passerelle:claim-due'))`.execute(trx);
      const rows = await trx.executeQuery(this.claimQuery(now, limit, perJob));
      // Only what the jobs are made of: whole rows cost the dispatcher more to read than
      // to claim.
      return rows.rows.map(toInFlight);
    });
  }

  /**
   * `claimDue`'s statement (its plans are tested). The rows are found by key (`= ANY` of the
   * ids chosen), not joined — a join let the planner read the whole table twice a round,
   * and the table keeps every transmission ever planned; "another of the unit in flight" is
   * one probe of the unit's key, where it compared each candidate with every row in
   * flight. The rows are locked again under their own conditions: a row an operator
   * held in the meantime is left as it is.
   */
  claimQuery(now: Date, limit: number, perJob: number) {
    return claim(this.db, now, limit, perJob);
  }

  /**
   * Transmissions the queue should hold — queued, or sending with an expired lease — with the
   * job that carries each: the columns the reconciler needs, not whole rows (it runs every
   * round, over every queued transmission).
   */
  async inFlight(now: Date): Promise<InFlight[]> {
    // One row per job, not per transmission (a job's transmissions are of one trip).
    const rows = await sql<{
      job_id: string;
      trip_id: string;
      ids: string[];
      contract_ids: string[];
    }>`
      SELECT coalesce(job_id, id::text || '.' || generation) AS job_id, min(trip_id) AS trip_id,
             array_agg(id::text) AS ids, array_agg(contract_id) AS contract_ids
      FROM transmissions
      WHERE status = 'queued' OR (status = 'sending' AND lease_until < ${now})
      GROUP BY 1`.execute(this.db);
    return rows.rows.flatMap((row) =>
      row.ids.map((id, i) => ({
        id,
        contractId: row.contract_ids[i] ?? '',
        tripId: row.trip_id,
        jobId: row.job_id,
      })),
    );
  }

  /**
   * The backlog by contract: transmissions due and not yet delivered — planned with their due
   * time passed (not claimed yet), queued (waiting for a job or a retry) or being sent — with
   * the oldest due time of each. Read through the partial indexes of the open rows
   * (`transmissions_due`, `transmissions_open`): the size of the backlog, not of the table.
   */
  async backlog(
    now: Date,
  ): Promise<
    { readonly contractId: string; readonly count: number; readonly oldestDueAt: Date }[]
  > {
    const { rows } = await sql<{ contract_id: string; n: string; oldest: Date }>`
      SELECT contract_id, count(*) AS n, min(due_at) AS oldest
      FROM transmissions
      WHERE (status = 'planned' AND due_at <= ${now}) OR status IN ('queued', 'sending')
      GROUP BY contract_id`.execute(this.db);
    return rows.map((row) => ({
      contractId: row.contract_id,
      count: Number(row.n),
      oldestDueAt: new Date(row.oldest),
    }));
  }

  /**
   * Moves transmissions whose job was lost to jobs of their own (`<id>.<generation>`), as
   * long as they are still queued or sending; returns those moved, with their new job id.
   */
  async assignOwnJobs(ids: readonly string[]): Promise<InFlight[]> {
    if (ids.length === 0) return [];
    const rows = await sql<InFlightRow>`
      UPDATE transmissions SET job_id = id::text || '.' || generation
      WHERE id = ANY(${ids}::uuid[]) AND status IN ('queued', 'sending')
      RETURNING id, contract_id, trip_id, job_id`.execute(this.db);
    return rows.rows.map(toInFlight);
  }

  /**
   * Leases queued transmissions (or ones whose lease expired) for this attempt, in one
   * statement; each with the digest last delivered for its contract × unit. Those not to be
   * sent (already delivered, cancelled, held, leased by another attempt, past their last
   * moment) are not returned.
   */
  async startSending(ids: readonly string[], now: Date, leaseMs: number): Promise<Started[]> {
    if (ids.length === 0) return [];
    const result = await this.db.executeQuery(this.leaseQuery(ids, now, leaseMs));
    const byId = new Map(result.rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined
        ? []
        : [
            {
              transmission: {
                id: row.id,
                contractId: row.contract_id,
                tripId: row.trip_id,
                unit: row.unit_key,
                recipientId: row.recipient_id,
                attempts: row.attempts,
                generationAttempts: row.attempts - row.attempts_before,
                attemptedFiles: row.attempted_files,
              },
              lastDeliveredDigest: row.last_delivered_digest ?? undefined,
            },
          ];
    });
  }

  /** `startSending`'s statement (its plan is tested). */
  leaseQuery(ids: readonly string[], now: Date, leaseMs: number) {
    return lease(this.db, ids, now, new Date(now.getTime() + leaseMs));
  }

  /**
   * Renews the leases of the attempts that hold them (`attempts` is the fencing token);
   * returns the ids still held — the others were taken over (this process was presumed dead)
   * or finished.
   */
  async renewLeases(leases: readonly Lease[], now: Date, leaseMs: number): Promise<Set<string>> {
    if (leases.length === 0) return new Set();
    const rows = await sql<{ id: string }>`
      UPDATE transmissions t SET lease_until = ${new Date(now.getTime() + leaseMs)}
      FROM unnest(${leases.map((l) => l.id)}::uuid[], ${leases.map((l) => l.attempt)}::int[])
        AS l(id, attempt)
      WHERE t.id = l.id AND t.status = 'sending' AND t.attempts = l.attempt
      RETURNING t.id`.execute(this.db);
    return new Set(rows.rows.map((row) => row.id));
  }

  /**
   * Ends attempts in one statement: each row takes its status (and what its details say),
   * releases its lease and its job — only if that attempt still holds it. Returns the ids
   * finished; `executor`: the transaction to finish them in (the register's, for outcomes).
   */
  async finish(
    finishes: readonly Finish[],
    now: Date,
    executor: Db = this.db,
  ): Promise<Set<string>> {
    if (finishes.length === 0) return new Set();
    // Prepared: its text is the same for any number of rows (they travel as arrays).
    const result = await executor.executeQuery(
      prepared(this.finishQuery(finishes, now).compile(executor)),
    );
    return new Set(result.rows.map((row) => row.id));
  }

  /**
   * `finish`'s statement, a row returned for each row finished: run on its own, or inside
   * the register's append of the outcomes (`AppendGuard`: all of them finished, or nothing).
   */
  finishQuery(finishes: readonly Finish[], now: Date) {
    const column = <T>(pick: (f: Finish) => T) => finishes.map(pick);
    const has = (value: unknown) => value !== undefined;
    return sql<{ id: string }>`
      UPDATE transmissions t SET
        status = f.status, lease_until = NULL, updated_at = ${now},
        job_id = CASE WHEN f.status = 'queued' THEN t.job_id ELSE NULL END,
        delivered_digest = CASE WHEN f.delivered_digest IS NULL THEN t.delivered_digest
                                ELSE f.delivered_digest END,
        delivered_at = CASE WHEN f.delivered_digest IS NULL THEN t.delivered_at ELSE ${now} END,
        last_error = CASE WHEN f.set_last_error THEN f.last_error ELSE t.last_error END,
        problems = CASE WHEN f.problems IS NULL THEN t.problems ELSE f.problems::jsonb END,
        reason = CASE WHEN f.set_reason THEN f.reason ELSE t.reason END,
        attempts_before = t.attempts_before + CASE WHEN f.not_sent THEN 1 ELSE 0 END,
        attempted_files = CASE WHEN f.attempted_files IS NULL THEN t.attempted_files
          ELSE ARRAY(SELECT DISTINCT name
                       FROM unnest(t.attempted_files || string_to_array(f.attempted_files, '/')) AS name
                      ORDER BY name) END
      FROM unnest(
        ${column((f) => f.id)}::uuid[], ${column((f) => f.attempt)}::int[],
        ${column((f) => f.status)}::text[], ${column((f) => f.deliveredDigest ?? null)}::text[],
        ${column((f) => has(f.lastError))}::bool[], ${column((f) => f.lastError ?? null)}::text[],
        ${column((f) => (f.problems === undefined ? null : JSON.stringify(f.problems)))}::text[],
        ${column((f) => has(f.reason))}::bool[], ${column((f) => f.reason ?? null)}::text[],
        ${column((f) => f.notSent === true)}::bool[],
        ${column((f) => (f.attemptedFiles === undefined ? null : f.attemptedFiles.join('/')))}::text[])
        AS f(id, attempt, status, delivered_digest, set_last_error, last_error, problems,
             set_reason, reason, not_sent, attempted_files)
      -- Read by key. As a CASE, the status test cannot match the partial index of those in
      -- flight, which the planner otherwise read whole, all the rows being sent, to find
      -- the few finished here.
      WHERE t.id = f.id
        AND CASE t.status WHEN 'sending' THEN t.attempts = f.attempt ELSE false END
      RETURNING t.id`;
  }

  /**
   * An operator's action on a pending transmission, with the state it was in (read under the
   * row's lock, so that what the register says it was is what it was); undefined when it is
   * not pending, or — for send-now — its last moment has passed. `executor`: the transaction
   * it is recorded in (the register's).
   */
  async operate(
    id: string,
    action: 'send-now' | 'hold' | 'release',
    now: Date,
    executor: Db = this.db,
  ): Promise<{ readonly before: TransmissionStatus; readonly after: Transmission } | undefined> {
    if (!isUuid(id)) return undefined;
    const current = await executor
      .selectFrom('transmissions')
      .select('status')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (current === undefined) return undefined;
    const from: readonly string[] =
      action === 'release'
        ? ['held']
        : action === 'hold'
          ? ['planned']
          : // A failed transmission may be tried again once its cause is fixed.
            ['planned', 'held', 'failed'];
    const row = await executor
      .updateTable('transmissions')
      .set((eb) => ({
        status: action === 'hold' ? 'held' : 'planned',
        // Kept apart from the status, which the plan may change (cancelled, missed) and
        // then give back: released or sent now, it is the operator's no more.
        held: action === 'hold',
        // Sent now, it has the contract's attempts again (a failed one tried once its cause
        // is fixed would otherwise fail for good at its first transient failure).
        ...(action === 'send-now'
          ? { due_at: now, attempts_before: eb.ref('attempts'), sent_now: true }
          : {}),
        generation: eb('generation', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('status', 'in', from)
      // Sent now past its last moment, it would only be missed: the operator is told so
      // (409) rather than answered "planned" for a send that cannot happen.
      .$if(action === 'send-now', (query) => query.where('deadline', '>', now))
      .returningAll()
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { before: current.status as TransmissionStatus, after: toTransmission(row) };
  }

  /**
   * Fast-forwards time for `passerelle demo` (never called by the gateway itself): the next
   * planned send of each contract × unit of these trips falls due at `now`. One per unit at
   * a time, as the calendar would bring them: called again only once the previous ones were
   * dealt with, a unit's later moment leaves after its earlier one, so "unchanged data is
   * never sent twice" plays out as it does over weeks. Returns the transmissions moved (none
   * once every planned send is due).
   */
  async bringNextDueNow(tripIds: readonly string[], now: Date): Promise<Transmission[]> {
    if (tripIds.length === 0) return [];
    const next = this.db
      .selectFrom('transmissions')
      .select('id')
      .distinctOn(['trip_id', 'contract_id', 'unit_key'])
      .where('trip_id', 'in', tripIds)
      .where('status', '=', 'planned')
      .orderBy('trip_id')
      .orderBy('contract_id')
      .orderBy('unit_key')
      .orderBy('due_at')
      .orderBy('id');
    const rows = await this.db
      .updateTable('transmissions')
      .set({ due_at: now, updated_at: now })
      .where('id', 'in', next)
      .where('status', '=', 'planned')
      .where('due_at', '>', now)
      .returningAll()
      .execute();
    return rows.map(toTransmission);
  }

  async tripIdsWithOpenTransmissions(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('transmissions')
      .select('trip_id')
      .distinct()
      .where('status', 'in', ['planned', 'held', 'queued', 'sending'])
      .execute();
    return rows.map((row) => row.trip_id);
  }
}
