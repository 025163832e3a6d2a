import type { Check } from '../config/pipeline.ts';
import type { RunContext } from './run-context.ts';
import { sqlError } from '../components/run-sql.ts';
import { EtlError } from '../errors.ts';

/** The outcome of one check, as the manifest records it. */
export interface CheckResult {
  readonly name: string;
  readonly description?: string;
  readonly passed: boolean;
  /** Each query's value, by label. */
  readonly values: Readonly<Record<string, string | null>>;
}

const PRINTABLE = /^(-?\d+(\.\d+)?|t|f|true|false)$/;

/**
 * Checks are meant to compare counts and flags; a check over a name or an address must not put
 * the name in a log or the manifest. Anything but a number or a boolean is shown as a placeholder.
 */
function shown(values: Readonly<Record<string, string | null>>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null || PRINTABLE.test(v) ? v : '(a value that is not a number, not shown)']));
}

/**
 * Evaluates every check (after the transforms, before any sink) and fails the run naming each
 * one that does not hold. All are evaluated, so one run reports every broken reconciliation.
 * Each result goes into `results` as it is known, so a failed run's report shows them too.
 */
export async function runChecks(checks: readonly Check[], rt: RunContext, results: CheckResult[] = []): Promise<CheckResult[]> {
  for (const check of checks) {
    const values: Record<string, string | null> = {};
    for (const q of check.queries) {
      const params = q.sql.params.map((p) => rt.pipeline.params[p]);
      let rows;
      try {
        rows = (await rt.driver.query(q.sql.text, params)).rows;
      } catch (e) {
        throw sqlError(e, { id: `check ${check.name}`, pos: check.pos, sql: q.sql }, 0);
      }
      const first = rows[0];
      const cells = first ? Object.values(first) : [];
      if (rows.length !== 1 || cells.length !== 1) {
        throw new EtlError('invalid', [{ pos: check.pos, message: `check "${check.name}": query "${q.label}" must return one value, got ${rows.length} rows of ${cells.length} columns` }]);
      }
      values[q.label] = cells[0] ?? null;
    }
    const all = Object.values(values);
    const passed = check.kind === 'assert' ? all[0] === 't' || all[0] === 'true' : all.every((v) => v !== null && v === all[0]);
    results.push({ name: check.name, description: check.description, passed, values: shown(values) });
    rt.log.info(`etl: check ${check.name}: ${passed ? 'passed' : 'FAILED'} (${Object.entries(shown(values)).map(([k, v]) => `${k} = ${v}`).join(', ')})`);
  }
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) {
    throw new EtlError(
      'failed',
      failed.map((r) => {
        const check = checks.find((c) => c.name === r.name)!;
        const detail = Object.entries(r.values).map(([k, v]) => `${k} = ${v ?? 'NULL'}`).join(', ');
        return { pos: check.pos, message: `check "${r.name}" failed${check.description ? ` (${check.description})` : ''}: ${detail}` };
      }),
    );
  }
  return results;
}

