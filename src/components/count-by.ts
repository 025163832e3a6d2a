import type { RunContext, TableColumn } from '../engine/run-context.ts';
import { ident } from '../engine/run-context.ts';

/** More distinct values than this and a column is not a code: its counts are not shown. */
export const COUNT_BY_MAX_VALUES = 50;
/** A code: up to 32 ASCII letters, digits and _ — never a name, kana, address or date. */
const CODE = /^[A-Za-z0-9_]{1,32}$/;
/** How NULL is counted; it cannot be mistaken for a code. */
export const NULL_KEY = '(empty)';

/** Rows by value of one column, or why they are not shown. */
export type ColumnCounts = Readonly<Record<string, number>> | string;

/**
 * Counts the rows of `table` by each of `columns`, for the manifest and the run's report. Only
 * codes are counted — at most 50 distinct values, each up to 32 ASCII letters, digits or `_`, and
 * no date or time column — so that a `count_by` pointed at a name, kana, address or birth date
 * cannot put one in the report: such a column gets the reason instead of its counts.
 */
export async function countBy(rt: RunContext, table: string, columns: readonly string[], types: readonly TableColumn[]): Promise<Record<string, ColumnCounts>> {
  const out: Record<string, ColumnCounts> = {};
  for (const name of columns) {
    const type = types.find((c) => c.name === name)!;
    if (type.kind === 'date' || type.kind === 'timestamp' || type.kind === 'datetime') {
      out[name] = 'not shown: a date or time column is not a code';
      continue;
    }
    const col = ident(name);
    const result = await rt.driver.query(
      `SELECT ${col}::text AS value, count(*) AS n FROM ${ident(table)} GROUP BY 1 ORDER BY ${col}::text COLLATE "C" NULLS LAST LIMIT ${COUNT_BY_MAX_VALUES + 1}`,
    );
    if (result.rows.length > COUNT_BY_MAX_VALUES) {
      out[name] = `not shown: more than ${COUNT_BY_MAX_VALUES} distinct values, so not a code`;
      continue;
    }
    // The values are looked at here and nowhere else: one that is not a code withholds them all.
    if (result.rows.some((r) => r['value'] !== null && !CODE.test(r['value']!))) {
      out[name] = 'not shown: a value is not a code (up to 32 letters, digits or _)';
      continue;
    }
    out[name] = Object.fromEntries(result.rows.map((r) => [r['value'] ?? NULL_KEY, Number(r['n'])]));
  }
  return out;
}
