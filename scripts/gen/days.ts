/**
 * The days after the setup (SPEC §7): the setup's cut-off `until` and K day windows after it,
 * `[until + (i−1) days, until + i days)`. With three days or more, two of them are made special
 * so that a generated scenario always holds a day without changes and a day without list events
 * (SPEC §7.3's edge cases, at any size):
 * - day 2, the registry's system is down: nothing is recorded that day; what happened is entered
 *   in one batch at the first second of day 3 (so each person's events keep their order);
 * - day 3, the list desk is closed: no request or withdrawal is filed.
 */
import { isoTimestamp, secondsOf } from './calendar.ts';

const DAY = 86_400;

/** The default cut-off: the extract's, 2003-04-10 00:00:00 (the setup's `action_date`). */
export const DEFAULT_UNTIL = secondsOf(2003, 4, 10);

/** The earliest cut-off: after every scripted setup case and the list's latest `requested_on`. */
const FIRST_UNTIL = secondsOf(2002, 12, 1);
/** The timeline ends with 2004 (`timeline.ts`): no day may reach beyond it. */
const LAST_END = secondsOf(2005, 1, 1);
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/u;

/**
 * The windows of a generator run: `until` (default {@link DEFAULT_UNTIL}) from 2002-12-01 00:00:00,
 * and `days` whole days after it ending by 2005-01-01 00:00:00. Throws a RangeError naming the
 * option otherwise.
 */
export function checkWindows(until: string | undefined, days: number): DayWindows {
  let start = DEFAULT_UNTIL;
  if (until !== undefined) {
    const m = TIMESTAMP.exec(until);
    const [y, mo, d, hh, mi, ss] = (m ?? []).slice(1).map(Number) as number[];
    start = m === null ? NaN : secondsOf(y!, mo!, d!, hh!, mi!, ss!);
    if (m === null || isoTimestamp(start) !== until) throw new RangeError('--until must be a timestamp YYYY-MM-DD HH:MM:SS');
    if (start < FIRST_UNTIL || start >= LAST_END) throw new RangeError('--until must be from 2002-12-01 00:00:00 to 2004-12-31 23:59:59');
  }
  if (!Number.isInteger(days) || days < 0) throw new RangeError('--days must be an integer from 0');
  if (start + days * DAY > LAST_END) {
    throw new RangeError(`--days: the generated timeline ends 2004-12-31; at most ${Math.floor((LAST_END - start) / DAY)} days after --until`);
  }
  return new DayWindows(start, days);
}

/** Day numbers (1-based) of the special days; they apply only when there are at least 3 days. */
const REGISTRY_DOWN = 2;
const DESK_CLOSED = 3;

/** The cut-off and the day windows after it. Times are seconds (see `calendar.ts`). */
export class DayWindows {
  /** The setup's cut-off: history rows are processed strictly before it. */
  readonly until: number;
  /** Number of days, K ≥ 0. */
  readonly count: number;

  constructor(until: number, count: number) {
    this.until = until;
    this.count = count;
  }

  /** First second after the last day: nothing at or after it is written anywhere. */
  get end(): number {
    return this.until + this.count * DAY;
  }

  /** First second of day `n` (1-based); `start(n + 1)` is the day's `until`. */
  start(n: number): number {
    return this.until + (n - 1) * DAY;
  }

  /** The `until` of day `n`'s run, as the pipeline's parameter spells it. */
  untilOf(n: number): string {
    return isoTimestamp(this.start(n + 1));
  }

  /** The day (1…K) a time falls on, 0 before `until`, K + 1 at or after the end. */
  dayOf(at: number): number {
    if (at < this.until) return 0;
    return Math.min(this.count + 1, Math.floor((at - this.until) / DAY) + 1);
  }

  /** When the registry records an event that happened at `at` (day 2's wait for day 3). */
  recorded(at: number): number {
    return this.count >= 3 && this.dayOf(at) === REGISTRY_DOWN ? this.start(REGISTRY_DOWN + 1) : at;
  }

  /** Whether list events may be filed on day `n`. */
  deskOpen(n: number): boolean {
    return !(this.count >= 3 && n === DESK_CLOSED);
  }
}
