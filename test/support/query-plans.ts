import type pg from 'pg';

/**
 * The plans PostgreSQL makes for a compiled statement, as JSON text: for these values (a
 * statement run once), and the generic one (a prepared statement's, once the connection has
 * settled on it). `admin` runs SQL on the test's database.
 */
export async function plansOf(
  admin: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>,
  query: { readonly sql: string; readonly parameters: readonly unknown[] },
): Promise<{ custom: string; generic: string }> {
  const { sql, parameters } = query;
  const text = (rows: unknown[]) =>
    JSON.stringify((rows[0] as { 'QUERY PLAN': unknown })['QUERY PLAN']);
  const custom = text((await admin(`EXPLAIN (FORMAT JSON) ${sql}`, [...parameters])).rows);
  await admin(`PREPARE plan_probe AS ${sql}`);
  try {
    await admin('SET plan_cache_mode = force_generic_plan');
    // EXECUTE takes its values as literals (a statement's own parameters stay unbound).
    const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const literal = (value: unknown): string =>
      value instanceof Date
        ? quote(value.toISOString())
        : Array.isArray(value)
          ? quote(`{${value.map(String).join(',')}}`)
          : typeof value === 'number'
            ? String(value)
            : quote(String(value));
    const values = parameters.map(literal).join(', ');
    const generic = text((await admin(`EXPLAIN (FORMAT JSON) EXECUTE plan_probe(${values})`)).rows);
    return { custom, generic };
  } finally {
    await admin('RESET plan_cache_mode');
    await admin('DEALLOCATE plan_probe');
  }
}
