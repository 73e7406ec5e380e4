import { sql, type Kysely, type Migration } from 'kysely';

/** The channel a trip whose delivered data is no longer its current data is announced on. */
export const TRIPS_STALE_CHANNEL = 'passerelle_trips_stale';

/**
 * A send delivered with data that changed while it was being sent (a booking erased, a
 * passport corrected, after the worker had rendered it) is announced with its trip's id (no
 * personal value) when its transaction commits: the plan took the new digest while the send
 * was under way, and the dispatchers listening re-plan the trip, which plans the resend the
 * new data calls for. The condition is the trigger's own (`WHEN`): the deliveries of
 * unchanged data — nearly all — call no function.
 */
export const transmissionsStaleNotifyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE FUNCTION passerelle_trips_stale() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(${sql.lit(TRIPS_STALE_CHANNEL)}, NEW.trip_id);
        RETURN NULL;
      END $$`.execute(db);
    await sql`
      CREATE TRIGGER transmissions_stale_notify
      AFTER UPDATE OF status ON transmissions
      FOR EACH ROW WHEN (NEW.status = 'delivered' AND OLD.status = 'sending'
                         AND NEW.digest IS DISTINCT FROM NEW.delivered_digest)
      EXECUTE FUNCTION passerelle_trips_stale()`.execute(db);
  },
};
