import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Emergency requests about a participant, for the DPO (`GET /v1/emergency/requests?participantId=`):
 * the holder's id (`participant_id`) or any participant a request was about
 * (`participant_ids`), erased requests included — they stay listed, without what the agent
 * wrote. The only index of the participants holds the requests not erased (migration 0012,
 * for the erasure), and none holds the holder: each search read every request ever stored.
 */
export const emergencyRequestsByParticipantMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE INDEX emergency_requests_holder ON emergency_requests (participant_id)`.execute(
      db,
    );
    await sql`
      CREATE INDEX emergency_requests_about ON emergency_requests USING gin (participant_ids)`.execute(
      db,
    );
  },
};
