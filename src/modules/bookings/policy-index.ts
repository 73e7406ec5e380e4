import { createHmac } from 'node:crypto';
import { normalizePolicyNumber } from '../../core/emergency/emergency-release.js';
import type { Booking } from '../../core/model/booking.js';
import { masterKeyId, type BookingCipher } from './booking-cipher.js';

/** One insured participant of a booking, as the index stores it: ids and a keyed digest. */
export interface PolicyIndexEntry {
  readonly participantId: string;
  readonly insurerId: string;
  readonly digest: Buffer;
}

/**
 * Finds insured participants by policy number without keeping the number: an HMAC-SHA256
 * of the normalized number under a key derived from the master key. Without the key the
 * digests cannot be searched, even for numbers short enough to enumerate.
 */
export class PolicyIndex {
  // An ECMAScript private field: neither JSON.stringify nor util.inspect shows it.
  readonly #key: Buffer;
  /** Which key the stored digests were made with (`bookings.policies_key_id`). */
  readonly keyId: string;

  constructor(cipher: BookingCipher) {
    this.#key = cipher.derivedKey('policy-index/v1');
    this.keyId = masterKeyId(this.#key);
  }

  digest(policyNumber: string): Buffer {
    return createHmac('sha256', this.#key).update(normalizePolicyNumber(policyNumber)).digest();
  }

  entriesOf(booking: Booking): PolicyIndexEntry[] {
    return booking.participants.flatMap((participant) =>
      participant.insurance === undefined
        ? []
        : [
            {
              participantId: participant.id,
              insurerId: participant.insurance.insurerId,
              digest: this.digest(participant.insurance.policyNumber),
            },
          ],
    );
  }
}
