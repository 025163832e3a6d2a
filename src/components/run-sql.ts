import type { SqlTransformStage } from '../config/pipeline.ts';
import { originalOffset, sqlPosition } from '../config/sql-params.ts';
import { DatabaseError } from '../db/driver.ts';
import type { RunContext } from '../engine/run-context.ts';
import { EtlError, type Position } from '../errors.ts';

/**
 * Makes the stage's table from its SQL (`body`, the stage's bound SQL less its trailing `;`);
 * resolves with its rows. A database error becomes an EtlError at the line and column of the SQL
 * file where the database found it; messages about data values have the values cut out, since
 * they may be a person's name or address.
 */
export async function runSql(rt: RunContext, stage: Pick<SqlTransformStage, 'id' | 'pos' | 'sql'>, body: string, params: readonly unknown[]): Promise<number> {
  try {
    return await rt.driver.createTableAs(stage.id, body, params);
  } catch (e) {
    throw sqlError(e, stage, 0);
  }
}

/**
 * Turns a database error raised by a stage's SQL into an EtlError pointing into the SQL (which
 * began `prefixLength` characters into the statement the database was given), or at the stage
 * when `prefixLength` is null (SQL the engine generated).
 */
export function sqlError(e: unknown, stage: Pick<SqlTransformStage, 'id' | 'pos' | 'sql'>, prefixLength: number | null): Error {
  // A lost connection, a full disk or an interruption is not the SQL's fault: it goes up as it is, to be reported as such.
  if (!(e instanceof DatabaseError) || e.kind === 'lost' || e.kind === 'disk-full' || e.kind === 'interrupted') return e as Error;
  let pos: Position = stage.pos;
  if (e.position !== undefined && prefixLength !== null) {
    const offset = e.position - 1 - prefixLength;
    if (offset >= 0) pos = { file: stage.sql.origin.file, ...sqlPosition(stage.sql.origin, originalOffset(stage.sql, offset)) };
  }
  const code = /^[0-9A-Z]{5}$/.test(e.code) ? `SQLSTATE ${e.code}` : e.code;
  const sqlText = stage.sql.origin.original;
  // DuckDB's error(x) raises x itself, unquoted, which may be a value (error(name)): shown only when it is text of the SQL.
  const raised = e.code === 'Invalid Input Error' && /\berror\s*\(/i.test(sqlText) && !sqlText.includes(e.message);
  const message = raised ? 'the SQL raised an error whose message is not text of the SQL (not shown: it may hold a value)' : redactDbMessage(e.message, sqlText);
  return new EtlError('failed', [{ pos, message: `stage "${stage.id}": ${message} (${code})` }]);
}

/**
 * Databases quote values in their messages: data errors quote the offending value (PostgreSQL in
 * `"…"`, DuckDB in `'…'`), and SQL that turns data into names (`name::regclass`) gets it quoted
 * back as a "relation". A quoted part is kept only when it is text of the SQL itself (a column or
 * table the user wrote); from the first part that is not, to the last quote of either kind in the
 * message, everything is cut, since a value may itself hold quotes.
 */
export function redactDbMessage(message: string, sqlText = ''): string {
  const last = Math.max(message.lastIndexOf('"'), message.lastIndexOf("'"));
  const first = message.search(/["']/);
  for (let i = 0; i < message.length; i++) {
    const q = message[i];
    if (q !== '"' && q !== "'") continue;
    const close = message.indexOf(q, i + 1);
    // A quote left open: the pairs before it may have been cut wrong (a value holding a quote), so all goes.
    if (close < 0) return `${message.slice(0, first)}"…"`;
    const inner = message.slice(i + 1, close);
    if (inner === '' || !sqlText.includes(inner)) return `${message.slice(0, i)}"…"${message.slice(last + 1)}`;
    i = close;
  }
  return message;
}
