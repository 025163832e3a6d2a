/**
 * The check of SPEC §7.5, independent of the pipelines' SQL: replay §6 (the snapshot,
 * `01_deletions.csv`, `03_outbound.csv`), then every day's `outbound.csv` in order. After each
 * day the network must hold exactly the present persons who are not listed, with their latest
 * registry values; the day's `04_held.csv` applied on top must give every present person.
 * Along the way each file is compared with the model (`daily-model.ts`): the feeds and
 * exceptions record by record, the state by person and field.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDailyExceptions, readFeed, readHistory, readList } from './csv-files.ts';
import type { FeedRecord } from './csv-files.ts';
import { runDay, setupState } from './daily-model.ts';
import type { DailyException, DailyState, DayCounts } from './daily-model.ts';
import { applyFeed, compareNetwork, networkOf } from './network.ts';
import type { Network, ReplayDifference } from './network.ts';
import { compareRecords } from './record-compare.ts';
import { loadDay } from './reference-daily.ts';
import type { DailyOptions } from './reference-daily.ts';
import { expectSetup } from './registry-model.ts';
import { feedFormat, replaySetup } from './replay.ts';
import { checkState } from './state-check.ts';

/** The outcome: `ok` when there is no difference. Warnings do not fail the check. */
export interface DailyReplayResult {
  readonly ok: boolean;
  readonly differences: readonly ReplayDifference[];
  readonly truncated: number;
  /** Feed records the network would refuse (a modify of an absent code, …), by file and line. */
  readonly warnings: readonly string[];
  /** What the model expects of each day (index 0: day 1). */
  readonly days: readonly DayCounts[];
}

/** Runs the setup's checks (§6) and every day's (§7.5) on the runs' outputs. */
export async function replayDaily(options: DailyOptions & { readonly maxDifferences?: number }): Promise<DailyReplayResult> {
  const asOf = options.asOf ?? '2002-08-05 00:00:00';
  const actionDate = options.actionDate ?? '2003-04-10';
  const until = options.until ?? '2003-04-10 00:00:00';
  const setup = await replaySetup({ ...options, outDir: options.setupOutDir, fullParticipationFile: undefined, maxDifferences: Infinity });
  const diffs: ReplayDifference[] = setup.differences.map((d) => ({ ...d, day: 0 }));
  const warnings = [...setup.warnings];

  const history = await readHistory(options.historyFile);
  const list = readList(options.listFile);
  let state = setupState(history, list, { asOf, actionDate, until });
  diffs.push(...checkState(options.setupOutDir, state, 0));
  const network = networkOf(expectSetup(history, list, asOf).snapshot.values(), warnings);
  for (const name of ['01_deletions.csv', '03_outbound.csv']) {
    diffs.push(...applyFeed(network, readFeed(join(options.setupOutDir, name)), name, warnings).map((d) => ({ ...d, day: 0 })));
  }

  const days: DayCounts[] = [];
  for (const [i, dirs] of options.days.entries()) {
    const day = i + 1;
    const outcome = runDay(state, await loadDay(dirs));
    days.push(outcome.counts);
    const file = (name: string): string => join(dirs.outDir, name);
    const missing = ['outbound.csv', '04_held.csv', 'exceptions.csv'].filter((n) => !existsSync(file(n)));
    if (missing.length > 0) {
      diffs.push({ check: 'files', day, kind: 'missing', detail: `D${day}: ${missing.join(', ')} not written` });
      break;
    }
    const outbound = readFeed(file('outbound.csv'));
    const held = readFeed(file('04_held.csv'));
    for (const [name, records] of [['outbound.csv', outbound], ['04_held.csv', held]] as const) {
      diffs.push(...feedFormat(file(name), name, records).map((d) => ({ ...d, day })));
    }
    diffs.push(...compareRecords({ check: 'outbound', day, file: 'outbound.csv' }, _unowned(outbound), outcome.outbound));
    diffs.push(...compareRecords({ check: 'held', day, file: '04_held.csv' }, _unowned(held), outcome.state.held));
    diffs.push(..._exceptions(file('exceptions.csv'), outcome.exceptions, day));
    diffs.push(...checkState(dirs.outDir, outcome.state, day));

    // §7.5: the network after the day, and with the day's held file on top.
    diffs.push(...applyFeed(network, outbound, `D${day}/outbound.csv`, warnings).map((d) => ({ ...d, day })));
    diffs.push(...compareNetwork(network, _expected(outcome.state, false, warnings), 'replay').map((d) => ({ ...d, day })));
    const withHeld: Network = new Map(network);
    diffs.push(...applyFeed(withHeld, held, `D${day}/04_held.csv`, warnings).map((d) => ({ ...d, day })));
    diffs.push(...compareNetwork(withHeld, _expected(outcome.state, true, warnings), 'replay-held').map((d) => ({ ...d, day })));
    state = outcome.state;
  }

  if (options.fullParticipationFile !== undefined) {
    const day = options.days.length;
    const full = readFeed(options.fullParticipationFile);
    diffs.push(...feedFormat(options.fullParticipationFile, '07_full_participation.csv', full).map((d) => ({ ...d, day })));
    diffs.push(...compareRecords({ check: 'full-participation', day, file: '07_full_participation.csv' }, _unowned(full), state.held));
    diffs.push(...applyFeed(network, full, '07_full_participation.csv', warnings).map((d) => ({ ...d, day })));
    diffs.push(...compareNetwork(network, _expected(state, true, warnings), 'replay-full').map((d) => ({ ...d, day })));
  }

  const max = options.maxDifferences ?? 200;
  return { ok: diffs.length === 0, differences: diffs.slice(0, max), truncated: Math.max(0, diffs.length - max), warnings, days };
}

/** The network SPEC §7.5 expects: present persons' latest values, the listed ones only `withListed`. */
function _expected(state: DailyState, withListed: boolean, warnings: string[]): Network {
  const standings = [...state.registry]
    .filter(([p, r]) => r.present && (withListed || !state.listed.has(p)))
    .map(([, r]) => ({ juminhyoCode: r.juminhyoCode, values: r.values }));
  return networkOf(standings, warnings);
}

function _unowned(records: readonly FeedRecord[]): (FeedRecord & { personId: string })[] {
  return records.map((r) => ({ ...r, personId: '' }));
}

/** A day's exceptions, row by row, in processing order. */
function _exceptions(path: string, want: readonly DailyException[], day: number): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  let got;
  try {
    got = readDailyExceptions(path);
  } catch (err) {
    return [{ check: 'exceptions', day, kind: 'format', detail: (err as Error).message }];
  }
  if (got.length !== want.length) out.push({ check: 'exceptions', day, kind: 'count', detail: `exceptions.csv: ${got.length} rows, expected ${want.length}` });
  for (let i = 0; i < Math.min(got.length, want.length) && out.length <= 10; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const differ = (['personId', 'event', 'at', 'reason'] as const).filter((f) => g[f] !== w[f]);
    if (differ.length > 0) {
      out.push({
        check: 'exceptions', day, kind: 'value', personId: w.personId, field: differ.join(','),
        detail: `exceptions.csv:${g.line}: expected person ${w.personId} ${w.event} ${w.at} ${w.reason}, got person ${g.personId} ${g.event} ${g.at} ${g.reason}`,
      });
    }
  }
  return out;
}
