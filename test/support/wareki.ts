/**
 * Wareki `GYYMMDD` → ISO, written from SPEC §4.6 alone so that the replay check does not
 * share a bug with the pipeline's own domain type. Dates are compared as ISO strings,
 * which order like the calendar.
 */

interface Era {
  /** Gregorian year of the era's year 1 (元年). */
  readonly base: number;
  /** First valid day (明治: the adoption of the Gregorian calendar, not the era's start). */
  readonly first: string;
  /** Last valid day, inclusive; the shared days 1912-07-30 and 1926-12-25 count for both eras. */
  readonly last: string;
}

const ERAS: Readonly<Record<string, Era>> = {
  '1': { base: 1868, first: '1873-01-01', last: '1912-07-30' },
  '2': { base: 1912, first: '1912-07-30', last: '1926-12-25' },
  '3': { base: 1926, first: '1926-12-25', last: '1989-01-07' },
  '4': { base: 1989, first: '1989-01-08', last: '2019-04-30' },
  '5': { base: 2019, first: '2019-05-01', last: '9999-12-31' },
};

function _pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function _daysInMonth(y: number, m: number): number {
  return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/**
 * The ISO date of a wareki value, or null when it is not a valid date of its era.
 * With `partial`, `DD`=`00` yields `YYYY-MM` and `MMDD`=`0000` yields `YYYY`, valid when
 * that month or year overlaps the era (birth dates, SPEC §4.1).
 */
export function warekiToIso(value: string, options: { partial?: boolean } = {}): string | null {
  const m = /^([1-5])(\d\d)(\d\d)(\d\d)$/u.exec(value);
  if (m === null) return null;
  const era = ERAS[m[1]!]!;
  const yy = Number(m[2]);
  const month = Number(m[3]);
  const day = Number(m[4]);
  if (yy === 0) return null;
  const y = era.base + yy - 1;
  let from: string;
  let to: string;
  let iso: string;
  if (day !== 0) {
    if (month < 1 || month > 12 || day > _daysInMonth(y, month)) return null;
    iso = `${_pad(y, 4)}-${_pad(month, 2)}-${_pad(day, 2)}`;
    from = to = iso;
  } else if (!options.partial) {
    return null;
  } else if (month !== 0) {
    if (month > 12) return null;
    iso = `${_pad(y, 4)}-${_pad(month, 2)}`;
    from = `${iso}-01`;
    to = `${iso}-${_pad(_daysInMonth(y, month), 2)}`;
  } else {
    iso = _pad(y, 4);
    from = `${iso}-01-01`;
    to = `${iso}-12-31`;
  }
  return to >= era.first && from <= era.last ? iso : null;
}
