/**
 * What SPEC §4.3 says the outputs must hold, computed directly from the input rows in plain
 * TypeScript (no SQL), for the replay check to compare against.
 */
import { EVENT_CLASS } from './csv-files.ts';
import type { ExceptionRow, HistoryRow, ListRow, NetworkValues } from './csv-files.ts';

/** A person's state in the network: their code and values. */
export interface Standing {
  readonly juminhyoCode: string;
  readonly values: NetworkValues;
}

/** A change since `as_of` as a feed record should carry it (without `seq`). */
export interface ExpectedChange extends NetworkValues {
  readonly personId: string;
  readonly historySeq: number;
  readonly juminhyoCode: string;
  readonly previousJuminhyoCode: string;
  readonly eventCode: string;
  readonly eventDate: string;
}

/** The independent reading of SPEC §4.3 for one registry and list. */
export interface ExpectedSetup {
  /** Step 1: person_id → snapshot state, for persons in the snapshot. */
  readonly snapshot: ReadonlyMap<string, Standing>;
  /** person_id → latest state (all history), for persons present at the end. */
  readonly latest: ReadonlyMap<string, Standing>;
  /** Every person_id on the list (any row). */
  readonly listed: ReadonlySet<string>;
  /** Step 2: listed persons in the snapshot, ascending. */
  readonly targets: readonly string[];
  /** Step 2: exceptions in `exceptions.csv` order. */
  readonly exceptions: readonly ExceptionRow[];
  /** Step 5: changes since `as_of` in processing order, split by the routing rule. */
  readonly outbound: readonly ExpectedChange[];
  readonly heldChanges: readonly ExpectedChange[];
  /** Distinct persons on the list. */
  readonly listedPersons: number;
}

/** `history` sorted by (`processed_at`, `seq`): the order in which the registry recorded it. */
export function processingOrder(history: readonly HistoryRow[]): HistoryRow[] {
  return [...history].sort((a, b) =>
    a.processedAt < b.processedAt ? -1 : a.processedAt > b.processedAt ? 1 : a.seq - b.seq,
  );
}

/** The values a row leaves in the network. */
export function valuesOf(r: NetworkValues): NetworkValues {
  return { name: r.name, nameKana: r.nameKana, birthDate: r.birthDate, sex: r.sex, address: r.address };
}

/** Computes steps 1, 2 and 5 of SPEC §4.3. */
export function expectSetup(history: readonly HistoryRow[], list: readonly ListRow[], asOf: string): ExpectedSetup {
  const lastBefore = new Map<string, HistoryRow>();
  const last = new Map<string, HistoryRow>();
  const changes: ExpectedChange[] = [];
  for (const r of processingOrder(history)) {
    const previous = last.get(r.personId);
    if (r.processedAt < asOf) {
      lastBefore.set(r.personId, r);
    } else {
      changes.push({
        ...valuesOf(r), personId: r.personId, historySeq: r.seq, juminhyoCode: r.juminhyoCode,
        previousJuminhyoCode: r.eventCode === '34' ? (previous?.juminhyoCode ?? '') : '',
        eventCode: r.eventCode, eventDate: r.eventDate,
      });
    }
    last.set(r.personId, r);
  }
  const snapshot = _present(lastBefore);
  const latest = _present(last);
  const listed = new Set(list.map((l) => l.personId));

  const kept = new Map<string, ListRow>();
  for (const l of list) {
    const k = kept.get(l.personId);
    if (k === undefined || l.requestedOn < k.requestedOn) kept.set(l.personId, l);
  }
  const exceptions: (ExceptionRow & { index: number })[] = [];
  for (const l of list) {
    const k = kept.get(l.personId)!;
    let reason: string | null = null;
    if (k !== l) reason = 'duplicate_request';
    else if (snapshot.has(l.personId)) reason = null;
    else if (!last.has(l.personId)) reason = 'unknown_person';
    else if (lastBefore.has(l.personId)) reason = 'not_resident_at_as_of';
    else reason = 'not_yet_resident';
    if (reason !== null) exceptions.push({ personId: l.personId, requestedOn: l.requestedOn, reason, index: l.index });
  }
  exceptions.sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : a.index - b.index));

  return {
    snapshot,
    latest,
    listed,
    targets: [...kept.keys()].filter((p) => snapshot.has(p)).sort(),
    exceptions: exceptions.map(({ personId, requestedOn, reason }) => ({ personId, requestedOn, reason })),
    outbound: changes.filter((c) => !listed.has(c.personId)),
    heldChanges: changes.filter((c) => listed.has(c.personId)),
    listedPersons: listed.size,
  };
}

function _present(lastRows: ReadonlyMap<string, HistoryRow>): Map<string, Standing> {
  const out = new Map<string, Standing>();
  for (const [personId, r] of lastRows) {
    if (EVENT_CLASS[r.eventCode] !== 'remove') out.set(personId, { juminhyoCode: r.juminhyoCode, values: valuesOf(r) });
  }
  return out;
}
