/**
 * A plain-TypeScript reference of every file SPEC §7 says the setup and the daily runs write
 * (the feeds, the exceptions and the state), from the model in `daily-model.ts`: a
 * byte-for-byte oracle for the pipelines' files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FEED_COLUMNS, readHistory, readList, readListEvents } from './csv-files.ts';
import { runDay, setupState } from './daily-model.ts';
import type { DailyRecord, DailyState, DayInput, DayOutcome } from './daily-model.ts';
import { writeReferenceSetup } from './reference-setup.ts';
import { csvText } from './sink-format.ts';

/** One day: its inputs' folder, its `until`, and the folder its outputs go to. */
export interface DayDirs {
  readonly dataDir: string;
  readonly until: string;
  readonly outDir: string;
}

/** The setup's inputs and parameters, and the days after it. */
export interface DailyOptions {
  readonly historyFile: string;
  readonly listFile: string;
  /** The setup's `out_dir`. */
  readonly setupOutDir: string;
  readonly days: readonly DayDirs[];
  /** Default `2002-08-05 00:00:00`. */
  readonly asOf?: string;
  /** Default `2003-04-10`. */
  readonly actionDate?: string;
  /** The setup's `until`, default `2003-04-10 00:00:00`. */
  readonly until?: string;
  /** Also write `07_full_participation.csv` here: the last held file renumbered (§5). */
  readonly fullParticipationFile?: string;
}

const HELD_COLUMNS = ['seq', 'person_id', ...FEED_COLUMNS.slice(1)];

/** The model's setup state from the setup's input files. */
export async function loadSetupState(options: DailyOptions): Promise<DailyState> {
  return setupState(await readHistory(options.historyFile), readList(options.listFile), {
    asOf: options.asOf ?? '2002-08-05 00:00:00',
    actionDate: options.actionDate ?? '2003-04-10',
    until: options.until ?? '2003-04-10 00:00:00',
  });
}

/** A day's inputs from its folder. */
export async function loadDay(day: DayDirs): Promise<DayInput> {
  return {
    changes: await readHistory(join(day.dataDir, 'changes.csv')),
    listEvents: readListEvents(join(day.dataDir, 'list_events.csv')),
    until: day.until,
  };
}

/** Writes every file of the setup (§4, §7.1) and of each day (§7.4), but no manifest. */
export async function writeReferenceDaily(options: DailyOptions): Promise<void> {
  await writeReferenceSetup({ ...options, outDir: options.setupOutDir, fullParticipationFile: undefined });
  let state = await loadSetupState(options);
  _write(options.setupOutDir, stateFiles(state));
  for (const day of options.days) {
    const outcome = runDay(state, await loadDay(day));
    _write(day.outDir, dayFiles(outcome));
    state = outcome.state;
  }
  if (options.fullParticipationFile !== undefined) {
    mkdirSync(dirname(options.fullParticipationFile), { recursive: true });
    writeFileSync(options.fullParticipationFile, feedText(state.held));
  }
}

/** The files of `state/` (§7.1), by path relative to the run's `out_dir`. */
export function stateFiles(state: DailyState): Record<string, string> {
  const registry = [...state.registry].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, r]) => [
    p, String(r.present), r.juminhyoCode, r.values.name, r.values.nameKana, r.values.birthDate, r.values.sex, r.values.address,
  ]);
  const listed = [...state.listed].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    'state/window.csv': csvText(['until'], [[state.until]]),
    'state/registry.csv': csvText(['person_id', 'present', 'juminhyo_code', 'name', 'name_kana', 'birth_date', 'sex', 'address'], registry),
    'state/listed.csv': csvText(['person_id', 'since'], listed),
    'state/held.csv': csvText(HELD_COLUMNS, state.held.map((r, i) => [String(i + 1), r.personId, ..._feedFields(r)])),
  };
}

/** Every file a day's run writes (§7.4) but its manifest, by path relative to its `out_dir`. */
export function dayFiles(outcome: DayOutcome): Record<string, string> {
  return {
    'outbound.csv': feedText(outcome.outbound),
    'exceptions.csv': csvText(['person_id', 'event', 'at', 'reason'], outcome.exceptions.map((x) => [x.personId, x.event, x.at, x.reason])),
    '04_held.csv': feedText(outcome.state.held),
    ...stateFiles(outcome.state),
  };
}

/** A feed file (§4.4): `seq` 1…n in the records' order, no person_id. */
export function feedText(records: readonly DailyRecord[]): string {
  return csvText(FEED_COLUMNS, records.map((r, i) => [String(i + 1), ..._feedFields(r)]));
}

function _feedFields(r: DailyRecord): string[] {
  return [r.juminhyoCode, r.previousJuminhyoCode, r.eventCode, r.eventDate, r.name, r.nameKana, r.birthDate, r.sex, r.address];
}

function _write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}
