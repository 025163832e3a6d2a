/**
 * SPEC §7.1–§7.4 (daily operation) in plain TypeScript, from the input files alone and sharing
 * nothing with the pipeline's SQL: the state the setup leaves, and what each day's run writes.
 * Where SPEC leaves a choice open, the reading taken is one entry of {@link READING}.
 */
import { EVENT_CLASS } from './csv-files.ts';
import type { HistoryRow, ListEventRow, ListRow, NetworkValues } from './csv-files.ts';
import { expectSetup, processingOrder, valuesOf } from './registry-model.ts';

/**
 * The readings of SPEC §7 this model takes where the text leaves room (the lead's reading of
 * issue 11). Each is used in exactly one place, so aligning the model is a one-line change.
 */
export const READING = {
  /** §7.3: at equal times, list events come before changes. */
  listEventsFirst: true,
  /** A request by a listed person (a `duplicate_request`) leaves their `since` as it was. */
  duplicateKeepsSince: true,
  /** A `34` of a person the registry has never seen carries this `previous_juminhyo_code`. */
  previousCodeOfUnknown: '',
  /** The `event_date` of a request's `23` and `13`: the date of `at`. */
  requestEventDate: (at: string): string => at.slice(0, 10),
} as const;

/** A person in the linkage server's registry copy (`state/registry.csv`). */
export interface Registered {
  /** The last event's class is add or modify. */
  readonly present: boolean;
  readonly juminhyoCode: string;
  readonly values: NetworkValues;
}

/** A feed record (§4.4, without `seq`) with its person and where it came from. */
export interface DailyRecord extends NetworkValues {
  readonly personId: string;
  readonly juminhyoCode: string;
  readonly previousJuminhyoCode: string;
  readonly eventCode: string;
  /** `YYYY-MM-DD`. */
  readonly eventDate: string;
  /** For messages, never a personal value: `history.csv seq 12`, `list_events.csv line 3`, `setup entry`. */
  readonly origin: string;
}

/** The state of §7.1. */
export interface DailyState {
  /** `window.csv`: everything before it has been processed. */
  readonly until: string;
  /** person_id → registry record, every person with a history row so far. */
  readonly registry: ReadonlyMap<string, Registered>;
  /** person_id → `since`, the persons listed now. */
  readonly listed: ReadonlyMap<string, string>;
  /** The held records, in held order. */
  readonly held: readonly DailyRecord[];
}

/** An `exceptions.csv` row of a day. */
export interface DailyException {
  readonly personId: string;
  readonly event: string;
  readonly at: string;
  readonly reason: 'duplicate_request' | 'not_listed';
}

/** The counts §7.4's reconciliation speaks of. */
export interface DayCounts {
  readonly changes: number;
  readonly changesSent: number;
  readonly changesHeld: number;
  readonly deletions: number;
  readonly entries: number;
  readonly released: number;
  readonly listEvents: number;
  readonly requestsAccepted: number;
  readonly withdrawalsAccepted: number;
  readonly exceptions: number;
}

/**
 * What became of one event, for tests that look for a case: a change `sent` or `held` (for a
 * `34`, where its previous code came from: the `state`, an earlier change of the `day`, or
 * `none`); a request by a `present` person, by one `absent` from the register, by an `unknown`
 * id, or a `duplicate`; a withdrawal `accepted` (with what it released) or `not-listed`.
 */
export type Traced =
  | { readonly kind: 'change'; readonly at: string; readonly personId: string; readonly eventCode: string; readonly outcome: 'sent' | 'held'; readonly previousFrom?: 'state' | 'day' | 'none' }
  | { readonly kind: 'request'; readonly at: string; readonly personId: string; readonly outcome: 'present' | 'absent' | 'unknown' | 'duplicate' }
  | { readonly kind: 'withdraw'; readonly at: string; readonly personId: string; readonly outcome: 'accepted' | 'not-listed'; readonly released: readonly DailyRecord[] };

