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
const ZERO = 0x30;
const DASH = 0x2d;
const COLON = 0x3a;
const SPACE = 0x20;

// Dates and timestamps are checked character by character: they are on every row of a registry,
// and a regular expression's match array costs more than the check itself.

/** The value of `width` ASCII digits of `s` from `at` (which must be digits). */
function digits(s: string, at: number, width: number): number {
  let n = 0;
  for (let i = at; i < at + width; i++) n = n * 10 + s.charCodeAt(i) - ZERO;
  return n;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= ZERO && c <= ZERO + 9;
}

/** `DDDD-DD-DD` at the start of `s`. */
function isDateShape(s: string): boolean {
  return isDigitAt(s, 0) && isDigitAt(s, 1) && isDigitAt(s, 2) && isDigitAt(s, 3) && s.charCodeAt(4) === DASH &&
    isDigitAt(s, 5) && isDigitAt(s, 6) && s.charCodeAt(7) === DASH && isDigitAt(s, 8) && isDigitAt(s, 9);
}

/** `DD:DD:DD` from offset 11 of `s`. */
function isTimeShape(s: string): boolean {
  return isDigitAt(s, 11) && isDigitAt(s, 12) && s.charCodeAt(13) === COLON && isDigitAt(s, 14) && isDigitAt(s, 15) &&
    s.charCodeAt(16) === COLON && isDigitAt(s, 17) && isDigitAt(s, 18);
}
const BOOLEANS: Record<string, string> = { true: 'true', false: 'false', t: 'true', f: 'false', '1': 'true', '0': 'false', yes: 'true', no: 'false' };

export const textType = defineType({
  name: 'text',
  verbatim: true,
  description: 'any text, kept exactly (leading zeros, spaces, private-use characters)',
  sqlType: () => 'text',
  parse: (s) => s,
});

export const integerType = defineType({
  name: 'integer',
  verbatim: true,
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
  verbatim: true,
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
  verbatim: true,
  description: 'exact decimal number',
  sqlType: () => 'numeric',
  parse: (s) => (NUMERIC_RE.test(s) ? s : NOT_NUMERIC),
});

export const booleanType = defineType({
  name: 'boolean',
  verbatim: true,
  description: 'true/false (also t/f, 1/0, yes/no)',
  sqlType: () => 'boolean',
  parse: (s) => BOOLEANS[s.toLowerCase()] ?? NOT_BOOLEAN,
});

export const dateType = defineType({
  name: 'date',
  verbatim: true,
  description: 'calendar date YYYY-MM-DD',
  sqlType: () => 'date',
  parse(s) {
    if (s.length !== 10 || !isDateShape(s)) return NOT_DATE;
    return isCalendarDate(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2)) ? s : NOT_ON_CALENDAR;
  },
});

export const timestampType = defineType({
  name: 'timestamp',
  verbatim: true,
  description: 'local date and time YYYY-MM-DD HH:MM:SS, never shifted by a time zone',
  sqlType: () => 'timestamp',
  parse(s) {
    if (s.length !== 19 || !isDateShape(s) || s.charCodeAt(10) !== SPACE || !isTimeShape(s)) return NOT_TIMESTAMP;
    if (!isCalendarDate(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2))) return NOT_ON_CALENDAR;
    return digits(s, 11, 2) < 24 && digits(s, 14, 2) < 60 && digits(s, 17, 2) < 60 ? s : BAD_TIME;
  },
});

/** The types every pipeline has. */
export const builtinTypes: readonly ColumnType[] = [
  textType, integerType, bigintType, numericType, booleanType, dateType, timestampType,
];
