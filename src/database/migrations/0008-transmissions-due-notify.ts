import { sql, type Kysely, type Migration } from 'kysely';

/** The channel a transmission falling due at once is announced on (no payload: ids stay in the table). */
export const TRANSMISSIONS_DUE_CHANNEL = 'passerelle_transmissions_due';

/**
 * A row written `planned` with a due time already past — a booking confirmed (its sends are
 * due at once), an operator's `send-now`, a flight moved into the past hour — is announced
 * on `passerelle_transmissions_due` when its transaction commits, whichever process wrote it:
 * the dispatchers listening claim it at once instead of at their next tick (every 5 s by
 * default). PostgreSQL folds the identical notifications of one transaction into one. The
 * condition is the trigger's own (`WHEN`), so the rows planned for later — nearly all —
 * call no function.
 */
export const transmissionsDueNotifyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      CREATE FUNCTION passerelle_transmissions_due() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(${sql.lit(TRANSMISSIONS_DUE_CHANNEL)}, '');
        RETURN NULL;
      END $$`.execute(db);
    await sql`
      CREATE TRIGGER transmissions_due_notify
      AFTER INSERT OR UPDATE OF status, due_at ON transmissions
      FOR EACH ROW WHEN (NEW.status = 'planned' AND NEW.due_at <= now())
      EXECUTE FUNCTION passerelle_transmissions_due()`.execute(db);
  },
};
