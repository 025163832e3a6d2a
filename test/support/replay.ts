/**
 * The check of SPEC §6, independent of the pipeline's SQL: replay the setup's feeds onto the
 * snapshot and compare with the registry, then replay full participation and compare again.
 * Along the way it checks the feeds' format, the exceptions (SPEC §4.3 step 2), the routing
 * (step 5) and the reconciliation (§4.7), all computed afresh from the input files.
 *
 * Differences are reported by 住民票コード, person_id and field name — never with the value of
 * a personal field — so a failing test's message is safe to print in CI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExceptions, readFeed, readHistory, readList } from './csv-files.ts';
import type { ExceptionRow, FeedRecord } from './csv-files.ts';
import { applyFeed, compareNetwork, networkOf } from './network.ts';
import type { Network, ReplayDifference } from './network.ts';
import { expectSetup, valuesOf } from './registry-model.ts';
import type { ExpectedChange, ExpectedSetup } from './registry-model.ts';

export { readExceptions, readFeed, readHistory, readList } from './csv-files.ts';
export type { ExceptionRow, FeedRecord, HistoryRow, ListRow, NetworkValues } from './csv-files.ts';
export type { ReplayDifference } from './network.ts';

/** Where the inputs and outputs of one setup run are, and its parameters. */
export interface ReplayOptions {
  readonly historyFile: string;
  readonly listFile: string;
  /** The setup run's `out_dir`, holding `01_deletions.csv` … `exceptions.csv`. */
  readonly outDir: string;
  /** Default `2002-08-05 00:00:00`. */
  readonly asOf?: string;
  /** Default `2003-04-10`; the deletions' `event_date`. */
  readonly actionDate?: string;
  /** `07_full_participation.csv`; when given, step 7 is replayed too. */
  readonly fullParticipationFile?: string;
  /** Differences kept in the result (default 200); the rest are only counted. */
  readonly maxDifferences?: number;
}

/** Row counts seen by the check: from the files, and computed independently. */
export interface ReplayCounts {
  readonly historyRows: number;
  readonly listRows: number;
  readonly listedPersons: number;
  readonly snapshot: number;
  readonly targets: number;
  readonly changes: number;
  readonly deletions: number;
  readonly entries: number;
  readonly outbound: number;
  readonly held: number;
  readonly exceptions: number;
  readonly fullParticipation?: number;
}

/** The outcome: `ok` when there is no difference. Warnings do not fail the check. */
export interface ReplayResult {
  readonly ok: boolean;
  readonly differences: readonly ReplayDifference[];
  /** Differences found beyond `maxDifferences`. */
  readonly truncated: number;
  readonly warnings: readonly string[];
  readonly counts: ReplayCounts;
}

/** Feed records compared one by one stop reporting after this many, per check. */
const PER_CHECK = 10;
const DATE = /^\d{4}-\d\d-\d\d$/u;
const BIRTH = /^\d{4}(-\d\d(-\d\d)?)?$/u;

