import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { cp932Text } from '../csv/decode.ts';
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
  /** The key is one integer column: its values go back as numbers, not as text (see {@link ChunkResult.keys}). */
  readonly integerKey: boolean;
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
  /**
   * The key values of the rows written, one after the other (for the main thread's KeyWatch); for
   * an integer key, each as a number (NaN for NULL), in a buffer that moves to the main thread
   * instead of being copied string by string.
   */
  readonly keys: (string | null)[] | Float64Array;
  /** The chunk holds a record past the limit, at this line: nothing after it was read. */
  readonly tooLong?: { line: number; kind: 'record' | 'quoted' };
}

/** Characters of a chunk's text scanned at a time: what a region's records and lines allocate dies young. */
const REGION_CHARS = Number(process.env['ETL_CHECK_REGION_CHARS']) || 1 << 18;

/** Checks chunks of one source; made once per worker thread (see `check-worker.mjs`). */
export class ChunkChecker {
  readonly #setup: CheckSetup;
  readonly #checker: RecordChecker;

  constructor(setup: CheckSetup) {
    this.#setup = setup;
    const columns = setup.columns.map((c) => ({ name: c.name, type: rebuildType(c.recipe), options: c.options, required: c.required }));
    this.#checker = new RecordChecker(columns, setup.header, setup.delimiter, setup.encoding);
    this.#checker.keep(setup.keyAt);
  }

  /**
   * Checks a chunk's records and writes its valid rows to `job.out`. The text is scanned and the
   * rows written a region at a time, so that the garbage collector finds most of what a region
   * allocated already dead (a whole chunk's records alive at once cost a fifth of the time in GC).
   */
  async check(job: ChunkJob): Promise<ChunkResult> {
    const s = this.#setup;
    const c = this.#checker;
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    // Decoded strictly, as decodeRegions does: a U+FFFD marks invalid bytes (a UTF-8 one only when the bytes are not valid UTF-8).
    const text = s.encoding === 'cp932' ? cp932Text(bytes) : bytes.toString('utf8');
    const strict = s.encoding === 'cp932' || !isUtf8(bytes);
    let lines = 0;
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) lines++;
    const invalid: ChunkResult['invalid'] = [];
    const keys: (string | null)[] = [];
    let numbers = s.integerKey ? new Float64Array(1 << 16) : undefined;
    let read = 0;
    let rows = 0;
    let tooLong: ChunkResult['tooLong'];
    const fast = c.fast;
    const fd = fs.openSync(job.out, 'w', 0o600);
    const out = new LineWriter(fd);
    try {
      scan: for await (const records of scanRecords(regionsOf(text, strict), { delimiter: s.delimiter, maxRecordBytes: s.maxRecordBytes, encoding: s.encoding })) {
        for (const raw of records) {
          if (raw.tooLong) {
            tooLong = { line: raw.line, kind: raw.tooLong };
            break scan;
          }
          read++;
          // A plain record is checked in its text; any doubt, and every other record, goes to the full check.
          let row = fast && raw.plain ? c.row(raw.text) : undefined;
          if (row === undefined) {
            if (!c.check(raw)) {
              invalid.push(s.rejects ? { line: raw.line, problems: c.problems, fields: c.fields } : { line: raw.line, problems: c.problems });
              continue;
            }
            // Most rows need no quoting, and many are their record's text as it stands (see RecordChecker).
            row = c.same ? raw.text : c.clean ? c.values.join(',') : quotedRow(c.values);
          }
          if (numbers) {
            if (rows === numbers.length) {
              const grown = new Float64Array(numbers.length * 2);
              grown.set(numbers);
              numbers = grown;
            }
            const key = c.values[s.keyAt[0]!];
            numbers[rows] = key === null || key === undefined ? NaN : Number(key);
          } else for (let k = 0; k < s.keyAt.length; k++) keys.push(c.values[s.keyAt[k]!]!);
          out.text(row);
          if (s.withLine) out.text(`,${raw.line}`);
          out.newline();
          rows++;
        }
      }
      out.flush();
    } finally {
      fs.closeSync(fd);
    }
    return { index: job.index, read, rows, lines, invalid, keys: numbers ? numbers.slice(0, rows) : keys, ...(tooLong ? { tooLong } : {}) };
  }
}

/** A chunk's text in regions of about {@link REGION_CHARS}, each cut after an LF where there is one. */
async function* regionsOf(text: string, strict: boolean): AsyncGenerator<{ text: string; strict: boolean }> {
  for (let start = 0; start < text.length; ) {
    let end = start + REGION_CHARS;
    if (end < text.length) {
      const lf = text.indexOf('\n', end);
      end = lf < 0 ? text.length : lf + 1;
    } else end = text.length;
    yield { text: text.slice(start, end), strict };
    start = end;
  }
}

/**
 * Text written to a file as UTF-8 through one buffer: encoding each row into it takes about a fifth
 * of the time of joining the rows into one string and writing that (which V8 must flatten first).
 */
class LineWriter {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(1 << 20);
  #at = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  text(s: string): void {
    // At most three bytes for each UTF-16 code unit.
    if (this.#at + 3 * s.length > this.#buffer.length) {
      this.flush();
      if (3 * s.length > this.#buffer.length) {
        fs.writeSync(this.#fd, s);
        return;
      }
    }
    this.#at += this.#buffer.write(s, this.#at);
  }

  newline(): void {
    if (this.#at === this.#buffer.length) this.flush();
    this.#buffer[this.#at++] = 0x0a;
  }

  flush(): void {
    for (let done = 0; done < this.#at; ) done += fs.writeSync(this.#fd, this.#buffer, done, this.#at - done);
    this.#at = 0;
  }
}

const NEEDS_QUOTES = /[,"\r\n]/;

/** A row's values as a CSV line, each quoted where it holds `,` `"` CR or LF (a NULL an empty field). */
function quotedRow(values: readonly (string | null)[]): string {
  let row = '';
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const field = v === null || v === undefined ? '' : NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
    row += k === 0 ? field : `,${field}`;
  }
  return row;
}
