/**
 * When things happen: the window the history covers, `as_of`, and how processing times
 * are drawn. Times cluster on office hours, whole minutes and batch runs so that equal
 * `processed_at` values (ties broken by `seq`) occur naturally, and some land exactly on
 * `as_of`, where `<` versus `<=` decides the snapshot.
 */
import { dayOf, dayOfSeconds, secondsOf } from './calendar.ts';
import type { Rng } from './prng.ts';

/** First second the history covers. */
export const T0 = secondsOf(1999, 1, 1);
/** Last second the history covers. */
export const T1 = secondsOf(2004, 12, 31, 23, 59, 59);
/** The pipeline's default `as_of` (SPEC §4): 2002-08-05 00:00:00, the day Juki-net started. */
export const AS_OF = secondsOf(2002, 8, 5);
/** The day of `as_of`. */
export const AS_OF_DAY = dayOf(2002, 8, 5);

const OPEN = 8 * 3600 + 30 * 60;
const CLOSE = 17 * 3600 + 15 * 60;
const BATCH = [0, 17 * 3600 + 30 * 60, 20 * 3600, 23 * 3600 + 59 * 60 + 59];

/** A processing time on `day`: office hours, a whole minute, or a nightly batch. */
export function timeOn(rng: Rng, day: number): number {
  const r = rng.float();
  let s: number;
  if (r < 0.6) s = rng.int(OPEN, CLOSE);
  else if (r < 0.92) s = rng.int(OPEN / 60, CLOSE / 60) * 60;
  else s = rng.pick(BATCH);
  return day * 86_400 + s;
}

// Rows of one second all land in one time bucket of the generator's sort, so the share
// pulled onto `as_of` stays small (about 0.05 % of rows), or that bucket would outgrow the
// memory budget at millions of rows. Scripted persons make sure the case occurs at any size.

/**
 * When a person first appears. Most persons were registered before `as_of`; the rest move
 * in or are born afterwards. A few first appear exactly at `as_of`.
 */
export function startTime(rng: Rng): number {
  const r = rng.float();
  if (r < 0.0003) return AS_OF;
  const before = r < 0.86;
  const lo = before ? dayOfSeconds(T0) : AS_OF_DAY;
  const hi = before ? AS_OF_DAY - 1 : dayOfSeconds(T1);
  return timeOn(rng, rng.int(lo, hi));
}

/**
 * The next processing time after `prev` (never before it). Sometimes the very same second,
 * which makes a same-person tie; sometimes pulled onto `as_of` when the gap spans it.
 */
export function nextTime(rng: Rng, prev: number, meanDays: number): number {
  if (rng.chance(0.02)) return prev;
  const day = dayOfSeconds(prev) + Math.floor(rng.exp(meanDays));
  let t = timeOn(rng, day);
  if (t < prev) t = prev + rng.int(0, 3600);
  if (prev < AS_OF && t >= AS_OF && rng.chance(0.003)) t = AS_OF;
  return t;
}

/** Days between an event taking effect and its processing: usually none, at most two weeks. */
export function lagDays(rng: Rng): number {
  return rng.chance(0.6) ? 0 : rng.int(1, 14);
}