/** What one day's run writes (§7.4), and the state it leaves. */
export interface DayOutcome {
  readonly outbound: readonly DailyRecord[];
  readonly exceptions: readonly DailyException[];
  readonly state: DailyState;
  readonly counts: DayCounts;
  /** Every event of the day in processing order, with what became of it. */
  readonly trace: readonly Traced[];
}

/** A day's inputs. */
export interface DayInput {
  readonly changes: readonly HistoryRow[];
  readonly listEvents: readonly ListEventRow[];
  /** The run's `until` parameter. */
  readonly until: string;
}

/** The state the setup writes (§7.1): from the whole history, the list and the setup's held feed. */
export function setupState(
  history: readonly HistoryRow[], list: readonly ListRow[],
  options: { readonly asOf: string; readonly actionDate: string; readonly until: string },
): DailyState {
  const registry = new Map<string, Registered>();
  for (const r of processingOrder(history)) {
    if (r.processedAt >= options.until) throw new Error(`history.csv:${r.line}: processed at or after until ${options.until}`);
    registry.set(r.personId, _registered(r));
  }
  const listed = new Map<string, string>();
  for (const l of list) {
    const since = `${l.requestedOn} 00:00:00`;
    const was = listed.get(l.personId);
    if (was === undefined || since < was) listed.set(l.personId, since);
  }
  const want = expectSetup(history, list, options.asOf);
  const entries: DailyRecord[] = want.targets
    .map((p) => ({ p, s: want.snapshot.get(p)! }))
    .sort((a, b) => (a.s.juminhyoCode < b.s.juminhyoCode ? -1 : 1))
    .map(({ p, s }) => ({
      ...s.values, personId: p, juminhyoCode: s.juminhyoCode, previousJuminhyoCode: '', eventCode: '13',
      eventDate: options.actionDate, origin: 'setup entry',
    }));
  const changes: DailyRecord[] = want.heldChanges.map((c) => ({
    ...valuesOf(c), personId: c.personId, juminhyoCode: c.juminhyoCode, previousJuminhyoCode: c.previousJuminhyoCode,
    eventCode: c.eventCode, eventDate: c.eventDate, origin: `history.csv seq ${c.historySeq}`,
  }));
  return { until: options.until, registry, listed, held: [...entries, ...changes] };
}

type Event = { readonly at: string; readonly list: true; readonly row: ListEventRow } | { readonly at: string; readonly list: false; readonly row: HistoryRow };