/** Runs every check of SPEC §6 (and §4.3, §4.7) on the outputs of one setup run. */
export async function replaySetup(options: ReplayOptions): Promise<ReplayResult> {
  const asOf = options.asOf ?? '2002-08-05 00:00:00';
  const actionDate = options.actionDate ?? '2003-04-10';
  const history = await readHistory(options.historyFile);
  const list = readList(options.listFile);
  const want = expectSetup(history, list, asOf);
  const file = (name: string): string => join(options.outDir, name);
  const deletions = readFeed(file('01_deletions.csv'));
  const entries = readFeed(file('02_entries.csv'));
  const outbound = readFeed(file('03_outbound.csv'));
  const held = readFeed(file('04_held.csv'));
  const exceptions = readExceptions(file('exceptions.csv'));
  const diffs: ReplayDifference[] = [];
  const warnings: string[] = [];

  for (const [name, records] of [['01_deletions.csv', deletions], ['02_entries.csv', entries], ['03_outbound.csv', outbound], ['04_held.csv', held]] as const) {
    diffs.push(...feedFormat(file(name), name, records));
  }
  diffs.push(..._sameEvents('01_deletions.csv', deletions, '23', actionDate), ..._sameEvents('02_entries.csv', entries, '13'));
  const targetNetwork = networkOf(want.targets.map((p) => want.snapshot.get(p)!), warnings);
  diffs.push(...compareNetwork(_feedNetwork(deletions, '01_deletions.csv', diffs), targetNetwork, 'deletions'));
  diffs.push(...compareNetwork(_feedNetwork(entries, '02_entries.csv', diffs), targetNetwork, 'entries'));
  diffs.push(..._records('held-entries', held.slice(0, entries.length), entries.map(_asChange)));
  diffs.push(..._records('outbound', outbound, want.outbound));
  diffs.push(..._records('held', held.slice(entries.length), want.heldChanges));
  diffs.push(..._exceptions(exceptions, want.exceptions));
  diffs.push(..._reconcile(want, list.length, { deletions, entries, outbound, held, exceptions }));

  // SPEC §6: the snapshot, then deletions and outbound, equals the latest state of the unlisted.
  const network = networkOf(want.snapshot.values(), warnings);
  diffs.push(...applyFeed(network, deletions, '01_deletions.csv', warnings));
  diffs.push(...applyFeed(network, outbound, '03_outbound.csv', warnings));
  const unlisted = [...want.latest].filter(([p]) => !want.listed.has(p)).map(([, s]) => s);
  diffs.push(...compareNetwork(network, networkOf(unlisted, warnings), 'replay-setup'));

  let fullParticipation: number | undefined;
  if (options.fullParticipationFile !== undefined) {
    const full = readFeed(options.fullParticipationFile);
    fullParticipation = full.length;
    diffs.push(...feedFormat(options.fullParticipationFile, '07_full_participation.csv', full));
    diffs.push(..._records('full-participation', full, held.map(_asChange)));
    diffs.push(...applyFeed(network, full, '07_full_participation.csv', warnings));
    diffs.push(...compareNetwork(network, networkOf(want.latest.values(), warnings), 'replay-full'));
  }

  const max = options.maxDifferences ?? 200;
  return {
    ok: diffs.length === 0,
    differences: diffs.slice(0, max),
    truncated: Math.max(0, diffs.length - max),
    warnings,
    counts: {
      historyRows: history.length, listRows: list.length, listedPersons: want.listedPersons,
      snapshot: want.snapshot.size, targets: want.targets.length,
      changes: want.outbound.length + want.heldChanges.length, deletions: deletions.length,
      entries: entries.length, outbound: outbound.length, held: held.length, exceptions: exceptions.length,
      ...(fullParticipation === undefined ? {} : { fullParticipation }),
    },
  };
}

/** A short multi-line report of a result, for a test's failure message. */
export function formatReplay(result: Pick<ReplayResult, 'differences' | 'truncated'>): string {
  const lines = result.differences.map((d) => `${d.day === undefined ? '' : `D${d.day}: `}${d.check}: ${d.kind}: ${d.detail}`);
  if (result.truncated > 0) lines.push(`… and ${result.truncated} more`);
  return lines.join('\n');
}

/** SPEC §3 sink format of a feed file: LF only, `seq` 1…n in file order, ISO dates. */
export function feedFormat(path: string, name: string, records: readonly FeedRecord[]): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  if (readFileSync(path).includes(13)) out.push({ check: 'format', kind: 'format', detail: `${name}: has a CR; sinks end lines with LF` });
  for (const [i, r] of records.entries()) {
    if (out.length > PER_CHECK) break;
    if (r.seq !== String(i + 1)) out.push({ check: 'format', kind: 'order', detail: `${name}:${r.line}: seq is ${r.seq}, expected ${i + 1}` });
    if (!DATE.test(r.eventDate) || !BIRTH.test(r.birthDate)) {
      out.push({ check: 'format', kind: 'format', juminhyoCode: r.juminhyoCode, detail: `${name}:${r.line}: a date is not ISO` });
    }
  }
  return out;
}

/** Deletions and entries: one event code, ordered by code, deletions dated `action_date`. */
function _sameEvents(name: string, records: readonly FeedRecord[], code: string, date?: string): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  records.forEach((r, i) => {
    if (r.eventCode !== code) out.push({ check: 'format', kind: 'format', juminhyoCode: r.juminhyoCode, detail: `${name}:${r.line}: event_code ${r.eventCode}, expected ${code}` });
    if (date !== undefined && r.eventDate !== date) out.push({ check: 'format', kind: 'format', juminhyoCode: r.juminhyoCode, detail: `${name}:${r.line}: event_date is not action_date ${date}` });
    if (i > 0 && !(records[i - 1]!.juminhyoCode < r.juminhyoCode)) out.push({ check: 'format', kind: 'order', juminhyoCode: r.juminhyoCode, detail: `${name}:${r.line}: not in ascending juminhyo_code order` });
  });
  return out.slice(0, PER_CHECK);
}

