import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What migrations 0015–0018 left as it was in an installation upgraded with data: they
 * changed how rows are written from then on, and the rows written before kept the state the
 * older release gave them.
 *
 * - `held` (0018) was set for the rows `held` at the time only. A send an operator held that
 *   the plan had since cancelled (its unit gone) or found missed lost its hold: planned again
 *   after the upgrade (its unit back, its last moment later), it left without being
 *   released. It is held when the last operator's action on it, in the register, is a hold.
 * - `sent_now` (0016) started false everywhere. A send an operator sent now that had not left
 *   yet (pending, or queued — the workers stopped for the upgrade) was moved back to its
 *   scheduled moment by the plan of every trip the new release makes at start. It is sent
 *   now when it is still pending or queued, due, and the last operator's action on it is a
 *   send-now.
 * - The triggers of 0015 and 0017 store erased the requests stored after an erasure from
 *   then on; those stored so before kept what the agent wrote. Every request about a
 *   participant of an erased booking (its holder's booking, or a booking holding one of the
 *   participants it names) is erased, as an erasure today leaves it.
 *
 * The register is read by transmission (its index of transmission and sequence), for the
 * few transmissions that could be concerned; nothing is appended to it.
 */
export const upgradeOperatorActionsAndErasuresMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The last action of an operator on a transmission (reads of the register carry no
    // transmission id; the actions carry `detail.action`).
    const lastAction = sql`(
      SELECT e.detail ->> 'action' FROM register_entries e
       WHERE e.transmission_id = t.id::text AND e.event = 'ops-action'
         AND e.detail ->> 'action' IN ('hold', 'release', 'send-now')
       ORDER BY e.seq DESC LIMIT 1)`;
    await sql`
      UPDATE transmissions t SET held = true
       WHERE t.status IN ('cancelled', 'missed') AND NOT t.held
         AND ${lastAction} = 'hold'`.execute(db);
    await sql`
      UPDATE transmissions t SET sent_now = true
       WHERE t.status IN ('planned', 'queued') AND NOT t.sent_now AND t.due_at <= now()
         AND ${lastAction} = 'send-now'`.execute(db);
    await sql`
      UPDATE emergency_requests r
         SET ciphertext = NULL, iv = NULL, auth_tag = NULL, wrapped_key = NULL, wrap_iv = NULL,
             wrap_tag = NULL, key_id = NULL, erased_at = now()
       WHERE r.erased_at IS NULL
         AND (EXISTS (
               SELECT 1 FROM bookings b
                WHERE b.reference = r.booking_reference AND b.erased_at IS NOT NULL)
           OR (cardinality(r.participant_ids) > 0 AND EXISTS (
               SELECT 1 FROM bookings b
                WHERE b.participant_ids && r.participant_ids AND b.erased_at IS NOT NULL)))`.execute(
      db,
    );
  },
};
