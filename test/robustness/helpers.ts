/**
 * Shared helpers of the robustness tests (test/robustness): the sample registry as rows, the
 * personal values a message must never hold, and exact snapshots of folders.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { warekiToIso } from '../support/wareki.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SAMPLE = path.join(ROOT, 'data', 'sample');
export const FLAGSHIP = path.join(ROOT, 'pipeline.yaml');
export const BIN = path.join(ROOT, 'bin', 'etl.js');
/** Every file the flagship's setup writes, relative to its out_dir: five feeds, the state of SPEC §7.1, the manifest and the report. */
export const FLAGSHIP_OUTPUTS = [
  '01_deletions.csv', '02_entries.csv', '03_outbound.csv', '04_held.csv', 'exceptions.csv', 'manifest.json', 'report.html',
  'state/held.csv', 'state/listed.csv', 'state/registry.csv', 'state/window.csv',
];
/** {@link FLAGSHIP_OUTPUTS} as {@link snapshotDir} lists them: with the folder they are in. */
export const FLAGSHIP_TREE = [...FLAGSHIP_OUTPUTS, 'state/'];
/** What an out_dir holds directly after the setup. */
export const FLAGSHIP_TOP = [...new Set(FLAGSHIP_OUTPUTS.map((f) => f.split('/')[0]!))];

export const HISTORY_COLUMNS = ['seq', 'person_id', 'juminhyo_code', 'event_code', 'event_date', 'processed_at', 'name', 'name_kana', 'birth_date', 'sex', 'address'] as const;
/** The columns of history.csv whose values are personal (SPEC §2: name, kana, address, birth date). */
export const PERSONAL_COLUMNS = ['name', 'name_kana', 'birth_date', 'address'] as const;

/** The raw bytes of the sample's two input files. */
export function sampleBytes(): { history: Buffer; nn: Buffer } {
  return { history: fs.readFileSync(path.join(SAMPLE, 'history.csv')), nn: fs.readFileSync(path.join(SAMPLE, 'non_notification.csv')) };
}

/**
 * Splits a file into its lines, each with its own line ending (so `Buffer.concat` gives the file
 * back). Good enough for the sample, whose quoted fields hold no line break.
 */
export function splitLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      lines.push(buf.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < buf.length) lines.push(buf.subarray(start));
  return lines;
}

/** Splits one decoded CSV line into its fields (RFC 4180 quotes), without its line ending. */
export function parseCsvLine(text: string): string[] {
  const s = text.replace(/\r?\n$/u, '');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) break;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += s[i++];
      }
      while (i < s.length && s[i] !== ',') field += s[i++];
    } else {
      while (i < s.length && s[i] !== ',') field += s[i++];
    }
    fields.push(field);
    if (i >= s.length) return fields;
    i++; // the comma
  }
}

/** Writes fields back as one CSV line (quoting only where needed), without a line ending. */
export function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/u.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}

/** One history row of the sample, decoded, keyed by column. */
export type HistoryFields = Record<(typeof HISTORY_COLUMNS)[number], string>;

export function decodeHistoryLine(line: Buffer): HistoryFields {
  const fields = parseCsvLine(iconv.decode(line, 'cp932'));
  return Object.fromEntries(HISTORY_COLUMNS.map((c, i) => [c, fields[i] ?? ''])) as HistoryFields;
}

export function encodeHistoryLine(row: HistoryFields): Buffer {
  return iconv.encode(`${csvLine(HISTORY_COLUMNS.map((c) => row[c]))}\r\n`, 'cp932');
}

/**
 * Every form in which a row's personal values could leak: the name, kana and address whole and
 * their parts of two characters or more (family and given names, split at the full-width or
 * ASCII space), and the birth date as written (wareki `GYYMMDD`) and in ISO form.
 */
