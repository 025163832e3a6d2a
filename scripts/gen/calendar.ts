/**
 * Dates and times for the generator. Times are naive local times counted in seconds from
 * 1970-01-01 00:00:00 and formatted with UTC getters, so no time zone can ever shift them.
 */

const DAY = 86_400;

/** Days since 1970-01-01 of a calendar date. */
export function dayOf(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** Seconds since 1970-01-01 00:00:00 of a naive local timestamp. */
export function secondsOf(y: number, m: number, d: number, hh = 0, mi = 0, ss = 0): number {
  return dayOf(y, m, d) * DAY + hh * 3600 + mi * 60 + ss;
}

/** The day (days since 1970-01-01) that a timestamp falls on. */
export function dayOfSeconds(t: number): number {
  return Math.floor(t / DAY);
}

/** Calendar parts of a day number. */
export function partsOf(day: number): { y: number; m: number; d: number } {
  const dt = new Date(day * 86_400_000);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

function _p2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD` of a day number. */
export function isoDate(day: number): string {
  const { y, m, d } = partsOf(day);
  return `${y}-${_p2(m)}-${_p2(d)}`;
}

/** `YYYY-MM-DD HH:MM:SS` of a timestamp in seconds. */
export function isoTimestamp(t: number): string {
  const day = dayOfSeconds(t);
  const s = t - day * DAY;
  return `${isoDate(day)} ${_p2(Math.floor(s / 3600))}:${_p2(Math.floor(s / 60) % 60)}:${_p2(s % 60)}`;
}

/** Era digit and the Gregorian date of its first day (SPEC §4.6). */
const ERAS: readonly { digit: number; start: number; y: number }[] = [
  { digit: 5, start: dayOf(2019, 5, 1), y: 2019 },
  { digit: 4, start: dayOf(1989, 1, 8), y: 1989 },
  { digit: 3, start: dayOf(1926, 12, 25), y: 1926 },
  { digit: 2, start: dayOf(1912, 7, 30), y: 1912 },
  { digit: 1, start: dayOf(1868, 1, 25), y: 1868 },
];

/** The first day on which a 明治 date is valid: Japan's adoption of the Gregorian calendar. */
export const MEIJI_FLOOR = dayOf(1873, 1, 1);

/** Days on which the outgoing era's spelling was still in use (SPEC §4.6). */
const SHARED_DAYS = new Set([dayOf(1912, 7, 30), dayOf(1926, 12, 25)]);

/**
 * Wareki `GYYMMDD` of a full date. On 1912-07-30 and 1926-12-25 `oldSpelling` picks the
 * outgoing era's spelling, which was also in use on those days.
 */
export function wareki(day: number, oldSpelling = false): string {
  const idx = ERAS.findIndex((e) => day >= e.start);
  const era = oldSpelling && SHARED_DAYS.has(day) ? ERAS[idx + 1]! : ERAS[idx]!;
  const { y, m, d } = partsOf(day);
  return `${era.digit}${_p2(y - era.y + 1)}${_p2(m)}${_p2(d)}`;
}

/**
 * Wareki with an unknown day (`DD`=`00`) or unknown month and day (`MMDD`=`0000`). Callers
 * only pass years inside one era, so the era is never ambiguous.
 */
export function warekiPartial(y: number, m: number | null): string {
  const era = ERAS.find((e) => y > e.y)!;
  return `${era.digit}${_p2(y - era.y + 1)}${m === null ? '00' : _p2(m)}00`;
}
