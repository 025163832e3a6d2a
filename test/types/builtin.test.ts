import { describe, expect, it } from 'vitest';
import { booleanType, bigintType, dateType, integerType, numericType, textType, timestampType } from '../../src/types/builtin.ts';
import type { ColumnType } from '../../src/types/column-type.ts';

const cases: [ColumnType, string, string][] = [
  [textType, ' 007 ', ' 007 '],
  [integerType, '-42', '-42'],
  [integerType, '2147483647', '2147483647'],
  [integerType, '2147483648', 'integer out of range (-2147483648..2147483647)'],
  [integerType, '1.5', 'not an integer'],
  [integerType, 'ten', 'not an integer'],
  [bigintType, '9223372036854775807', '9223372036854775807'],
  [bigintType, '9223372036854775808', 'integer out of range for bigint'],
  [numericType, '-1.50', '-1.50'],
  [numericType, '1e3', '1e3'],
  [numericType, '1,000', 'not a number'],
  [booleanType, 'TRUE', 'true'],
  [booleanType, '0', 'false'],
  [booleanType, 'maybe', 'not a boolean (true or false)'],
  [dateType, '2000-02-29', '2000-02-29'],
  [dateType, '1900-02-29', 'not a date on the calendar'],
  [dateType, '2002/08/05', 'not a date (YYYY-MM-DD)'],
  [timestampType, '2002-08-05 00:00:00', '2002-08-05 00:00:00'],
  [timestampType, '2002-08-05 24:00:00', 'not a time of day'],
  [timestampType, '2002-08-05T00:00:00', 'not a timestamp (YYYY-MM-DD HH:MM:SS)'],
  [timestampType, '2001-02-29 10:00:00', 'not a date on the calendar'],
];

describe('built-in column types', () => {
  it.each(cases)('%s %j → %j', (type, input, expected) => {
    const result = type.parse(input, {});
    expect(typeof result === 'string' ? result : result.invalid).toBe(expected);
  });
});
