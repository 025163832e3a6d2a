import type { Position } from '../errors.ts';
import { EtlError } from '../errors.ts';
import { ident, type RunContext, type TableColumn } from '../engine/run-context.ts';

/**
 * Makes sure `orderBy` identifies each row of `from`, so that the rows' order never depends on the
 * database: a tie fails the run, naming `what` (a sink, a transform) and how many key values are shared.
 */
export async function assertOrderIdentifies(rt: RunContext, what: string, from: string, orderBy: readonly string[], pos: Position): Promise<void> {
  const table = ident(from);
  const keys = orderBy.map(ident).join(', ');
  const tied = (await mayTie(table, orderBy, rt))
    ? Number((await rt.driver.query(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} GROUP BY ${keys} HAVING count(*) > 1) t`)).rows[0]!['n'])
    : 0;
  if (tied > 0) {
    throw new EtlError('failed', [{ pos, message: `${what}: order_by (${orderBy.join(', ')}) does not identify each row of "${from}": ${tied} key value${tied === 1 ? ' is' : 's are'} shared by several rows, so their order would depend on the database` }]);
  }
}

/**
 * Names in `orderBy` (or another list of `key`) that are not columns of the table: an invalid
 * pipeline, reported at `pos`.
 */
export function assertColumnsExist(what: string, key: string, names: readonly string[], from: string, columns: readonly TableColumn[], pos: Position): void {
  const missing = names.filter((name) => !columns.some((c) => c.name === name));
  if (missing.length > 0) {
    throw new EtlError('invalid', [{ pos, message: `${what}: ${key} names ${missing.map((m) => `"${m}"`).join(', ')}, not a column of "${from}" (columns: ${columns.map((c) => c.name).join(', ')})` }]);
  }
}

/** The columns of `orderBy`, as the table has them (each checked to exist beforehand). */
export function keyColumns(columns: readonly TableColumn[], orderBy: readonly string[]): TableColumn[] {
  return orderBy.map((name) => columns.find((c) => c.name === name)!);
}

/**
 * False when the sort key certainly identifies each row. For a key of one column the rows beyond
 * its distinct values are counted by a sort of that column alone, several times faster than
 * grouping (NULLs, which count(DISTINCT) leaves out, tie with each other as in GROUP BY); a key
 * of several columns is left to the grouping query.
 */
async function mayTie(table: string, orderBy: readonly string[], rt: RunContext): Promise<boolean> {
  if (orderBy.length !== 1) return true;
  const k = ident(orderBy[0]!);
  const r = await rt.driver.query(`SELECT count(${k}) - count(DISTINCT ${k}) + GREATEST(count(*) - count(${k}) - 1, 0) AS surplus FROM ${table}`);
  return Number(r.rows[0]!['surplus']) > 0;
}
