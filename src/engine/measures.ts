import { sqlError } from '../components/run-sql.ts';
import type { Measure } from '../config/pipeline.ts';
import { EtlError } from '../errors.ts';
import type { RunContext } from './run-context.ts';

const NUMBER = /^-?\d+(\.\d+)?$/;

/** A measure's name and its value, as the manifest records it. */
export interface MeasureResult {
  readonly name: string;
  readonly description?: string;
  readonly value: number;
}

/**
 * Evaluates the pipeline's measures (after the checks, before any sink). Each query must return
 * one number; anything else is a mistake in the pipeline file (exit 2), reported without the value,
 * which might be a person's name.
 */
export async function runMeasures(measures: readonly Measure[], rt: RunContext): Promise<MeasureResult[]> {
  const results: MeasureResult[] = [];
  for (const m of measures) {
    let rows;
    try {
      rows = (await rt.driver.query(m.sql.text, m.sql.params.map((p) => rt.pipeline.params[p]))).rows;
    } catch (e) {
      throw sqlError(e, { id: `measure ${m.name}`, pos: m.pos, sql: m.sql }, 0);
    }
    const cells = rows[0] ? Object.values(rows[0]) : [];
    const value = cells[0];
    if (rows.length !== 1 || cells.length !== 1 || typeof value !== 'string' || !NUMBER.test(value)) {
      throw new EtlError('invalid', [{ pos: m.pos, message: `measure "${m.name}": the query must return one number, got ${rows.length === 1 && cells.length === 1 ? (value === null ? 'NULL' : 'a value that is not a number') : `${rows.length} rows of ${cells.length} columns`}` }]);
    }
    results.push({ name: m.name, ...(m.description ? { description: m.description } : {}), value: Number(value) });
  }
  return results;
}
