import { sql, type Selectable } from 'kysely';
import type { Db } from '../../database/database.js';
import type { EmergencyRequestsTable } from '../../database/schema.js';
import type { SealedDocument } from '../bookings/booking-cipher.js';
import { sealedOf } from '../bookings/bookings.repository.js';

export interface EmergencyRequestFilters {
  readonly clientId?: string;
  readonly insurerId?: string;
  readonly participantId?: string;
  readonly outcome?: 'released' | 'refused';
  readonly from?: Date;
  readonly to?: Date;
}

/** A stored request: ids in clear, what the agent wrote sealed (absent once erased). */
export interface StoredEmergencyRequest {
  readonly id: string;
  readonly receivedAt: Date;
  readonly clientId: string;
  readonly insurerId: string;
  readonly outcome: 'released' | 'refused';
  readonly refusal: string | null;
  readonly registerEntryId: string;
  readonly tripId: string | null;
  readonly participantId: string | null;
  /** Every participant the request concerns (its register entry's subjects). */
  readonly participantIds: readonly string[];
  readonly requestSha256: string;
  readonly sealed: SealedDocument | undefined;
}

function storedOf(row: Selectable<EmergencyRequestsTable>): StoredEmergencyRequest {
  return {
    id: row.id,
    receivedAt: row.created_at,
    clientId: row.client_id,
    insurerId: row.insurer_id,
    outcome: row.outcome,
    refusal: row.refusal,
    registerEntryId: row.register_entry_id,
    tripId: row.trip_id,
    participantId: row.participant_id,
    participantIds: row.participant_ids,
    requestSha256: row.request_sha256,
    sealed: sealedOf(row),
  };
}

/** Where a round of kept alerts stopped: the last request offered. */
export interface AlertCursor {
  readonly at: Date;
  readonly id: string;
}

/** What an insurer may read back of its own request. */
export interface EmergencyReceipt {
  readonly id: string;
  readonly outcome: 'released' | 'refused';
  readonly registerEntryId: string;
  readonly receivedAt: string;
}

/**
 * Emergency requests as received: ids in clear, what the agent wrote sealed. Rows are
 * written with their register entry, in its transaction (`RegisterService.appendWith`).
 */
export class EmergencyRepository {
  constructor(readonly db: Db) {}

  /** One request of one client, ids and outcome only (its receipt); undefined if not theirs. */
  async receipt(id: string, clientId: string): Promise<EmergencyReceipt | undefined> {
    const row = await this.db
      .selectFrom('emergency_requests')
      .select(['id', 'outcome', 'register_entry_id', 'created_at'])
      .where('id', '=', id)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          id: row.id,
          outcome: row.outcome,
          registerEntryId: row.register_entry_id,
          receivedAt: row.created_at.toISOString(),
        };
  }

  /** One stored request, whoever made it (for operations and the DPO). */
  async byId(id: string): Promise<StoredEmergencyRequest | undefined> {
    const row = await this.db
      .selectFrom('emergency_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : storedOf(row);
  }

  /** Newest first, strictly before the cursor `(receivedAt, id)` when given. */
  async list(
    filters: EmergencyRequestFilters,
    before: { readonly at: Date; readonly id: string } | undefined,
    limit: number,
  ): Promise<StoredEmergencyRequest[]> {
    const rows = await this.listQuery(filters, before, limit).execute();
    return rows.map(storedOf);
  }

  /**
   * `list`'s statement (its plans are tested): a participant's requests through
   * `emergency_requests_holder` and `emergency_requests_about` (migration 0023).
   */
  listQuery(
    filters: EmergencyRequestFilters,
    before: { readonly at: Date; readonly id: string } | undefined,
    limit: number,
  ) {
    let query = this.db.selectFrom('emergency_requests').selectAll();
    if (filters.clientId !== undefined) query = query.where('client_id', '=', filters.clientId);
    if (filters.insurerId !== undefined) query = query.where('insurer_id', '=', filters.insurerId);
    const participantId = filters.participantId;
    if (participantId !== undefined) {
      // The single holder, or any participant the request was about (a refusal names them).
      query = query.where((eb) =>
        eb.or([
          eb('participant_id', '=', participantId),
          eb('participant_ids', '@>', eb.val([participantId])),
        ]),
      );
    }
    if (filters.outcome !== undefined) query = query.where('outcome', '=', filters.outcome);
    if (filters.from !== undefined) query = query.where('created_at', '>=', filters.from);
    if (filters.to !== undefined) query = query.where('created_at', '<', filters.to);
    if (before !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', before.at),
          eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
        ]),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
  }

  /**
   * Keeps a webhook alert with the request it is about, by event (kept once however often
   * it is kept), until the webhook has accepted it (`dropAlert`). False if there is no such
   * request.
   */
  async keepAlert(requestId: string, event: string, alert: object): Promise<boolean> {
    const kept = await this.db
      .updateTable('emergency_requests')
      .set({
        alerts_pending: sql<string>`coalesce(alerts_pending, '{}'::jsonb) || jsonb_build_object(${event}::text, ${JSON.stringify(alert)}::jsonb)`,
      })
      .where('id', '=', requestId)
      .executeTakeFirst();
    return kept.numUpdatedRows > 0n;
  }

  /**
   * Removes a kept alert: the webhook accepted it, or its retries ran out. It waits for a
   * drain round that holds the request (`offerAlerts`), so that the round offers it while
   * its job is still in Redis.
   */
  async dropAlert(requestId: string, event: string): Promise<void> {
    await this.db
      .updateTable('emergency_requests')
      .set({
        alerts_pending: sql<string>`nullif(alerts_pending - ${event}::text, '{}'::jsonb)`,
      })
      .where('id', '=', requestId)
      .where(sql<boolean>`alerts_pending ? ${event}::text`)
      .execute();
  }

  /**
   * The alerts kept, up to `limit` requests after `after` (created, then id), handed to
   * `offer` one request at a time; nothing is removed (`dropAlert` does, once delivered).
   * The requests are locked meanwhile, those another process holds skipped: an alert
   * delivered meanwhile is removed only once the round has offered it, while its job is
   * still in Redis (BullMQ ignores the add then). The round ends at the first request whose
   * alerts `offer` did not all put on the queue (the queue is away again). Returns where
   * the next round starts (undefined: from the oldest again).
   */
  async offerAlerts(
    limit: number,
    after: AlertCursor | undefined,
    offer: (alerts: readonly unknown[]) => Promise<boolean>,
  ): Promise<AlertCursor | undefined> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('emergency_requests')
        .select(['id', 'created_at', 'alerts_pending'])
        .where('alerts_pending', 'is not', null);
      if (after !== undefined) {
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '>', after.at),
            eb.and([eb('created_at', '=', after.at), eb('id', '>', after.id)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      let next = after;
      for (const row of rows) {
        if (!(await offer(Object.values(row.alerts_pending ?? {})))) return next;
        next = { at: row.created_at, id: row.id };
      }
      return rows.length < limit ? undefined : next;
    });
  }
}
