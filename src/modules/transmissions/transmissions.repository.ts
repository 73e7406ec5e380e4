import { randomUUID } from 'node:crypto';
import { sql, type Selectable, type Transaction } from 'kysely';
import type { DataQualityError } from '../../core/projection/minimized-unit.js';
import type {
  PlanChange,
  TransmissionState,
  TransmissionStatus,
} from '../../core/planning/reconcile-plan.js';
import type { Db } from '../../database/database.js';
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
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const toState = (t: Transmission): TransmissionState => ({
  id: t.id,
  contractId: t.contractId,
  contractVersion: t.contractVersion,
  unitKey: t.unit,
  kind: t.kind,
  moment: t.moment,
  dueAt: t.dueAt,
  deadline: t.deadline,
  status: t.status,
  digest: t.digest,
  ...(t.deliveredDigest === null ? {} : { deliveredDigest: t.deliveredDigest }),
  ...(t.deliveredAt === null ? {} : { deliveredAt: t.deliveredAt }),
});

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
   * two re-plannings of a trip never interleave.
   */
  async applyPlan(
    tripId: string,
    compute: (existing: readonly TransmissionState[]) => readonly PlanChange[],
    now: Date,
  ): Promise<{ readonly changes: readonly PlanChange[]; readonly missed: Transmission[] }> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`plan:${tripId}`}))`.execute(trx);
      const rows = await trx
        .selectFrom('transmissions')
        .selectAll()
        .where('trip_id', '=', tripId)
        .execute();
      const changes = compute(rows.map(toTransmission).map(toState));
      const missed: Transmission[] = [];
      for (const change of changes) {
        const inserted = await this.applyChange(trx, tripId, change, now);
        if (inserted?.status === 'missed') missed.push(inserted);
      }
      return { changes, missed };
    });
  }

  private async applyChange(
    trx: Transaction<Database>,
    tripId: string,
    change: PlanChange,
    now: Date,
  ): Promise<Transmission | undefined> {
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
      case 'update':
        await trx
          .updateTable('transmissions')
          .set({
            due_at: new Date(change.dueAt),
            deadline: new Date(change.deadline),
            digest: change.digest,
            contract_version: change.contractVersion,
            updated_at: now,
          })
          .where('id', '=', change.id)
          .where('status', 'in', ['planned', 'held'])
          .execute();
        return undefined;
      case 'retry':
        await trx
          .updateTable('transmissions')
          .set((eb) => ({
            status: 'planned',
            due_at: new Date(change.dueAt),
            deadline: new Date(change.deadline),
            digest: change.digest,
            contract_version: change.contractVersion,
            generation: eb('generation', '+', 1),
            last_error: null,
            problems: JSON.stringify([]),
            reason: 'planned again: its data changed after it failed',
            updated_at: now,
          }))
          .where('id', '=', change.id)
          .where('status', '=', 'failed')
          .execute();
        return undefined;
      case 'cancel':
        await trx
          .updateTable('transmissions')
          .set({
            status: 'cancelled',
            reason:
              change.reason === 'unit-gone'
                ? 'its unit no longer exists'
                : 'the data is what was already delivered',
            updated_at: now,
          })
          .where('id', '=', change.id)
          .where('status', 'in', ['planned', 'held', 'queued'])
          .execute();
        return undefined;
    }
  }

  async byId(id: string): Promise<Transmission | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
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

  /** Pending transmissions past their last moment become `missed`; returns them. */
  async markMissed(now: Date): Promise<Transmission[]> {
    const rows = await this.db
      .updateTable('transmissions')
      .set({
        status: 'missed',
        reason: 'its last moment passed before it could be sent',
        updated_at: now,
      })
      .where('status', 'in', ['planned', 'held', 'queued'])
      .where('deadline', '<', now)
      .returningAll()
      .execute();
    return rows.map(toTransmission);
  }

  /**
   * Claims up to `limit` planned transmissions that fell due: they become `queued`. One per
   * contract × unit at a time, the earliest, and none while another of that unit is queued or
   * being sent: the next one is judged (resent or cancelled as unchanged) against what the
   * previous one delivered. Claims are serialized across processes by a transaction lock.
   */
  async claimDue(now: Date, limit: number): Promise<Transmission[]> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('passerelle:claim-due'))`.execute(trx);
      const rows = await sql<Row>`
        UPDATE transmissions SET status = 'queued', updated_at = ${now}
        WHERE id IN (
          SELECT id FROM transmissions WHERE id IN (
            SELECT DISTINCT ON (trip_id, contract_id, unit_key) id FROM transmissions t
            WHERE status = 'planned' AND due_at <= ${now}
              AND NOT EXISTS (
                SELECT 1 FROM transmissions busy
                WHERE busy.trip_id = t.trip_id AND busy.contract_id = t.contract_id
                  AND busy.unit_key = t.unit_key AND busy.status IN ('queued', 'sending'))
            ORDER BY trip_id, contract_id, unit_key, due_at, id)
          ORDER BY due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING *`.execute(trx);
      return rows.rows.map(toTransmission);
    });
  }

  /** Transmissions the queue should hold: queued, or sending with an expired lease. */
  async inFlight(now: Date): Promise<Transmission[]> {
    const rows = await this.db
      .selectFrom('transmissions')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('status', '=', 'queued'),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .execute();
    return rows.map(toTransmission);
  }

  /**
   * Takes a queued transmission (or one whose sender died) for sending, with a lease;
   * undefined when it is not to be sent (already delivered, cancelled, held, leased).
   */
  /**
   * Leases a queued transmission (or one whose lease expired) for this attempt; with it, the
   * digest last delivered for its contract × unit — one round trip.
   */
  async startSending(
    id: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ transmission: Transmission; lastDeliveredDigest: string | undefined } | undefined> {
    const result = await sql<Row & { last_delivered_digest: string | null }>`
      UPDATE transmissions t
      SET status = 'sending', attempts = t.attempts + 1,
          lease_until = ${new Date(now.getTime() + leaseMs)}, updated_at = ${now}
      WHERE t.id = ${id}
        AND (t.status = 'queued' OR (t.status = 'sending' AND t.lease_until < ${now}))
      RETURNING t.*, (
        SELECT d.delivered_digest FROM transmissions d
        WHERE d.trip_id = t.trip_id AND d.contract_id = t.contract_id
          AND d.unit_key = t.unit_key AND d.status = 'delivered'
        ORDER BY d.delivered_at DESC LIMIT 1) AS last_delivered_digest`.execute(this.db);
    const row = result.rows[0];
    if (row === undefined) return undefined;
    return {
      transmission: toTransmission(row),
      lastDeliveredDigest: row.last_delivered_digest ?? undefined,
    };
  }

  /**
   * Renews the lease of the attempt that holds it (`attempts` is the fencing token): false
   * when the transmission was taken over (this process was presumed dead) or finished.
   */
  async renewLease(id: string, attempt: number, now: Date, leaseMs: number): Promise<boolean> {
    const row = await this.db
      .updateTable('transmissions')
      .set({ lease_until: new Date(now.getTime() + leaseMs) })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .where('attempts', '=', attempt)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether this attempt (`attempts`, the fencing token) still holds the transmission. */
  async holdsLease(id: string, attempt: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('transmissions')
      .select('id')
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .where('attempts', '=', attempt)
      .executeTakeFirst();
    return row !== undefined;
  }

  async finish(
    id: string,
    status: 'delivered' | 'failed' | 'cancelled' | 'queued',
    now: Date,
    details: {
      readonly deliveredDigest?: string;
      readonly lastError?: string | null;
      readonly problems?: readonly DataQualityError[];
      readonly reason?: string | null;
    } = {},
  ): Promise<void> {
    await this.db
      .updateTable('transmissions')
      .set({
        status,
        lease_until: null,
        updated_at: now,
        ...(details.deliveredDigest === undefined
          ? {}
          : { delivered_digest: details.deliveredDigest, delivered_at: now }),
        ...(details.lastError === undefined ? {} : { last_error: details.lastError }),
        ...(details.problems === undefined ? {} : { problems: JSON.stringify(details.problems) }),
        ...(details.reason === undefined ? {} : { reason: details.reason }),
      })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  /** An operator's action on a pending transmission; undefined when it is not pending. */
  async operate(
    id: string,
    action: 'send-now' | 'hold' | 'release',
    now: Date,
  ): Promise<Transmission | undefined> {
    const from: readonly string[] =
      action === 'release'
        ? ['held']
        : action === 'hold'
          ? ['planned']
          : // A failed transmission may be tried again once its cause is fixed.
            ['planned', 'held', 'failed'];
    const row = await this.db
      .updateTable('transmissions')
      .set((eb) => ({
        status: action === 'hold' ? 'held' : 'planned',
        ...(action === 'send-now' ? { due_at: now } : {}),
        generation: eb('generation', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toTransmission(row);
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
