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
  return new EtlError('failed', [{ pos, message: `stage "${stage.id}": ${redactDbMessage(err.message ?? 'database error', stage.sql.origin.original)} (SQLSTATE ${err.code})` }]);
}

/**
 * PostgreSQL quotes values in its messages: data errors quote the offending value, and SQL that
 * turns data into names (`name::regclass`) gets it quoted back as a "relation". A quoted part is
 * kept only when it is text of the SQL itself (a column or table the user wrote); from the first
 * part that is not, to the last quote of the message, everything is cut, since a value may itself
 * hold quotes.
 */
export function redactDbMessage(message: string, sqlText = ''): string {
  const quotes: number[] = [];
  for (let i = message.indexOf('"'); i >= 0; i = message.indexOf('"', i + 1)) quotes.push(i);
  for (let k = 0; k + 1 < quotes.length; k += 2) {
    const inner = message.slice(quotes[k]! + 1, quotes[k + 1]);
    if (inner === '' || !sqlText.includes(inner)) return `${message.slice(0, quotes[k])}"…"${message.slice(quotes[quotes.length - 1]! + 1)}`;
  }
  return quotes.length % 2 === 1 ? `${message.slice(0, quotes[quotes.length - 1])}"…"` : message;
}
