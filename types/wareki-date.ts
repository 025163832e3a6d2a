/**
 * `wareki_date`: a Japanese era date written `GYYMMDD` (SPEC §4.6), loaded as an ISO date.
 *
 * G is the era digit (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和), YY the year of the era (元年 = 01),
 * so the Gregorian year is the era's first year + YY − 1. A date must fall inside its era: from
 * the era's first day to the day before the next era's first day, except that on 1912-07-30
 * and 1926-12-25 both spellings were in use. 明治 dates before 明治6年1月1日 are refused: Japan
 * used the lunisolar calendar until then. The digits follow a widespread convention; confirm it
 * for each legacy system.
 *
 * With `partial: true` (birth dates), `DD` = `00` means the day is unknown and `MMDD` = `0000`
 * the month and day; the value is then `YYYY-MM` or `YYYY`, so the column is text.
 */
import type { ColumnType, Invalid, TypeOptions } from '../src/types/column-type.ts';

interface Era {
  readonly name: string;
  readonly firstYear: number;
  /** First and last valid day, as YYYYMMDD numbers. */
  readonly from: number;
  readonly to: number;
}

const ERAS: Record<string, Era> = {
  '1': { name: '明治', firstYear: 1868, from: 18730101, to: 19120730 },
  '2': { name: '大正', firstYear: 1912, from: 19120730, to: 19261225 },
  '3': { name: '昭和', firstYear: 1926, from: 19261225, to: 19890107 },
  '4': { name: '平成', firstYear: 1989, from: 19890108, to: 20190430 },
  '5': { name: '令和', firstYear: 2019, from: 20190501, to: 99991231 },
};

const rule = (text: string): Invalid => Object.freeze({ invalid: text });
const NOT_WAREKI = rule('not a wareki date (GYYMMDD: era digit, year, month, day)');
const BAD_ERA = rule('era digit out of range (1 明治 … 5 令和)');
const YEAR_ZERO = rule('year of the era is 00 (元年 is 01)');
const NOT_ON_CALENDAR = rule('not a date on the calendar');
const OUTSIDE_ERA = rule('outside its era (before the era began or after the next began)');
const PARTIAL = rule('day or month unknown (00), which this column does not allow');

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parses `GYYMMDD`; with `partial`, `00` day / `0000` month-day give `YYYY-MM` / `YYYY`. */
export function parseWareki(text: string, partial: boolean): string | Invalid {
  // Character by character rather than by a regular expression: two columns of every history row.
  if (text.length !== 7) return NOT_WAREKI;
  for (let i = 0; i < 7; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return NOT_WAREKI;
  }
  const era = ERAS[text[0]!];
  if (!era) return BAD_ERA;
  const yy = pair(text, 1);
  const month = pair(text, 3);
  const day = pair(text, 5);
  if (yy === 0) return YEAR_ZERO;
  const year = era.firstYear + yy - 1;
  if (month === 0 && day !== 0) return NOT_ON_CALENDAR;
  if (month === 0 || day === 0) {
    if (!partial) return PARTIAL;
    if (month > 12) return NOT_ON_CALENDAR;
    // Unknown day or month: valid when some day of that month (or year) lies inside the era.
    const first = year * 10000 + (month || 1) * 100 + 1;
    const last = year * 10000 + (month || 12) * 100 + daysInMonth(year, month || 12);
    if (last < era.from || first > era.to) return OUTSIDE_ERA;
    return month === 0 ? String(year) : `${year}-${text.slice(3, 5)}`;
  }
  if (month > 12 || day > daysInMonth(year, month)) return NOT_ON_CALENDAR;
  const ymd = year * 10000 + month * 100 + day;
  if (ymd < era.from || ymd > era.to) return OUTSIDE_ERA;
  // Years are from 1868 on, so four digits; the month and day are the text's own two digits.
  return `${year}-${text.slice(3, 5)}-${text.slice(5, 7)}`;
}

/** The two ASCII digits of `text` at `at` as a number. */
function pair(text: string, at: number): number {
  return (text.charCodeAt(at) - 0x30) * 10 + text.charCodeAt(at + 1) - 0x30;
}

const warekiDate: Omit<ColumnType, 'name'> = {
  description: 'Japanese era date GYYMMDD, loaded as YYYY-MM-DD (partial: true allows 00 day / 0000 month-day)',
  options: {
    partial: { kind: 'boolean', default: false, description: 'allow an unknown day (YYYY-MM) or month and day (YYYY); the column becomes text' },
  },
  sqlType: (options: TypeOptions) => (options['partial'] ? 'text' : 'date'),
  parse: (text: string, options: TypeOptions) => parseWareki(text, options['partial'] === true),
};

export default warekiDate;
