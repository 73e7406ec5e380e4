import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The unit's own index goes (0007): the unique key of a transmission already starts with
 * its unit (trip, contract, unit key, then kind and moment), and the two questions asked of
 * a unit — is another send of it in flight, what was last delivered to it — read its few
 * rows through that key as well. Each index is one more write on every change of status:
 * a transmission sent changes status three times (claimed, leased, finished), and this
 * index cost PostgreSQL about a tenth of its work per transmission.
 */
export const transmissionUnitByKeyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`DROP INDEX transmissions_unit`.execute(db);
  },
};
