/**
 * Whole life lines: random ones with realistic proportions, and a fixed set of scripted
 * ones that every generated registry starts with, so that even a 300-person registry holds
 * each case SPEC §4.3 is careful about.
 */
import { dayOfSeconds } from './calendar.ts';
import type { ListEvent } from './list-events.ts';
import { BOUNDARY_BIRTHS, LifeBuilder } from './person.ts';
import type { Flavour, GenContext, LifeEvent } from './person.ts';
import { AS_OF, AS_OF_DAY, T1, lagDays, nextTime, startTime } from './timeline.ts';

/** How a person appears on the non-notification list, decided with their life line. */
export type Listing = 'random' | 'none' | 'once' | 'twice-equal' | 'twice-different';

/** A life line and how its person is listed. */
export interface Life {
  readonly events: readonly LifeEvent[];
  readonly listing: Listing;
  /** Scripted requests and withdrawals after the setup; absent: drawn at random. */
  readonly listEvents?: readonly ListEvent[];
}

const DAY = 86_400;
const MODIFIES = [31, 31, 31, 31, 31, 32, 33, 33, 33, 34];

/** A random life line: an add, modifies, perhaps a removal, perhaps a re-entry after a move-out. */
export function randomLife(ctx: GenContext): Life {
  const { rng } = ctx;
  const b = new LifeBuilder(ctx);
  const at = startTime(rng);
  const r = rng.float();
  b.start(r < 0.1 ? 11 : r < 0.995 ? 12 : 13, at);
  for (let n = 0; n < 12; n++) {
    const roll = rng.float();
    let code: number;
    if (b.present) {
      if (roll < 0.34) break;
      if (roll < 0.89) code = rng.pick(MODIFIES);
      else code = roll < 0.96 ? 21 : roll < 0.996 ? 22 : 23;
    } else {
      if (b.events.at(-1)!.code !== 21 || roll > 0.15) break;
      code = 12;
    }
    const t = nextTime(rng, b.lastAt, 330);
    if (t > T1) break;
    b.event(code, t, _eventDay(ctx, code, t));
  }
  return { events: b.events, listing: 'random' };
}

/** Deaths reported just after `as_of` often took effect before it: the late-death case. */
function _eventDay(ctx: GenContext, code: number, at: number): number {
  const { rng } = ctx;
  if (code === 22 && at >= AS_OF && at < AS_OF + 20 * DAY && rng.chance(0.5)) {
    return AS_OF_DAY - rng.int(1, 5);
  }
  return dayOfSeconds(at) - lagDays(rng);
}

type Script = (b: LifeBuilder, f: Flavour) => Listing;
const h = (hours: number): number => hours * 3600;
const d = (days: number): number => days * DAY;

