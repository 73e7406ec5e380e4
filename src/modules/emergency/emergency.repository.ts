import type { Db } from '../../database/database.js';

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
}
