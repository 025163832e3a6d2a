/**
 * The non-notification list: about 24 % of the persons resident at `as_of` (Yokohama's
 * share), plus the rows SPEC §4.3 step 2 must turn into exceptions — duplicates, persons
 * removed before `as_of`, persons not yet resident, and ids the registry never knew.
 */
import { dayOf } from './calendar.ts';
import type { Life } from './lives.ts';
import { EVENT_CLASS } from './person.ts';
import type { LifeEvent } from './person.ts';
import type { Rng } from './prng.ts';
import { listRow } from './rows.ts';
import { AS_OF } from './timeline.ts';

/** Where a person stands at `as_of`, as step 1 of SPEC §4.3 sees it. */
export type Standing = 'resident' | 'removed' | 'not-yet';

const FIRST_REQUEST = dayOf(2002, 4, 1);
const LAST_REQUEST = dayOf(2002, 11, 30);
const SHARE: Record<Standing, number> = { resident: 0.24, removed: 0.03, 'not-yet': 0.02 };

/** The standing of a person from their events (already in processing order). */
export function standing(events: readonly LifeEvent[]): Standing {
  let last: LifeEvent | undefined;
  for (const e of events) if (e.at < AS_OF) last = e;
  if (last === undefined) return 'not-yet';
  return EVENT_CLASS[last.code] === 'remove' ? 'removed' : 'resident';
}

/** The list rows of one person (none, one, or a duplicate pair). */
export function listRowsFor(rng: Rng, personId: string, life: Life): string[] {
  let listing = life.listing;
  if (listing === 'random') {
    if (!rng.chance(SHARE[standing(life.events)])) return [];
    listing = rng.chance(0.025) ? (rng.chance(0.5) ? 'twice-equal' : 'twice-different') : 'once';
  }
  if (listing === 'none') return [];
  return requestRows(rng, personId, listing);
}

/** Rows requesting non-notification for `personId`, one or a duplicate pair. */
export function requestRows(rng: Rng, personId: string, listing: 'once' | 'twice-equal' | 'twice-different'): string[] {
  const first = rng.int(FIRST_REQUEST, LAST_REQUEST);
  if (listing === 'once') return [listRow(personId, first)];
  const second = listing === 'twice-equal' ? first : rng.int(FIRST_REQUEST, LAST_REQUEST);
  return [listRow(personId, first), listRow(personId, second === first && listing === 'twice-different' ? first + 1 : second)];
}