export function personalValuesOf(row: Partial<HistoryFields>): string[] {
  const values = new Set<string>();
  for (const col of ['name', 'name_kana', 'address'] as const) {
    const v = row[col];
    if (!v) continue;
    values.add(v);
    for (const part of v.split(/[\u3000 ]/u)) if ([...part].length >= 2) values.add(part);
  }
  const birth = row.birth_date;
  if (birth) {
    values.add(birth);
    const iso = warekiToIso(birth, { partial: true });
    // A bare year (`1914`) is too short to tell from a count or a line number; the other
    // forms (`1910-05`, `1912-07-30`) are unambiguous.
    if (iso && iso.length > 4) values.add(iso);
    if (iso && iso.length === 10) values.add(iso.replaceAll('-', '/'));
  }
  return [...values];
}

/** Every personal value of every row of the sample's history.csv. */
export function samplePersonalValues(): string[] {
  const lines = splitLines(sampleBytes().history).slice(1);
  return [...new Set(lines.flatMap((l) => personalValuesOf(decodeHistoryLine(l))))];
}

/** The personal values (from `values`) that `text` contains. */
export function leaksIn(text: string, values: readonly string[]): string[] {
  return values.filter((v) => text.includes(v));
}

/**
 * Every file under `dir`, hidden ones included, as relative path → bytes; folders appear as
 * `path/` → empty, so an empty folder left behind shows too.
 */
export function snapshotDir(dir: string): Map<string, Buffer> {
  const snap = new Map<string, Buffer>();
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = `${prefix}${e.name}`;
      if (e.isDirectory()) {
        snap.set(`${rel}/`, Buffer.alloc(0));
        walk(path.join(d, e.name), `${rel}/`);
      } else {
        snap.set(rel, fs.readFileSync(path.join(d, e.name)));
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return snap;
}

/** A readable difference between two snapshots ('' when they are equal). */
export function diffSnapshots(before: Map<string, Buffer>, after: Map<string, Buffer>): string {
  const out: string[] = [];
  for (const [k, v] of before) {
    if (!after.has(k)) out.push(`removed: ${k}`);
    else if (!after.get(k)!.equals(v)) out.push(`changed: ${k}`);
  }
  for (const k of after.keys()) if (!before.has(k)) out.push(`added: ${k}`);
  return out.join('\n');
}

/** Restores `dir` to exactly `snap` (files with mode 0600). */
export function restoreDir(dir: string, snap: Map<string, Buffer>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, bytes] of snap) {
    if (rel.endsWith('/')) fs.mkdirSync(path.join(dir, rel), { recursive: true });
    else fs.writeFileSync(path.join(dir, rel), bytes, { mode: 0o600 });
  }
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A Node stack frame line (`    at fn (file:1:2)`), the sign of an uncaught error. */
export const STACK_FRAME = /^\s+at .+(\(|:\d+:\d+)/mu;

/**
 * Text of a manifest with what is not data masked: SHA-256 digests and the `run` field's
 * timestamps (random hex or a clock could spell a date or a number by chance).
 */
export function maskManifestNoise(text: string): string {
  return text.replace(/[0-9a-f]{64}/gu, '<sha256>').replace(/"\d{4}-\d\d-\d\dT[^"]*"/gu, '"<time>"');
}

/**
 * Links the flagship's own files (types/, transforms/, reference/) into `dir`, so a pipeline
 * written there (a variant of the flagship) resolves them as the flagship does.
 */
export function linkFlagshipFiles(dir: string): void {
  for (const name of ['types', 'transforms', 'reference']) fs.symlinkSync(path.join(ROOT, name), path.join(dir, name));
}

/** The flagship's pipeline text with `edit` applied; throws when the edit matched nothing. */
export function flagshipVariant(edit: (text: string) => string): string {
  const text = fs.readFileSync(FLAGSHIP, 'utf8');
  const changed = edit(text);
  if (changed === text) throw new Error('the flagship variant changed nothing: pipeline.yaml no longer has what the test expects');
  return changed;
}