function _feedNetwork(records: readonly FeedRecord[], name: string, diffs: ReplayDifference[]): Network {
  const network: Network = new Map();
  for (const r of records) {
    if (network.has(r.juminhyoCode)) diffs.push({ check: 'format', kind: 'format', juminhyoCode: r.juminhyoCode, detail: `${name}:${r.line}: code appears twice` });
    network.set(r.juminhyoCode, valuesOf(r));
  }
  return network;
}

function _asChange(r: FeedRecord): ExpectedChange {
  return { ...valuesOf(r), personId: '', historySeq: 0, juminhyoCode: r.juminhyoCode, previousJuminhyoCode: r.previousJuminhyoCode, eventCode: r.eventCode, eventDate: r.eventDate };
}

const RECORD_FIELDS = ['juminhyoCode', 'previousJuminhyoCode', 'eventCode', 'eventDate', 'name', 'nameKana', 'birthDate', 'sex', 'address'] as const;

/** Feed records against the expected sequence, one by one (everything but `seq`). */
function _records(check: string, got: readonly FeedRecord[], want: readonly ExpectedChange[]): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  if (got.length !== want.length) out.push({ check, kind: 'count', detail: `${got.length} records, expected ${want.length}` });
  let mismatches = 0;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const g = got[i]!;
    const w = want[i]!;
    const fields = RECORD_FIELDS.filter((f) => g[f] !== w[f]);
    if (fields.length === 0) continue;
    if (++mismatches > PER_CHECK) continue;
    const source = w.historySeq > 0 ? ` (history seq ${w.historySeq}, person ${w.personId})` : '';
    out.push({
      check, kind: 'value', juminhyoCode: w.juminhyoCode, personId: w.personId || undefined, field: fields.join(','),
      detail: `record ${i + 1}: ${fields.join(', ')} differ from code ${w.juminhyoCode}${source}`,
    });
  }
  if (mismatches > PER_CHECK) out.push({ check, kind: 'value', detail: `${mismatches - PER_CHECK} more records differ` });
  return out;
}

function _exceptions(got: readonly ExceptionRow[], want: readonly ExceptionRow[]): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  if (got.length !== want.length) out.push({ check: 'exceptions', kind: 'count', detail: `${got.length} exceptions, expected ${want.length}` });
  for (let i = 0; i < Math.min(got.length, want.length) && out.length <= PER_CHECK; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (g.personId !== w.personId || g.requestedOn !== w.requestedOn || g.reason !== w.reason) {
      out.push({ check: 'exceptions', kind: 'value', personId: w.personId, detail: `row ${i + 2}: expected person ${w.personId} ${w.requestedOn} ${w.reason}, got person ${g.personId} ${g.requestedOn} ${g.reason}` });
    }
  }
  return out;
}

/** SPEC §4.7, with the file counts on one side and independent counts on the other. */
function _reconcile(
  want: ExpectedSetup, listRows: number,
  files: { deletions: readonly FeedRecord[]; entries: readonly FeedRecord[]; outbound: readonly FeedRecord[]; held: readonly FeedRecord[]; exceptions: readonly ExceptionRow[] },
): ReplayDifference[] {
  const t = want.targets.length;
  const d = files.deletions.length;
  const e = files.entries.length;
  const x = files.exceptions.length;
  const xNonDuplicate = files.exceptions.filter((r) => r.reason !== 'duplicate_request').length;
  const heldChanges = files.held.length - e;
  const changes = want.outbound.length + want.heldChanges.length;
  const rules: [string, boolean][] = [
    [`deletions ${d} = entries ${e} = targets ${t}`, d === e && e === t],
    [`distinct listed persons ${want.listedPersons} = targets ${t} + non-duplicate exceptions ${xNonDuplicate}`, want.listedPersons === t + xNonDuplicate],
    [`list rows ${listRows} = targets ${t} + exceptions ${x}`, listRows === t + x],
    [`changes since as_of ${changes} = outbound ${files.outbound.length} + held changes ${heldChanges}`, changes === files.outbound.length + heldChanges],
    [`held ${files.held.length} = entries ${e} + held changes ${want.heldChanges.length}`, files.held.length === e + want.heldChanges.length],
  ];
  return rules.filter(([, holds]) => !holds).map(([rule]) => ({ check: 'reconciliation', kind: 'count', detail: `does not hold: ${rule}` }));
}
