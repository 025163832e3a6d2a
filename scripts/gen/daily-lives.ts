/**
 * Scripted persons for the days after the setup (SPEC §7.3): with three days or more, every
 * generated scenario holds each case the daily run must get right, whatever its size. They come
 * right after the setup's scripted persons; times are relative to `until` (U) and the days
 * D1…D3 (see `days.ts`: D2 records no change, D3 takes no list event).
 */
import type { DayWindows } from './days.ts';
import type { ListEvent } from './list-events.ts';
import type { Life, Listing } from './lives.ts';
import { flavourOf } from './lives.ts';
import { LifeBuilder } from './person.ts';
import type { Flavour, GenContext } from './person.ts';
import { AS_OF } from './timeline.ts';

const DAY = 86_400;
const h = (hours: number): number => hours * 3600;
const d = (days: number): number => days * DAY;

type Script = (b: LifeBuilder, f: Flavour, w: DayWindows) => [Listing, ListEvent[]];
const request = (at: number): ListEvent => ({ at, event: 'request' });
const withdraw = (at: number): ListEvent => ({ at, event: 'withdraw' });

/** The persons, in the order they are generated. Each line says what the daily run must do. */
const SCRIPTS: readonly Script[] = [
  // A request and a change in the same second: the request first (23 with the old record sent,
  // 13 held), then the change, held.
  (b, f, w) => (b.start(12, w.until - d(300) + h(10), f).event(31, w.start(1) + h(10)), ['none', [request(w.start(1) + h(10))]]),
  // A resident requests at D1's first second (23 sent, 13 held), and again on D2: a duplicate of
  // an earlier day's request.
  (b, f, w) => (b.start(12, w.until - d(310) + h(10), f), ['none', [request(w.start(1)), request(w.start(2) + h(9))]]),
  // A person who moved out before U requests on D2 (listed, nothing sent), moves back in on D3 (held).
  (b, f, w) => (
    b.start(12, w.until - d(320) + h(10), f).event(21, w.until - d(40) + h(10)).event(12, w.start(3) + h(10)),
    ['none', [request(w.start(2) + h(11))]]
  ),
  // Listed at the setup (a target), requests again on D1: a duplicate.
  (b, f, w) => (b.start(12, AS_OF - d(330) + h(10), f), ['once', [request(w.start(1) + h(11))]]),
  // An unlisted resident withdraws at D2's last second: not listed.
  (b, f, w) => (b.start(12, w.until - d(340) + h(10), f), ['none', [withdraw(w.start(3) - 1)]]),
  // Listed at the setup, with a change held at the setup; on D1 a 34 (its previous code from the
  // state) and a death, both held; the withdrawal on D2 releases all four in held order.
  (b, f, w) => (
    b.start(12, AS_OF - d(350) + h(10), f).event(31, w.until - d(20) + h(10)).event(34, w.start(1) + h(9)).event(22, w.start(1) + h(15)),
    ['once', [withdraw(w.start(2) + h(10))]]
  ),
  // A request and a withdrawal on one day: the 13 held at 13:00 is released at 16:00.
  (b, f, w) => (b.start(12, w.until - d(360) + h(10), f), ['none', [request(w.start(1) + h(13)), withdraw(w.start(1) + h(16))]]),
  // Listed at the setup: withdraws on D1 (its entry released), moves (sent), requests again: the
  // 23 carries the record of the move, from earlier in the day.
  (b, f, w) => (
    b.start(12, AS_OF - d(370) + h(10), f).event(31, w.start(1) + h(12)),
    ['once', [withdraw(w.start(1) + h(10)), request(w.start(1) + h(14))]]
  ),
  // Two code changes on D1, sent: the first's previous code from the state, the second's from the first.
  (b, f, w) => (b.start(12, w.until - d(380) + h(10), f).event(34, w.start(1) + h(9)).event(34, w.start(1) + h(11)), ['none', []]),
  // Changes at the last second before U (history), at U (D1's first second), and at D3's first
  // and last seconds.
  (b, f, w) => (
    b.start(12, w.until - d(390) + h(10), f).event(31, w.until - 1).event(33, w.until).event(32, w.start(3)).event(31, w.start(4) - 1),
    ['none', []]
  ),
];

/** How many persons the days' scripts add. */
export const DAILY_SCRIPTED = SCRIPTS.length;

/** Daily scripted person `i` (0-based); `index` is the person's index in the registry. */
export function dailyLife(ctx: GenContext, i: number, index: number, w: DayWindows): Life {
  const b = new LifeBuilder(ctx);
  const [listing, listEvents] = SCRIPTS[i]!(b, flavourOf(index), w);
  return { events: b.events, listing, listEvents };
}

/**
 * The list events of an id the registry never knew: a request on D1 (listed, nothing sent) and
 * a withdrawal at D2's first second (accepted, releases nothing).
 */
export function ghostListEvents(w: DayWindows): ListEvent[] {
  return [request(w.start(1) + h(12)), withdraw(w.start(2))];
}
