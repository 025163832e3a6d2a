import { describe, expect, it } from 'vitest';
import { bindSql, originalOffset, sqlPosition } from '../../src/config/sql-params.ts';

const origin = { file: 'x.sql', line: 1, col: 1 };

describe('bindSql', () => {
  it.each([
    ['SELECT :a', 'SELECT $1', ['a']],
    ['SELECT :a, :b, :a', 'SELECT $1, $2, $1', ['a', 'b']],
    ['SELECT x::int, :a::date', 'SELECT x::int, $1::date', ['a']],
    ["SELECT ':a', 'it''s :a'", "SELECT ':a', 'it''s :a'", []],
    ["SELECT E'\\' :a', :b", "SELECT E'\\' :a', $1", ['b']],
    ['SELECT ":a" FROM t', 'SELECT ":a" FROM t', []],
    ['SELECT 1 -- :a\n, :b', 'SELECT 1 -- :a\n, $1', ['b']],
    ['SELECT /* :a /* nested */ :a */ :b', 'SELECT /* :a /* nested */ :a */ $1', ['b']],
    ['SELECT $$ :a $$, $t$ :a $t$, :b', 'SELECT $$ :a $$, $t$ :a $t$, $1', ['b']],
    ['SELECT arr[1:2] FROM t', 'SELECT arr[1:2] FROM t', []],
  ])('%s', (sql, text, params) => {
    const { bound } = bindSql(sql, origin);
    expect(bound.text).toBe(text);
    expect(bound.params).toEqual(params);
  });

  it('maps database error offsets back to the original line and column', () => {
    const sql = 'SELECT :long_name,\n  bad_column';
    const { bound } = bindSql(sql, { file: 'x.sql', line: 3, col: 5 });
    const at = bound.text.indexOf('bad_column');
    const offset = originalOffset(bound, at);
    expect(sql.slice(offset, offset + 10)).toBe('bad_column');
    expect(sqlPosition(bound.origin, offset)).toEqual({ line: 4, col: 3 });
  });
});
