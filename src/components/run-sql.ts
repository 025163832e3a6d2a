import type { SqlTransformStage } from '../config/pipeline.ts';
import { originalOffset, sqlPosition } from '../config/sql-params.ts';
import type { QueryResult } from '../db/driver.ts';
import type { RunContext } from '../engine/run-context.ts';
import { EtlError, type Position } from '../errors.ts';

/**
 * Runs a stage's SQL behind `prefix` (e.g. `CREATE TABLE x AS`). A database error becomes an
 * EtlError at the line and column of the SQL file where PostgreSQL found it; messages about
 * data values have the values cut out, since they may be a person's name or address.
 */
export async function runSql(
  rt: RunContext,
  stage: Pick<SqlTransformStage, 'id' | 'pos' | 'sql'>,
  prefix: string,
  body: string,
  params: readonly unknown[],
): Promise<QueryResult> {
  try {
    return await rt.driver.query(prefix + body, params);
  } catch (e) {
    throw sqlError(e, stage, prefix.length);
  }
}

/**
 * Turns a PostgreSQL error raised by a stage's SQL into an EtlError pointing into the SQL,
 * or at the stage when `prefixLength` is null (SQL the engine generated).
 */
export function sqlError(e: unknown, stage: Pick<SqlTransformStage, 'id' | 'pos' | 'sql'>, prefixLength: number | null): Error {
  const err = e as { message?: string; code?: string; position?: string };
  // A lost connection is not the SQL's fault: it goes up as it is, to be reported as such.
  if (typeof err?.code !== 'string' || /^(57P0[123]|08)/.test(err.code)) return e as Error;
  let pos: Position = stage.pos;
  if (err.position && prefixLength !== null) {
    const offset = Number(err.position) - 1 - prefixLength;
    if (offset >= 0) pos = { file: stage.sql.origin.file, ...sqlPosition(stage.sql.origin, originalOffset(stage.sql, offset)) };
  }
  return new EtlError('failed', [{ pos, message: `stage "${stage.id}": ${redactDbMessage(err.message ?? 'database error', err.code)} (SQLSTATE ${err.code})` }]);
}

/**
 * Data exceptions (class 22) and integrity violations (class 23) quote the offending value;
 * that value may be personal, so every quoted part of their message is cut.
 */
export function redactDbMessage(message: string, code: string): string {
  if (!/^2[23]/.test(code)) return message;
  return message.replace(/"[^"]*"/g, '"…"');
}
