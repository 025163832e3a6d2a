/**
 * Checks a run's `state/` folder (SPEC §7.1) against the model's state: the window, the
 * registry and the list by person_id and field, the held records one by one. Differences name
 * persons, codes and fields, never a personal value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEED_COLUMNS, readSinkFile } from './csv-files.ts';
import type { DailyState } from './daily-model.ts';
import type { ReplayDifference } from './network.ts';
import { compareRecords } from './record-compare.ts';
import type { ReadRecord } from './record-compare.ts';

const PER_FILE = 10;
const REGISTRY_COLUMNS = ['person_id', 'present', 'juminhyo_code', 'name', 'name_kana', 'birth_date', 'sex', 'address'];
const HELD_COLUMNS = ['seq', 'person_id', ...FEED_COLUMNS.slice(1)];

/** Every difference between `outDir/state/` and `state`; `day` tags them (0: the setup). */
export function checkState(outDir: string, state: DailyState, day: number): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  const base = { check: 'state', day };
  const read = (name: string, header: readonly string[]): string[][] | null => {
    const path = join(outDir, 'state', name);
    if (!existsSync(path)) {
      out.push({ ...base, kind: 'missing', detail: `state/${name} is missing` });
      return null;
    }
    if (readFileSync(path).includes(13)) out.push({ ...base, kind: 'format', detail: `state/${name}: has a CR; sinks end lines with LF` });
    const file = readSinkFile(path);
    if (file.header.join(',') !== header.join(',')) {
      out.push({ ...base, kind: 'format', detail: `state/${name}:1: header is not ${header.join(',')}` });
      return null;
    }
    return file.rows;
  };

  const window = read('window.csv', ['until']);
  if (window !== null && (window.length !== 1 || window[0]![0] !== state.until)) {
    out.push({ ...base, kind: 'value', field: 'until', detail: `state/window.csv: until is ${window.map((r) => r[0]).join(' ')}, expected ${state.until}` });
  }

  const registry = read('registry.csv', REGISTRY_COLUMNS);
  if (registry !== null) {
    out.push(..._byPerson('registry.csv', registry, REGISTRY_COLUMNS, day, (p) => {
      const r = state.registry.get(p);
      if (r === undefined) return undefined;
      const v = r.values;
      return [p, String(r.present), r.juminhyoCode, v.name, v.nameKana, v.birthDate, v.sex, v.address];
    }, state.registry.keys()));
  }

  const listed = read('listed.csv', ['person_id', 'since']);
  if (listed !== null) {
    out.push(..._byPerson('listed.csv', listed, ['person_id', 'since'], day, (p) => {
      const since = state.listed.get(p);
      return since === undefined ? undefined : [p, since];
    }, state.listed.keys()));
  }

  const held = read('held.csv', HELD_COLUMNS);
  if (held !== null) {
    const records: ReadRecord[] = held.map((r, i) => ({
      line: i + 2, seq: r[0]!, personId: r[1]!, juminhyoCode: r[2]!, previousJuminhyoCode: r[3]!, eventCode: r[4]!, eventDate: r[5]!,
      name: r[6]!, nameKana: r[7]!, birthDate: r[8]!, sex: r[9]!, address: r[10]!,
    }));
    const badSeq = records.find((r, i) => r.seq !== String(i + 1));
    if (badSeq !== undefined) out.push({ ...base, kind: 'order', detail: `state/held.csv:${badSeq.line}: seq is ${badSeq.seq}, expected ${badSeq.line - 1}` });
    out.push(...compareRecords({ check: 'state', day, file: 'state/held.csv' }, records, state.held, true));
  }
  return out;
}

/** Rows keyed by person_id, ascending, against the model's rows; fields named by column. */
function _byPerson(
  name: string, rows: readonly string[][], columns: readonly string[], day: number,
  expected: (personId: string) => string[] | undefined, persons: Iterable<string>,
): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  const base = { check: 'state', day };
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    if (out.length >= PER_FILE) return;
    const p = row[0]!;
    const line = i + 2;
    if (i > 0 && !(rows[i - 1]![0]! < p)) out.push({ ...base, kind: 'order', personId: p, detail: `state/${name}:${line}: person_id not ascending` });
    seen.add(p);
    const want = expected(p);
    if (want === undefined) {
      out.push({ ...base, kind: 'unexpected', personId: p, detail: `state/${name}:${line}: person ${p} is not expected` });
      return;
    }
    const differ = columns.filter((_, c) => row[c] !== want[c]);
    if (differ.length > 0) out.push({ ...base, kind: 'value', personId: p, field: differ.join(','), detail: `state/${name}:${line}: person ${p}: ${differ.join(', ')} differ` });
  });
  for (const p of persons) {
    if (out.length >= PER_FILE) break;
    if (!seen.has(p)) out.push({ ...base, kind: 'missing', personId: p, detail: `state/${name}: lacks person ${p}` });
  }
  return out;
}
