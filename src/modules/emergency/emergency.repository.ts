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
   * Keeps an alert that could not be put on the queue with the request it is about, by
   * event (kept once however often it is kept). False if there is no such request.
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
   * The alerts kept, oldest request first, up to `limit` requests, handed to `queue` one
   * request at a time; the events it returns as queued are removed. The requests are
   * locked meanwhile and those another process holds are skipped: two processes do not
   * queue the same alert. The round ends at the first request not wholly queued (the queue
   * is away again).
   */
  async drainAlerts(
    limit: number,
    queue: (alerts: readonly unknown[]) => Promise<readonly string[]>,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('emergency_requests')
        .select(['id', 'alerts_pending'])
        .where('alerts_pending', 'is not', null)
        .orderBy('created_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      let queued = 0;
      for (const row of rows) {
        const alerts = Object.values(row.alerts_pending ?? {});
        const done = await queue(alerts);
        if (done.length > 0) {
          queued += done.length;
          await trx
            .updateTable('emergency_requests')
            .set({
              alerts_pending: sql<string>`nullif(alerts_pending - ${[...done]}::text[], '{}'::jsonb)`,
            })
            .where('id', '=', row.id)
            .execute();
        }
        if (done.length < alerts.length) break;
      }
      return queued;
    });
  }
}
