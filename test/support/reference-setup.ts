/**
 * A plain-TypeScript reference of the setup's outputs (SPEC §4.3–§4.4, §5), built from the
 * same independent reading the replay check uses. It lets tests exercise the check on
 * generated registries without the engine, and gives a byte-for-byte oracle for the
 * pipeline's files on any registry.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEED_COLUMNS, readHistory, readList } from './csv-files.ts';
import type { NetworkValues } from './csv-files.ts';
import { expectSetup } from './registry-model.ts';

/** Inputs, output folder and parameters of a reference setup run. */
export interface ReferenceOptions {
  readonly historyFile: string;
  readonly listFile: string;
  readonly outDir: string;
  readonly asOf?: string;
  readonly actionDate?: string;
  /** Also write `07_full_participation.csv` here (the held file renumbered). */
  readonly fullParticipationFile?: string;
}

interface Row extends NetworkValues {
  readonly juminhyoCode: string;
  readonly previousJuminhyoCode: string;
  readonly eventCode: string;
  readonly eventDate: string;
}

/** Writes `01_deletions.csv` … `exceptions.csv` (no manifest) as SPEC §4 defines them. */
export async function writeReferenceSetup(options: ReferenceOptions): Promise<void> {
  const want = expectSetup(await readHistory(options.historyFile), readList(options.listFile), options.asOf ?? '2002-08-05 00:00:00');
  const actionDate = options.actionDate ?? '2003-04-10';
  const standing = want.targets.map((p) => want.snapshot.get(p)!).sort((a, b) => (a.juminhyoCode < b.juminhyoCode ? -1 : 1));
  const asEvent = (eventCode: string): Row[] =>
    standing.map((s) => ({ ...s.values, juminhyoCode: s.juminhyoCode, previousJuminhyoCode: '', eventCode, eventDate: actionDate }));
  const entries = asEvent('13');
  const held = [...entries, ...want.heldChanges];
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, '01_deletions.csv'), feedText(asEvent('23')));
  writeFileSync(join(options.outDir, '02_entries.csv'), feedText(entries));
  writeFileSync(join(options.outDir, '03_outbound.csv'), feedText(want.outbound));
  writeFileSync(join(options.outDir, '04_held.csv'), feedText(held));
  const exceptions = want.exceptions.map((x) => `${x.personId},${x.requestedOn},${x.reason}\n`).join('');
  writeFileSync(join(options.outDir, 'exceptions.csv'), `person_id,requested_on,reason\n${exceptions}`);
  if (options.fullParticipationFile !== undefined) writeFileSync(options.fullParticipationFile, feedText(held));
}

/** A feed file's text: header, `seq` 1…n, LF, quoting only where needed (SPEC §3). */
export function feedText(rows: readonly Row[]): string {
  const lines = rows.map((r, i) =>
    [String(i + 1), r.juminhyoCode, r.previousJuminhyoCode, r.eventCode, r.eventDate, r.name, r.nameKana, r.birthDate, r.sex, r.address]
      .map(_field)
      .join(','),
  );
  return [FEED_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

function _field(s: string): string {
  return /[",\r\n]/u.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
