import { defineType, invalid, type ColumnType } from './column-type.ts';
import { isCalendarDate } from './calendar.ts';

const NOT_INTEGER = invalid('not an integer');
const INTEGER_RANGE = invalid('integer out of range (-2147483648..2147483647)');
const BIGINT_RANGE = invalid('integer out of range for bigint');
const NOT_NUMERIC = invalid('not a number');
const NOT_BOOLEAN = invalid('not a boolean (true or false)');
const NOT_DATE = invalid('not a date (YYYY-MM-DD)');
const NOT_ON_CALENDAR = invalid('not a date on the calendar');
const NOT_TIMESTAMP = invalid('not a timestamp (YYYY-MM-DD HH:MM:SS)');
const BAD_TIME = invalid('not a time of day');

const INTEGER_RE = /^[+-]?\d+$/;
const NUMERIC_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const BOOLEANS: Record<string, string> = { true: 'true', false: 'false', t: 'true', f: 'false', '1': 'true', '0': 'false', yes: 'true', no: 'false' };

export const textType = defineType({
  name: 'text',
  description: 'any text, kept exactly (leading zeros, spaces, private-use characters)',
  sqlType: () => 'text',
  parse: (s) => s,
});

export const integerType = defineType({
  name: 'integer',
  description: '32-bit integer',
  sqlType: () => 'integer',
  parse(s) {
    if (!INTEGER_RE.test(s)) return NOT_INTEGER;
    const n = Number(s);
    return n >= -2147483648 && n <= 2147483647 ? s : INTEGER_RANGE;
  },
});

export const bigintType = defineType({
  name: 'bigint',
  description: '64-bit integer',
  sqlType: () => 'bigint',
  parse(s) {
    if (!INTEGER_RE.test(s)) return NOT_INTEGER;
    const n = BigInt(s);
    return n >= -(2n ** 63n) && n < 2n ** 63n ? s : BIGINT_RANGE;
  },
});

export const numericType = defineType({
  name: 'numeric',
  description: 'exact decimal number',
  sqlType: () => 'numeric',
  parse: (s) => (NUMERIC_RE.test(s) ? s : NOT_NUMERIC),
});

export const booleanType = defineType({
  name: 'boolean',
  description: 'true/false (also t/f, 1/0, yes/no)',
  sqlType: () => 'boolean',
  parse: (s) => BOOLEANS[s.toLowerCase()] ?? NOT_BOOLEAN,
});

export const dateType = defineType({
  name: 'date',
  description: 'calendar date YYYY-MM-DD',
  sqlType: () => 'date',
  parse(s) {
    const m = DATE_RE.exec(s);
    if (!m) return NOT_DATE;
    return isCalendarDate(+m[1]!, +m[2]!, +m[3]!) ? s : NOT_ON_CALENDAR;
  },
});

export const timestampType = defineType({
  name: 'timestamp',
  description: 'local date and time YYYY-MM-DD HH:MM:SS, never shifted by a time zone',
  sqlType: () => 'timestamp',
  parse(s) {
    const m = TIMESTAMP_RE.exec(s);
    if (!m) return NOT_TIMESTAMP;
    if (!isCalendarDate(+m[1]!, +m[2]!, +m[3]!)) return NOT_ON_CALENDAR;
    return +m[4]! < 24 && +m[5]! < 60 && +m[6]! < 60 ? s : BAD_TIME;
  },
});

/** The types every pipeline has. */
export const builtinTypes: readonly ColumnType[] = [
  textType, integerType, bigintType, numericType, booleanType, dateType, timestampType,
];
