/**
 * The date, timestamp, wareki and 住民票コード checks run on every row and are written character
 * by character. These tests hold them to the regular-expression definitions they replaced, kept
 * here as oracles: every answer (value or rule) must be the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateType, timestampType } from '../../src/types/builtin.ts';
import { isCalendarDate } from '../../src/types/calendar.ts';
import { invalid, type Invalid } from '../../src/types/column-type.ts';
import juminhyoCode from '../../types/juminhyo-code.ts';
import { parseWareki } from '../../types/wareki-date.ts';

const answer = (v: string | Invalid) => (typeof v === 'string' ? v : `invalid: ${v.invalid}`);

function oracleDate(s: string): string | Invalid {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return invalid('not a date (YYYY-MM-DD)');
  return isCalendarDate(+m[1]!, +m[2]!, +m[3]!) ? s : invalid('not a date on the calendar');
}

function oracleTimestamp(s: string): string | Invalid {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return invalid('not a timestamp (YYYY-MM-DD HH:MM:SS)');
  if (!isCalendarDate(+m[1]!, +m[2]!, +m[3]!)) return invalid('not a date on the calendar');
  return +m[4]! < 24 && +m[5]! < 60 && +m[6]! < 60 ? s : invalid('not a time of day');
}

const WEIGHTS = [2, 3, 4, 5, 6, 7, 2, 3, 4, 5];
function oracleJuminhyo(text: string, check: boolean): string | Invalid {
  if (text.length !== 11 || !/^\d{11}$/.test(text)) return invalid('not 11 digits');
  let sum = 0;
  for (let n = 1; n <= 10; n++) sum += Number(text[10 - n]) * WEIGHTS[n - 1]!;
  const r = sum % 11;
  if (check && (r <= 1 ? 0 : 11 - r) !== Number(text[10])) return invalid('wrong check digit');
  return text;
}

const ERAS: Record<string, { firstYear: number; from: number; to: number }> = {
  '1': { firstYear: 1868, from: 18730101, to: 19120730 },
  '2': { firstYear: 1912, from: 19120730, to: 19261225 },
  '3': { firstYear: 1926, from: 19261225, to: 19890107 },
  '4': { firstYear: 1989, from: 19890108, to: 20190430 },
  '5': { firstYear: 2019, from: 20190501, to: 99991231 },
};
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const daysIn = (y: number, m: number) => (m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);
function oracleWareki(text: string, partial: boolean): string | Invalid {
  const m = /^([0-9])(\d\d)(\d\d)(\d\d)$/.exec(text);
  if (!m) return invalid('not a wareki date (GYYMMDD: era digit, year, month, day)');
  const era = ERAS[m[1]!];
  if (!era) return invalid('era digit out of range (1 明治 … 5 令和)');
  const [yy, month, day] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (yy === 0) return invalid('year of the era is 00 (元年 is 01)');
  const year = era.firstYear + yy - 1;
  if (month === 0 && day !== 0) return invalid('not a date on the calendar');
  if (month === 0 || day === 0) {
    if (!partial) return invalid('day or month unknown (00), which this column does not allow');
    if (month > 12) return invalid('not a date on the calendar');
    const first = year * 10000 + (month || 1) * 100 + 1;
    const last = year * 10000 + (month || 12) * 100 + daysIn(year, month || 12);
    if (last < era.from || first > era.to) return invalid('outside its era (before the era began or after the next began)');
    return month === 0 ? pad(year, 4) : `${pad(year, 4)}-${pad(month, 2)}`;
  }
  if (month > 12 || day > daysIn(year, month)) return invalid('not a date on the calendar');
  const ymd = year * 10000 + month * 100 + day;
  if (ymd < era.from || ymd > era.to) return invalid('outside its era (before the era began or after the next began)');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Strings near the shapes the parsers look for: digits, separators, and look-alikes (full-width and Arabic-Indic digits). */
const nearShape = (length: number) =>
  fc.array(fc.constantFrom(...'0123456789012345678901234567890123456789- :a０٣\t'.split('')), { minLength: length - 1, maxLength: length + 1 }).map((cs) => cs.join(''));

describe('character-by-character parsers agree with their regular-expression definitions', () => {
  it('date', () => {
    fc.assert(fc.property(nearShape(10), (s) => {
      expect(answer(dateType.parse(s, {}))).toBe(answer(oracleDate(s)));
    }), { numRuns: 20000 });
    for (const s of ['0000-01-01', '2000-02-29', '1900-02-29', '2002-13-01', '2002-00-10', '2002-04-31', '9999-12-31']) {
      expect(answer(dateType.parse(s, {}))).toBe(answer(oracleDate(s)));
    }
  });

  it('timestamp', () => {
    fc.assert(fc.property(nearShape(19), (s) => {
      expect(answer(timestampType.parse(s, {}))).toBe(answer(oracleTimestamp(s)));
    }), { numRuns: 20000 });
    const stamps = fc.tuple(fc.integer({ min: 0, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }))
      .map(([y, mo, d, h, mi, s]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`);
    fc.assert(fc.property(stamps, (s) => {
      expect(answer(timestampType.parse(s, {}))).toBe(answer(oracleTimestamp(s)));
    }), { numRuns: 20000 });
  });

  it('juminhyo_code, with and without the check digit', () => {
    const codes = fc.oneof(fc.stringMatching(/^[0-9]{11}$/), nearShape(11));
    fc.assert(
      fc.property(codes, fc.boolean(), (s, check) => {
      expect(answer(juminhyoCode.parse(s, { check_digit: check }))).toBe(answer(oracleJuminhyo(s, check)));
    }),
      { numRuns: 20000 },
    );
  });

  it('wareki_date, every era, year, month 00–19 and day 00–39, partial or not', () => {
    let compared = 0;
    for (let era = 0; era <= 9; era++) {
      for (let yy = 0; yy <= 99; yy++) {
        for (let mm = 0; mm <= 19; mm++) {
          for (let dd = 0; dd <= 39; dd++) {
            const code = `${era}${pad(yy, 2)}${pad(mm, 2)}${pad(dd, 2)}`;
            for (const partial of [false, true]) {
              const got = answer(parseWareki(code, partial));
              const want = answer(oracleWareki(code, partial));
              if (got !== want) expect(`${code} partial=${partial}: ${got}`).toBe(`${code} partial=${partial}: ${want}`);
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(1_600_000);
    fc.assert(fc.property(nearShape(7), fc.boolean(), (s, partial) => {
      expect(answer(parseWareki(s, partial))).toBe(answer(oracleWareki(s, partial)));
    }), { numRuns: 20000 });
  });
});
