import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import iconv from 'iconv-lite';
import { scanRecords } from '../csv/text-records.ts';
import { rebuildType, type TypeRecipe } from '../types/type-recipe.ts';
import { RecordChecker, type RecordProblem } from './record-check.ts';

/** What a worker is told once, before its first chunk. */
export interface CheckSetup {
  readonly columns: readonly { name: string; recipe: TypeRecipe; options: Record<string, unknown>; required: boolean }[];
  readonly header: readonly string[];
  readonly delimiter: string;
  readonly encoding: 'utf-8' | 'cp932';
  readonly maxRecordBytes: number;
  /** Each row's line (counted from the chunk's start) is written after its values. */
  readonly withLine: boolean;
  /** Where the primary key's columns sit among the declared ones (empty: no key to watch). */
  readonly keyAt: readonly number[];
  /** Invalid rows are kept for the rejects file with their fields (else only their problems). */
  readonly rejects: boolean;
}

/** A chunk of whole records, and the file its checked rows go to. */
export interface ChunkJob {
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly out: string;
}

/** What checking a chunk found; lines are counted from the chunk's start (its first line is 1). */
export interface ChunkResult {
  readonly index: number;
  /** Records read (not the header). */
  readonly read: number;
  /** Rows written to the chunk's file. */
  readonly rows: number;
  /** LF bytes in the chunk: how many lines it spans. */
  readonly lines: number;
  /** Each invalid record: its line, its problems, and its fields when it could be split (for rejects). */
  readonly invalid: { line: number; problems: RecordProblem[]; fields?: string[] }[];
  /** The key values of the rows written, one after the other (for the main thread's KeyWatch). */
  readonly keys: (string | null)[];
  /** The chunk holds a record past the limit, at this line: nothing after it was read. */
  readonly tooLong?: { line: number; kind: 'record' | 'quoted' };
}

let setup: CheckSetup | undefined;
let checker: RecordChecker | undefined;

parentPort!.on('message', (message: { setup: CheckSetup } | ChunkJob) => {
  if ('setup' in message) {
    setup = message.setup;
    const columns = setup.columns.map((c) => ({ name: c.name, type: rebuildType(c.recipe), options: c.options, required: c.required }));
    checker = new RecordChecker(columns, setup.header, setup.delimiter, setup.encoding);
    parentPort!.postMessage({ ready: true });
    return;
  }
  // The error's code goes along: a full disk (ENOSPC) is said as such, not as a bug.
  void check(message).then((result) => parentPort!.postMessage(result), (e: unknown) => parentPort!.postMessage({ index: message.index, error: (e as Error)?.stack ?? String(e), code: (e as { code?: unknown })?.code }));
});

async function check(job: ChunkJob): Promise<ChunkResult> {
  const s = setup!;
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  // Decoded strictly, as decodeRegions does: a U+FFFD marks invalid bytes (a UTF-8 one only when the bytes are not valid UTF-8).
  const text = s.encoding === 'cp932' ? iconv.decode(bytes, 'cp932') : bytes.toString('utf8');
  const strict = s.encoding === 'cp932' || !isUtf8(bytes);
  let lines = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) lines++;
  const invalid: ChunkResult['invalid'] = [];
  const keys: (string | null)[] = [];
  let out = '';
  let read = 0;
  let rows = 0;
  let tooLong: ChunkResult['tooLong'];
  const c = checker!;
  const regions = (async function* () {
    yield { text, strict };
  })();
  scan: for await (const records of scanRecords(regions, { delimiter: s.delimiter, maxRecordBytes: s.maxRecordBytes, encoding: s.encoding })) {
    for (const raw of records) {
      if (raw.tooLong) {
        tooLong = { line: raw.line, kind: raw.tooLong };
        break scan;
      }
      read++;
      if (!c.check(raw)) {
        invalid.push(s.rejects ? { line: raw.line, problems: c.problems, fields: c.fields } : { line: raw.line, problems: c.problems });
        continue;
      }
      const values = c.values;
      for (let k = 0; k < s.keyAt.length; k++) keys.push(values[s.keyAt[k]!]!);
      let row = '';
      for (let k = 0; k < values.length; k++) {
        const v = values[k];
        const field = v === null || v === undefined ? '' : quote(v);
        row += k === 0 ? field : `,${field}`;
      }
      out += s.withLine ? `${row},${raw.line}\n` : `${row}\n`;
      rows++;
    }
  }
  fs.writeFileSync(job.out, out, { mode: 0o600 });
  return { index: job.index, read, rows, lines, invalid, keys, ...(tooLong ? { tooLong } : {}) };
}

const NEEDS_QUOTES = /[,"\r\n]/;

function quote(v: string): string {
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
