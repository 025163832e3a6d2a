const LF = 0x0a;
const QUOTE = 0x22;

const FIELD_START = 0;
const UNQUOTED = 1;
const IN_QUOTE = 2;
const QUOTE_IN_QUOTE = 3;

/**
 * Finds where records end in a CSV file's raw bytes, so that the file can be cut into chunks that
 * worker threads read alone: an LF outside a quoted field, by the rules of {@link scanRecords} (a
 * quote opens a quoted field only at the start of a field, `""` inside one is a quote). It reads
 * bytes, not characters: LF, `"` and the delimiters `,` `;` and tab are never part of a multi-byte
 * character in UTF-8 or CP932 (only `|` can be a CP932 trail byte: see {@link canCut}). It jumps
 * from quote to quote with native searches, so a chunk costs a few searches per quoted field.
 */
export class RecordCutter {
  readonly #delimiter: number;
  /** The state after the last byte scanned. */
  #state = FIELD_START;

  constructor(delimiter: string) {
    this.#delimiter = delimiter.charCodeAt(0);
  }

  /** Whether a file of this encoding and delimiter can be cut by bytes. */
  static canCut(encoding: string, delimiter: string): boolean {
    return !(encoding === 'cp932' && delimiter === '|');
  }

  /**
   * Scans `bytes` from `from` on, where the previous scan left off; returns the offset just past the
   * last record end found there, or -1 when none is.
   */
  scan(bytes: Uint8Array, from: number): number {
    let state = this.#state;
    let p = from;
    let last = -1;
    const n = bytes.length;
    for (;;) {
      const q = bytes.indexOf(QUOTE, p);
      const end = q < 0 ? n : q;
      if (state === IN_QUOTE) {
        if (q < 0) break;
        state = QUOTE_IN_QUOTE;
        p = q + 1;
        continue;
      }
      // [p, end) holds no quote and lies outside quoted fields (a closing quote's field ends at p).
      if (end > p) {
        const lf = bytes.subarray(p, end).lastIndexOf(LF);
        if (lf >= 0) last = p + lf + 1;
      }
      const before = end > p ? this.#after(bytes[end - 1]!) : state;
      if (q < 0) {
        state = before;
        break;
      }
      state = before === UNQUOTED ? UNQUOTED : IN_QUOTE;
      p = q + 1;
    }
    this.#state = state;
    return last;
  }

  /** The offset just past the first record's end in `bytes` (the file's first bytes), or -1 when it does not end there. */
  first(bytes: Uint8Array): number {
    let state = FIELD_START;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (state === IN_QUOTE) {
        if (c === QUOTE) state = QUOTE_IN_QUOTE;
      } else if (c === LF) return i + 1;
      else if (c === QUOTE) state = state === UNQUOTED ? UNQUOTED : IN_QUOTE;
      else state = this.#after(c);
    }
    return -1;
  }

  /** The state after a byte that is not a quote, outside quoted fields. */
  #after(byte: number): number {
    return byte === LF || byte === this.#delimiter ? FIELD_START : UNQUOTED;
  }
}
