import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Who each emergency request is about, and the alerts it could not yet queue.
 *
 * `participant_ids`: the participants a request concerns (the subjects of its register
 * entry, ids only). A refusal without a single holder (another insurer's policy, several
 * holders) has no booking reference, so erasure could not find it by reference and left
 * what the agent wrote readable; erasing a booking now also clears every request naming
 * one of its participants. Existing rows take the subjects of their register entry.
 *
 * `alerts_pending`: the webhook alerts of the request that could not be put on the queue
 * (Redis away), by event, ids only; the service queues them once Redis is back, so a
 * release neither waits for Redis nor loses its alert. They outlive an erasure: they hold
 * no personal value.
 */
export const emergencyRequestSubjectsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      ALTER TABLE emergency_requests
        ADD COLUMN participant_ids text[] NOT NULL DEFAULT '{}',
        ADD COLUMN alerts_pending jsonb`.execute(db);
    await sql`
      UPDATE emergency_requests r
      SET participant_ids = ARRAY(
        SELECT DISTINCT s
        FROM unnest(coalesce(e.subjects, '{}') || r.participant_id) AS s
        WHERE s IS NOT NULL
        ORDER BY s)
      FROM emergency_requests o
      LEFT JOIN LATERAL (
        SELECT subjects FROM register_entries WHERE id = o.register_entry_id LIMIT 1
      ) e ON true
      WHERE o.id = r.id`.execute(db);
    await sql`
      CREATE INDEX emergency_requests_participants ON emergency_requests
      USING gin (participant_ids) WHERE erased_at IS NULL`.execute(db);
    await sql`
      CREATE INDEX emergency_requests_alerts_pending ON emergency_requests (created_at)
      WHERE alerts_pending IS NOT NULL`.execute(db);
  },
};