/** The scripted persons, in the order they are generated (person index 0, 1, …). */
const SCRIPTS: readonly Script[] = [
  // A late death: died before as_of, processed after it; still in the snapshot.
  (b, f) => (b.start(12, AS_OF - d(300) + h(10), f).event(22, AS_OF + d(1) + h(10), AS_OF_DAY - 3), 'none'),
  (b, f) => (b.start(12, AS_OF - d(301) + h(11), f).event(22, AS_OF + d(2) + h(9), AS_OF_DAY - 2), 'once'),
  // A move processed exactly at as_of: a change, not part of the snapshot.
  (b, f) => (b.start(12, AS_OF - d(200) + h(10), f).event(31, AS_OF), 'none'),
  (b, f) => (b.start(12, AS_OF - d(201) + h(14), f).event(31, AS_OF), 'once'),
  // First appears exactly at as_of: listed, but not yet resident.
  (b, f) => (b.start(12, AS_OF, f), 'once'),
  // Same-person ties: seq decides which row is last (a move-out after a name change).
  (b, f) => (
    b.start(12, AS_OF - d(100) + h(9), f).event(31, AS_OF - d(50) + h(9)).event(33, AS_OF - d(50) + h(9))
      .event(32, AS_OF + d(30) + h(11)).event(21, AS_OF + d(30) + h(11)),
    'none'
  ),
  (b, f) => (b.start(12, AS_OF - d(100) + h(15), f).event(31, AS_OF - 1).event(33, AS_OF - 1), 'once'),
  // Two persons processed in the same second, one listed, one not.
  (b, f) => (b.start(12, AS_OF - d(90) + h(10), f).event(31, AS_OF + d(5) + h(10)), 'none'),
  (b, f) => (b.start(12, AS_OF - d(91) + h(13), f).event(31, AS_OF + d(5) + h(10)), 'once'),
  // Code changes after as_of (outbound and held re-keys), and one before it.
  (b, f) => (b.start(12, AS_OF - d(400) + h(10), f).event(34, AS_OF + d(40) + h(10)).event(31, AS_OF + d(60) + h(10)), 'none'),
  (b, f) => (b.start(12, AS_OF - d(401) + h(10), f).event(34, AS_OF + d(41) + h(10)).event(31, AS_OF + d(61) + h(10)), 'once'),
  (b, f) => (b.start(12, AS_OF - d(402) + h(10), f).event(34, AS_OF - d(100) + h(10)).event(31, AS_OF + d(62) + h(10)), 'once'),
  (b, f) => (b.start(12, AS_OF - d(403) + h(10), f).event(34, AS_OF + d(10) + h(10)).event(34, AS_OF + d(20) + h(10)), 'none'),
  // Move-out before as_of and re-entry after it, listed and not.
  (b, f) => (b.start(12, AS_OF - d(500) + h(10), f).event(21, AS_OF - d(100) + h(10)).event(12, AS_OF + d(50) + h(10)), 'once'),
  (b, f) => (b.start(12, AS_OF - d(501) + h(10), f).event(21, AS_OF - d(101) + h(10)).event(12, AS_OF + d(51) + h(10)), 'none'),
  // Move-out and re-entry both before as_of: resident again, a target.
  (b, f) => (b.start(12, AS_OF - d(600) + h(10), f).event(21, AS_OF - d(300) + h(10)).event(12, AS_OF - d(30) + h(10)), 'once'),
  // Listed twice: with equal dates (identical rows), and with different dates.
  (b, f) => (b.start(12, AS_OF - d(700) + h(10), f).event(31, AS_OF + d(70) + h(10)), 'twice-equal'),
  (b, f) => (b.start(12, AS_OF - d(701) + h(10), f).event(32, AS_OF + d(71) + h(10)), 'twice-different'),
  // A death before as_of, listed: not resident at as_of.
  (b, f) => (b.start(12, AS_OF - d(800) + h(10), f).event(22, AS_OF - d(200) + h(10)), 'once'),
  // A birth after as_of, and a birth long before it.
  (b, f) => (b.start(11, AS_OF + d(100) + h(10), f), 'none'),
  (b, f) => (b.start(11, AS_OF - d(1000) + h(10), f).event(31, AS_OF + d(3) + h(16)), 'once'),
];

/** How many persons are scripted; person indexes below this use {@link scriptedLife}. */
export const SCRIPTED = SCRIPTS.length;

/**
 * Scripted person `i`. Their birth dates walk the era boundaries and the partial dates;
 * their names and addresses take turns at 髙/﨑, half-width kana, a comma and a quote.
 */
export function scriptedLife(ctx: GenContext, i: number): Life {
  const b = new LifeBuilder(ctx);
  const listing = SCRIPTS[i]!(b, flavourOf(i));
  return { events: b.events, listing, listEvents: [] };
}

/** The awkward properties scripted person `i` is given (any index: the days' scripts use it too). */
export function flavourOf(i: number): Flavour {
  const birth =
    i < BOUNDARY_BIRTHS.length ? BOUNDARY_BIRTHS[i] : ['3450700', '1400000', '2050300', '3100000'][i % 4];
  return {
    ext: i % 3 === 0,
    halfKana: i % 4 === 1,
    addressKind: i % 5 === 2 ? 'comma' : i % 5 === 3 ? 'quote' : undefined,
    birth,
  };
}
