import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { decodeCp932 } from '../csv/decode.ts';
import { isMalformed, splitFields } from '../csv/split-fields.ts';
import { displayPath, EtlError } from '../errors.ts';
import { guessColumn, type GuessedColumn } from './guess-types.ts';

/** How much of a file is read to guess: enough rows to see every kind of value, never the whole file. */
const SAMPLE_BYTES = 4 * 1024 * 1024;
const DELIMITERS = [',', '\t', ';', '|'];
const DOMAIN_MODULES: Record<string, string> = { wareki_date: 'types/wareki-date.ts', juminhyo_code: 'types/juminhyo-code.ts' };

/** What `etl guess` found, and the `sources:` block it prints. */
export interface Guess {
  readonly encoding: 'utf-8' | 'cp932';
  readonly lineEnding: 'CRLF' | 'LF';
  readonly delimiter: string;
  readonly header: boolean;
  readonly rowsSampled: number;
  readonly columns: readonly GuessedColumn[];
}

/** Detects encoding, line endings, delimiter, header and a type per column from the file's beginning. */
export function guessFile(file: string): Guess {
  let bytes: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    bytes = Buffer.alloc(SAMPLE_BYTES);
    bytes = bytes.subarray(0, fs.readSync(fd, bytes, 0, SAMPLE_BYTES, 0));
    fs.closeSync(fd);
  } catch (e) {
    throw new EtlError('invalid', [{ pos: { file }, message: `cannot read the file (${(e as NodeJS.ErrnoException).code})` }]);
  }
  const whole = bytes.length < SAMPLE_BYTES;
  // A cut in the middle of the sample must not make the last line (or character) look broken.
  if (!whole) bytes = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let encoding: Guess['encoding'] = 'utf-8';
  let text: string;
  if (bom || isUtf8(bytes)) text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  else {
    const decoded = decodeCp932(bytes);
    if ('badAt' in decoded) throw new EtlError('failed', [{ pos: { file }, message: 'the file is neither UTF-8 nor CP932' }]);
    encoding = 'cp932';
    text = decoded.text;
  }
  const lineEnding = /\r\n/.test(text.slice(0, 65536)) ? 'CRLF' : 'LF';
  const lines = text.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1).slice(0, 10_000);
  if (lines.length === 0) throw new EtlError('failed', [{ pos: { file }, message: 'the file is empty' }]);
  const delimiter = DELIMITERS.map((d) => ({ d, counts: lines.slice(0, 50).map((l) => l.split(d).length - 1) }))
    .filter(({ counts }) => counts[0]! > 0 && counts.every((c) => c === counts[0]))
    .sort((a, b) => b.counts[0]! - a.counts[0]!)[0]?.d ?? ',';
  // Quoted fields may hold line breaks: split records properly, from the text.
  const records = recordsOf(text, delimiter).slice(0, 10_000);
  const first = records[0]!;
  const rest = records.slice(1);
  const header = looksLikeHeader(first, rest);
  const names = header ? first : first.map((_, i) => `column_${i + 1}`);
  const body = header ? rest : records;
  const columns = names.map((name, i) => guessColumn(name, body.map((r) => r[i] ?? '')));
  return { encoding, lineEnding, delimiter, header, rowsSampled: body.length, columns };
}

function recordsOf(text: string, delimiter: string): string[][] {
  const out: string[][] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if ((c === '\n' || i === text.length) && !quoted) {
      const line = text.slice(start, i).replace(/\r$/, '');
      start = i + 1;
      if (line === '' && i === text.length) continue;
      const fields = splitFields(line, delimiter);
      if (!isMalformed(fields)) out.push(fields.values);
    }
  }
  return out;
}

/** A first row is a header when its names are distinct, not empty, and not values like the rows below. */
function looksLikeHeader(first: readonly string[], rest: readonly string[][]): boolean {
  if (first.some((f) => f === '') || new Set(first).size !== first.length) return false;
  if (rest.length === 0) return true;
  return first.some((name, i) => {
    const column = guessColumn('x', rest.map((r) => r[i] ?? ''));
    return column.type !== 'text' && guessColumn('x', [name]).type !== column.type;
  }) || first.every((name) => /^[A-Za-z_][\w ]*$/.test(name));
}

/** The ready `types:` and `sources:` blocks for a pipeline file. */
export function renderGuess(file: string, g: Guess): string {
  const id = path.basename(file, path.extname(file)).toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^([^a-z_])/, '_$1');
  const lines = [
    `# guessed by etl from ${displayPath(file)}: ${g.encoding}, ${g.lineEnding}, ${g.delimiter === '\t' ? 'tab' : `"${g.delimiter}"`}-separated, ${g.header ? 'a header row' : 'NO header row'}, ${g.rowsSampled} rows sampled`,
  ];
  if (!g.header) lines.push('# etl needs a header row: add one with these names (or better ones) before running');
  const domain = [...new Set(g.columns.map((c) => c.type))].filter((t) => t in DOMAIN_MODULES);
  if (domain.length) {
    lines.push('types:');
    for (const t of domain) lines.push(`  ${t}: { ts: ${DOMAIN_MODULES[t]} }    # shipped with etl; copy it beside your pipeline`);
  }
  lines.push('sources:', `  ${id}:`, `    file: ${displayPath(file)}`);
  if (g.encoding !== 'utf-8') lines.push(`    encoding: ${g.encoding}`);
  if (g.delimiter !== ',') lines.push(`    delimiter: ${JSON.stringify(g.delimiter)}`);
  lines.push('    columns:');
  for (const c of g.columns) {
    const key = /^[A-Za-z_][\w]*$/.test(c.name) ? c.name : JSON.stringify(c.name);
    const extras = [...Object.entries(c.options).map(([k, v]) => `${k}: ${v}`), ...(c.required ? ['required: true'] : [])];
    lines.push(`      ${key}: ${extras.length ? `{ type: ${c.type}, ${extras.join(', ')} }` : c.type}`);
  }
  return `${lines.join('\n')}\n`;
}
