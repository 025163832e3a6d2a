/**
 * The days' list events (SPEC §7.2 `list_events.csv`): residents file non-notification requests
 * and listed persons withdraw them. Each person's events are drawn with their life line, so
 * memory never holds more than one person, and they stay consistent with what the person is:
 * a request only while on the register and not listed, a withdrawal only while listed.
 */
import { isoTimestamp } from './calendar.ts';
import type { DayWindows } from './days.ts';
import type { LifeEvent } from './person.ts';
import { EVENT_CLASS } from './person.ts';
import type { Rng } from './prng.ts';

/** One request or withdrawal. */
export interface ListEvent {
  /** Seconds since 1970-01-01 (naive local time). */
  readonly at: number;
  readonly event: 'request' | 'withdraw';
}

/** The `list_events.csv` header. */
export const LIST_EVENTS_HEADER = 'person_id,event,at';

/**
 * Rates per person and day. At 4.5 M persons (about 2.5 M unlisted residents and 0.85 M listed
 * persons after the setup) they give about 100 requests and 200 withdrawals a day: Yokohama's
 * list shrank as residents consented, so withdrawals outnumber new requests (our guess at the
 * proportion; the seed gives only the daily total of about 300).
 */
const REQUESTS_PER_DAY = 4.0e-5;
const WITHDRAWALS_PER_DAY = 2.3e-4;
/** The desk's hours: requests and withdrawals are filed at the counter. */
const OPEN = 8 * 3600 + 30 * 60;
const CLOSE = 17 * 3600 + 15 * 60;
const DAY = 86_400;

/**
 * A random person's list events over the days: alternately a request (if on the register and
 * not listed at that moment) and a withdrawal, each after an exponential wait.
 */
export function randomListEvents(
  rng: Rng, events: readonly LifeEvent[], listedAtSetup: boolean, windows: DayWindows,
): ListEvent[] {
  const out: ListEvent[] = [];
  let listed = listedAtSetup;
  let t = 0; // days since `until`, fractional
  for (;;) {
    t += rng.exp(1 / (listed ? WITHDRAWALS_PER_DAY : REQUESTS_PER_DAY));
    if (t >= windows.count) return out;
    const n = Math.floor(t) + 1;
    const at = windows.start(n) + rng.int(OPEN, CLOSE);
    t = (at - windows.until) / DAY;
    if (!windows.deskOpen(n)) continue;
    // A non-resident's wait is drawn all the same and discarded: requests come from residents.
    if (!listed && !presentAt(events, at, windows)) continue;
    out.push({ at, event: listed ? 'withdraw' : 'request' });
    listed = !listed;
  }
}

/**
 * Whether the registry has the person on the register just before `at`: list events come
 * before changes of the same second (SPEC §7.3), so only changes recorded earlier count.
 */
export function presentAt(events: readonly LifeEvent[], at: number, windows: DayWindows): boolean {
  let present = false;
  for (const e of events) {
    if (windows.recorded(e.at) >= at) break;
    present = EVENT_CLASS[e.code] !== 'remove';
  }
  return present;
}

/** A `list_events.csv` row. */
export function listEventRow(personId: string, e: ListEvent): string {
  return `${personId},${e.event},${isoTimestamp(e.at)}`;
}
