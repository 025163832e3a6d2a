import type { BoundSql, Pipeline } from '../config/pipeline.ts';
import { originalOffset, sqlPosition } from '../config/sql-params.ts';
import type { Diagnostic, Position } from '../errors.ts';
import { duckdb } from './duckdb-api.ts';

/** A piece of a pipeline's SQL, as DuckDB would be given it: behind `prefix`, after `suffix`. */
interface Piece {
  readonly what: string;
  readonly sql: BoundSql;
  /** Where to point when the SQL was built by the engine (a split's routes): no position inside it. */
  readonly at?: Position;
  readonly prefix?: string;
  readonly suffix?: string;
}

/**
 * Every piece of a pipeline's SQL that DuckDB's parser refuses (a reserved word such as `at` used
 * as a bare column name, a construct of PostgreSQL's alone), at its file, line and column; what only
 * running it can tell (a function or type DuckDB lacks) is found when it runs, at the same place.
 */
export async function duckdbSyntaxProblems(pipeline: Pipeline): Promise<Diagnostic[]> {
  const pieces: Piece[] = [];
  for (const s of pipeline.stages.values()) {
    if (s.kind === 'sql') pieces.push({ what: `transform "${s.id}"`, sql: s.sql });
    if (s.kind === 'split') pieces.push({ what: `split "${s.id}"`, sql: s.sql, at: { file: s.sql.origin.file, line: s.sql.origin.line, col: s.sql.origin.col } });
    if (s.kind === 'source') for (const r of s.rules) pieces.push({ what: `source "${s.id}": rule "${r.name}"`, sql: r.sql, prefix: 'SELECT 1 WHERE (\n', suffix: '\n)' });
  }
  for (const c of pipeline.checks) for (const q of c.queries) pieces.push({ what: `check "${c.name}": ${q.label}`, sql: q.sql });
  for (const m of pipeline.measures) pieces.push({ what: `measure "${m.name}"`, sql: m.sql });

  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const problems: Diagnostic[] = [];
  try {
    for (const p of pieces) {
      const prefix = p.prefix ?? '';
      const text = `${prefix}${p.sql.text.replace(/(;|\s|--[^\n]*(\n|$))+$/u, '')}${p.suffix ?? ''}`;
      const reply = (await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [text])).getRows()[0]?.[0];
      const parsed = JSON.parse(String(reply)) as { error?: boolean; error_message?: string; error_type?: string; position?: string };
      if (!parsed.error || parsed.error_type !== 'parser') continue;
      let pos: Position = p.at ?? { file: p.sql.origin.file, line: p.sql.origin.line, col: p.sql.origin.col };
      const offset = parsed.position === undefined ? -1 : Number(parsed.position) - prefix.length;
      if (!p.at && offset >= 0 && offset <= p.sql.text.length) pos = { file: p.sql.origin.file, ...sqlPosition(p.sql.origin, originalOffset(p.sql, offset)) };
      const message = parsed.error_message ?? 'syntax error';
      const hint = /syntax error/.test(message) ? ' (a word DuckDB reserves, such as at, names a column there only in double quotes: "at")' : '';
      problems.push({ pos, message: `${p.what}: DuckDB cannot parse this: ${message}${hint}` });
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return problems;
}
