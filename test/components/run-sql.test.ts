import { describe, expect, it } from 'vitest';
import { redactDbMessage } from '../../src/components/run-sql.ts';

describe('database messages', () => {
  it.each([
    ['column "no_such_column" does not exist', 'SELECT no_such_column FROM t', 'column "no_such_column" does not exist'],
    ['invalid input syntax for type integer: "Yamada Taro"', 'SELECT name::integer FROM t', 'invalid input syntax for type integer: "…"'],
    ['invalid input syntax for type integer: "メゾン"ひかり"２０１"', 'SELECT address::integer FROM t', 'invalid input syntax for type integer: "…"'],
    ['relation "後藤　正男" does not exist', 'SELECT name::regclass FROM t', 'relation "…" does not exist'],
    ['operator does not exist: text = integer', 'SELECT 1', 'operator does not exist: text = integer'],
    // DuckDB quotes values in single quotes.
    ["Could not convert string 'Yamada Taro' to INT32 when casting from source column name", 'SELECT name::integer FROM t', 'Could not convert string "…" to INT32 when casting from source column name'],
    ["Could not convert string 'O'Brien' to INT32 when casting from source column name", 'SELECT name::integer FROM t', 'Could not convert string "…"'],
    ['Referenced column "no_such_column" not found in FROM clause!', 'SELECT no_such_column FROM t', 'Referenced column "no_such_column" not found in FROM clause!'],
    ['unterminated quoted string at or near "\'abc"', "SELECT 'abc", 'unterminated quoted string at or near "\'abc"'],
  ])('%s', (message, sql, expected) => {
    expect(redactDbMessage(message, sql)).toBe(expected);
  });

  it('cuts every quoted part when the SQL is not known', () => {
    expect(redactDbMessage('value "x" and "y"')).toBe('value "…"');
  });
});
