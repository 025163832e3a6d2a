import { describe, expect, it } from 'vitest';
import juminhyoCode, { checkDigit } from '../../types/juminhyo-code.ts';
import { parseWareki } from '../../types/wareki-date.ts';

const result = (v: string | { invalid: string }) => (typeof v === 'string' ? v : v.invalid);

describe('wareki_date', () => {
  it.each([
    ['4140805', '2002-08-05'],
    ['1450730', '1912-07-30'],
    ['2010730', '1912-07-30'],
    ['2151225', '1926-12-25'],
    ['3011225', '1926-12-25'],
    ['3640107', '1989-01-07'],
    ['4010108', '1989-01-08'],
    ['1060101', '1873-01-01'],
    ['4310430', '2019-04-30'],
    ['5010501', '2019-05-01'],
    ['4120229', '2000-02-29'],
    ['3640108', 'outside its era (before the era began or after the next began)'],
    ['4010107', 'outside its era (before the era began or after the next began)'],
    ['1451231', 'outside its era (before the era began or after the next began)'],
    ['1051231', 'outside its era (before the era began or after the next began)'],
    ['5010430', 'outside its era (before the era began or after the next began)'],
    ['4130229', 'not a date on the calendar'],
    ['4141301', 'not a date on the calendar'],
    ['6010101', 'era digit out of range (1 明治 … 5 令和)'],
    ['0010101', 'era digit out of range (1 明治 … 5 令和)'],
    ['4000101', 'year of the era is 00 (元年 is 01)'],
    ['414080', 'not a wareki date (GYYMMDD: era digit, year, month, day)'],
    ['H140805', 'not a wareki date (GYYMMDD: era digit, year, month, day)'],
    ['4140800', 'day or month unknown (00), which this column does not allow'],
  ])('%s → %s', (text, expected) => {
    expect(result(parseWareki(text, false))).toBe(expected);
  });

  it.each([
    ['4140800', '2002-08'],
    ['4140000', '2002'],
    ['4140805', '2002-08-05'],
    ['3640100', '1989-01'],
    ['4010100', '1989-01'],
    ['4010000', '1989'],
    ['3640200', 'outside its era (before the era began or after the next began)'],
    ['4140005', 'not a date on the calendar'],
    ['4141300', 'not a date on the calendar'],
  ])('partial %s → %s', (text, expected) => {
    expect(result(parseWareki(text, true))).toBe(expected);
  });
});

describe('juminhyo_code', () => {
  it('computes the SPEC example: 1234567890 → 3', () => {
    expect(checkDigit('1234567890')).toBe(3);
  });

  it.each([
    ['12345678903', '12345678903'],
    ['12345678904', 'wrong check digit'],
    ['1234567890', 'not 11 digits'],
    ['1234567890a', 'not 11 digits'],
    ['１２３４５６７８９０３', 'not 11 digits'],
  ])('%s → %s', (text, expected) => {
    expect(result(juminhyoCode.parse(text, { check_digit: true }))).toBe(expected);
  });

  it('can switch the check digit off', () => {
    expect(juminhyoCode.parse('12345678904', { check_digit: false })).toBe('12345678904');
  });

  it('gives 0 when the remainder is 0 or 1', () => {
    // Find ten-digit prefixes with remainder 0 and 1 and check both map to 0.
    const remainders = new Map<number, string>();
    for (let i = 0; remainders.size < 2 && i < 1000; i++) {
      const p = String(1000000000 + i);
      let sum = 0;
      for (let n = 1; n <= 10; n++) sum += Number(p[10 - n]) * [2, 3, 4, 5, 6, 7, 2, 3, 4, 5][n - 1]!;
      if (sum % 11 <= 1 && !remainders.has(sum % 11)) remainders.set(sum % 11, p);
    }
    for (const p of remainders.values()) expect(checkDigit(p)).toBe(0);
  });
});
