import type { Db } from '../../database/database.js';
import type { SealedDocument } from '../bookings/booking-cipher.js';

export interface EmergencyRequestRecord {
  readonly id: string;
  readonly clientId: string;
  readonly insurerId: string;
  readonly outcome: 'released' | 'refused';
  readonly refusal?: string;
  readonly registerEntryId: string;
  readonly tripId?: string;
  readonly bookingReference?: string;
  readonly participantId?: string;
  readonly requestSha256: string;
  readonly sealed: SealedDocument;
  readonly createdAt: Date;
}

/** Emergency requests as received: ids in clear, what the agent wrote sealed. */
export class EmergencyRepository {
  constructor(readonly db: Db) {}

  async insert(record: EmergencyRequestRecord): Promise<void> {
    const { sealed } = record;
    await this.db
      .insertInto('emergency_requests')
      .values({
        id: record.id,
        client_id: record.clientId,
        insurer_id: record.insurerId,
        outcome: record.outcome,
        refusal: record.refusal ?? null,
        register_entry_id: record.registerEntryId,
        trip_id: record.tripId ?? null,
        booking_reference: record.bookingReference ?? null,
        participant_id: record.participantId ?? null,
        request_sha256: record.requestSha256,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
        auth_tag: sealed.authTag,
        wrapped_key: sealed.wrappedKey,
        wrap_iv: sealed.wrapIv,
        wrap_tag: sealed.wrapTag,
        key_id: sealed.keyId,
        created_at: record.createdAt,
        erased_at: null,
      })
      .execute();
  }
}
