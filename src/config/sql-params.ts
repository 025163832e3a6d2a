import type { BoundSql, SqlOrigin } from './pipeline.ts';

/** A `:name` found in SQL, with its offset in the original text. */
export interface ParamRef {
  readonly name: string;
  readonly offset: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/**
 * Finds `:name` parameters outside string literals, quoted identifiers, comments and
 * dollar-quoted bodies, leaving `::type` casts alone. Each becomes `$n`, so values are
 * always bound by the database, never pasted into the text.
 */
export function bindSql(sql: string, origin: Omit<SqlOrigin, 'offsetMap' | 'original'>): { bound: BoundSql; refs: ParamRef[] } {
  const refs: ParamRef[] = [];
  const names: string[] = [];
  const offsetMap: [number, number][] = [];
  let out = '';
  let copiedTo = 0;
  let i = 0;
  const n = sql.length;

  while (i < n) {
    const c = sql[i]!;
    if (c === "'" ) {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !IDENT_PART.test(sql[i - 2]!));
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === '$' && (i === 0 || !IDENT_PART.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i++;
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (c === ':' && i + 1 < n && IDENT_START.test(sql[i + 1]!) && sql[i - 1] !== ':') {
      let j = i + 2;
      while (j < n && IDENT_PART.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      refs.push({ name, offset: i });
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      out += sql.slice(copiedTo, i);
      offsetMap.push([out.length, i]);
      out += `$${index + 1}`;
      copiedTo = j;
      offsetMap.push([out.length, j]);
      i = j;
    } else i++;
  }
  out += sql.slice(copiedTo);
  return { bound: { text: out, params: names, origin: { ...origin, original: sql, offsetMap } }, refs };
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

/** Maps an offset in bound SQL text back to the original text. */
export function originalOffset(bound: BoundSql, offset: number): number {
  let shift = 0;
  for (const [boundAt, originalAt] of bound.origin.offsetMap) {
    if (boundAt > offset) break;
    shift = originalAt - boundAt;
  }
  return offset + shift;
}

/** Line and column in the SQL's file of an offset in the original SQL text. */
export function sqlPosition(origin: SqlOrigin, offset: number): { line: number; col: number } {
  const before = origin.original.slice(0, offset);
  const lines = before.split('\n');
  const line = origin.line + lines.length - 1;
  const col = lines.length === 1 ? origin.col + before.length : lines[lines.length - 1]!.length + 1;
  return { line, col };
}
