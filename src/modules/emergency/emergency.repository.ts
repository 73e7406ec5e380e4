import type { Selectable } from 'kysely';
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
    let query = this.db.selectFrom('emergency_requests').selectAll();
    if (filters.clientId !== undefined) query = query.where('client_id', '=', filters.clientId);
    if (filters.insurerId !== undefined) query = query.where('insurer_id', '=', filters.insurerId);
    if (filters.participantId !== undefined)
      query = query.where('participant_id', '=', filters.participantId);
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
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(storedOf);
  }
}