/** Runs one day (§7.3) on `state`, which is left unchanged. */
export function runDay(state: DailyState, day: DayInput): DayOutcome {
  if (!(day.until > state.until)) throw new Error(`until ${day.until} is not later than the state's ${state.until}`);
  const inWindow = (t: string): boolean => t >= state.until && t < day.until;
  for (const c of day.changes) if (!inWindow(c.processedAt)) throw new Error(`changes.csv:${c.line}: processed_at outside the window`);
  for (const l of day.listEvents) if (!inWindow(l.at)) throw new Error(`list_events.csv:${l.line}: at outside the window`);
  const events: Event[] = [
    ...day.changes.map((row) => ({ at: row.processedAt, list: false as const, row })),
    ...day.listEvents.map((row) => ({ at: row.at, list: true as const, row })),
  ];
  events.sort(_processingOrder);

  const registry = new Map(state.registry);
  const listed = new Map(state.listed);
  const held = new HeldStore(state.held);
  const outbound: DailyRecord[] = [];
  const exceptions: DailyException[] = [];
  const trace: Traced[] = [];
  const changedToday = new Set<string>();
  const n = { changesSent: 0, changesHeld: 0, deletions: 0, entries: 0, released: 0, requestsAccepted: 0, withdrawalsAccepted: 0 };
  for (const e of events) {
    if (!e.list) {
      const r = e.row;
      const before = registry.get(r.personId);
      const previous = r.eventCode === '34' ? (before?.juminhyoCode ?? READING.previousCodeOfUnknown) : '';
      const record: DailyRecord = {
        ...valuesOf(r), personId: r.personId, juminhyoCode: r.juminhyoCode, previousJuminhyoCode: previous,
        eventCode: r.eventCode, eventDate: r.eventDate, origin: `changes.csv seq ${r.seq}`,
      };
      registry.set(r.personId, _registered(r));
      const outcome = listed.has(r.personId) ? 'held' : 'sent';
      if (outcome === 'held') {
        held.push(record);
        n.changesHeld++;
      } else {
        outbound.push(record);
        n.changesSent++;
      }
      const previousFrom = before === undefined ? 'none' : changedToday.has(r.personId) ? 'day' : 'state';
      trace.push({ kind: 'change', at: e.at, personId: r.personId, eventCode: r.eventCode, outcome, ...(r.eventCode === '34' ? { previousFrom } : {}) });
      changedToday.add(r.personId);
      continue;
    }
    const l = e.row;
    const origin = `list_events.csv line ${l.line}`;
    if (l.event === 'request') {
      const traced = { kind: 'request', at: l.at, personId: l.personId } as const;
      if (listed.has(l.personId)) {
        exceptions.push({ personId: l.personId, event: l.event, at: l.at, reason: 'duplicate_request' });
        trace.push({ ...traced, outcome: 'duplicate' });
        if (!READING.duplicateKeepsSince) listed.set(l.personId, l.at);
        continue;
      }
      listed.set(l.personId, l.at);
      n.requestsAccepted++;
      const r = registry.get(l.personId);
      trace.push({ ...traced, outcome: r === undefined ? 'unknown' : r.present ? 'present' : 'absent' });
      if (r === undefined || !r.present) continue;
      const base = { ...r.values, personId: l.personId, juminhyoCode: r.juminhyoCode, previousJuminhyoCode: '', eventDate: READING.requestEventDate(l.at), origin };
      outbound.push({ ...base, eventCode: '23' });
      held.push({ ...base, eventCode: '13' });
      n.deletions++;
      n.entries++;
    } else {
      const traced = { kind: 'withdraw', at: l.at, personId: l.personId } as const;
      if (!listed.has(l.personId)) {
        exceptions.push({ personId: l.personId, event: l.event, at: l.at, reason: 'not_listed' });
        trace.push({ ...traced, outcome: 'not-listed', released: [] });
        continue;
      }
      const released = held.release(l.personId);
      trace.push({ ...traced, outcome: 'accepted', released });
      outbound.push(...released);
      n.released += released.length;
      listed.delete(l.personId);
      n.withdrawalsAccepted++;
    }
  }
  return {
    outbound, exceptions,
    state: { until: day.until, registry, listed, held: held.records() },
    counts: { ...n, changes: day.changes.length, listEvents: day.listEvents.length, exceptions: exceptions.length },
    trace,
  };
}

/** §7.3's order: by time; at equal times list events first; then changes by seq, list events by line. */
function _processingOrder(a: Event, b: Event): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.list !== b.list) return (a.list ? -1 : 1) * (READING.listEventsFirst ? 1 : -1);
  return a.list ? a.row.line - (b.row as ListEventRow).line : a.row.seq - (b.row as HistoryRow).seq;
}

function _registered(r: HistoryRow): Registered {
  return { present: EVENT_CLASS[r.eventCode] !== 'remove', juminhyoCode: r.juminhyoCode, values: valuesOf(r) };
}

/** The held records in held order, with each person's records at hand for a release. */
class HeldStore {
  readonly #order: DailyRecord[];
  readonly #byPerson = new Map<string, DailyRecord[]>();
  readonly #released = new Set<DailyRecord>();

  constructor(records: readonly DailyRecord[]) {
    this.#order = [];
    for (const r of records) this.push(r);
  }

  push(r: DailyRecord): void {
    this.#order.push(r);
    const mine = this.#byPerson.get(r.personId);
    if (mine === undefined) this.#byPerson.set(r.personId, [r]);
    else mine.push(r);
  }

  /** The person's records in held order; they leave the store. */
  release(personId: string): DailyRecord[] {
    const mine = this.#byPerson.get(personId) ?? [];
    this.#byPerson.delete(personId);
    for (const r of mine) this.#released.add(r);
    return mine;
  }

  records(): DailyRecord[] {
    return this.#order.filter((r) => !this.#released.has(r));
  }
}
