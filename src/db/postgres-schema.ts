import type pg from 'pg';

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, string | null>[] }>;

/** First key of the advisory locks that mark live runs (the second is the hash of the schema name). */
export const LOCK_SPACE = 0x45544c; // "ETL"

/**
 * Drops the schemas of runs that died without dropping their own: a run's schema is abandoned
 * when nobody holds its advisory lock. Runs that are alive hold theirs, so they are never touched.
 * One that cannot be dropped (its tables locked by another session, or not this user's) is a
 * warning: this run goes on in its own schema, and a later run tries again.
 */
export async function dropAbandonedSchemas(client: pg.Client): Promise<number> {
  const found = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'etl\\_run\\_%' ORDER BY 1`);
  let dropped = 0;
  for (const { nspname } of found.rows) {
    const got = await client.query<{ ok: string }>(`SELECT pg_try_advisory_lock(${LOCK_SPACE}, hashtext($1)) AS ok`, [nspname]);
    if (got.rows[0]?.ok !== 't') continue;
    try {
      // Another session's lock on one of its tables (someone reading a dead run's table) would otherwise hold this run at its start.
      await client.query(`SET lock_timeout = '${ABANDONED_LOCK_TIMEOUT}'`);
      await dropSchema((sql, params) => client.query<Record<string, string | null>>(sql, params), nspname);
      dropped++;
    } catch (e) {
      warn(`could not drop the abandoned schema "${nspname}" of a run that ended without dropping it (${(e as Error).message}); this run goes on, and a later run tries again`);
    } finally {
      await client.query('RESET lock_timeout');
      await client.query(`SELECT pg_advisory_unlock(${LOCK_SPACE}, hashtext($1))`, [nspname]);
    }
  }
  return dropped;
}

/** How long dropping an abandoned schema waits for another session's lock on one of its tables. */
const ABANDONED_LOCK_TIMEOUT = '5s';

/**
 * Tables dropped per statement (each its own transaction). A table takes several locks (itself,
 * its TOAST table and index, its row types), and a server's lock table holds
 * max_locks_per_transaction × max_connections of them for every session at once (6,400 by
 * default): one DROP SCHEMA … CASCADE of 3,000 tables ran out of shared memory.
 */
const TABLES_PER_DROP = 100;

/** Drops `schema`'s tables in chunks of {@link TABLES_PER_DROP}, then the schema and whatever else it held. */
export async function dropSchema(query: Query, schema: string): Promise<void> {
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  const tables = await query(
    "SELECT quote_ident(relname) AS name FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r' ORDER BY relname",
    [schema],
  );
  const names = tables.rows.map((r) => `${quoted}.${r['name']}`);
  for (let i = 0; i < names.length; i += TABLES_PER_DROP) await query(`DROP TABLE IF EXISTS ${names.slice(i, i + TABLES_PER_DROP).join(', ')} CASCADE`);
  await query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
}

/** A problem that does not stop the run, said on stderr (the driver has no logger, and it names no data). */
export function warn(message: string): void {
  process.stderr.write(`etl: warning: ${message}\n`);
}
