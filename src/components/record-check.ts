import type { TextRecord } from '../csv/text-records.ts';
import { isMalformed, positionIn, splitFields, type Malformed } from '../csv/split-fields.ts';
import { textType } from '../types/builtin.ts';
import { invalidRule, isInvalid, type ColumnType, type TypeOptions } from '../types/column-type.ts';

/** A column as the checker needs it. */
export interface CheckedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly options: TypeOptions;
  readonly required: boolean;
}

/** One problem of a record, at its line and column, naming the rule (never the value). */
export interface RecordProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** A record's characters that a bulk format may have to escape. */
const SPECIAL = /[\\\t\n\r]/;
/** A value's characters that make SPEC §3 CSV quote it. */
const NEEDS_QUOTES = /[,"\r\n]/;

/**
 * Checks records of a CSV source field by field against the declared column types: the same
 * rules and messages on the main thread and in the worker threads that check a file in chunks.
 * After {@link check}, the record's values (or its problems) are in the checker's fields, which
 * are overwritten by the next record: nothing is allocated per valid record but its values.
 */
export class RecordChecker {
  readonly #columns: readonly CheckedColumn[];
  /** Where each declared column sits in the header. */
  readonly #indexes: readonly number[];
  readonly #width: number;
  readonly #delimiter: string;
  readonly #encoding: string;

  /** The checked values of the last valid record, one per declared column (null for an empty field). */
  readonly values: (string | null)[];
  /** The problems of the last invalid record, in column order. */
  problems: RecordProblem[] = [];
  /** The fields of the last record when it could be split (for the rejects file), else undefined. */
  fields: string[] | undefined;
  /** The last valid record's values hold no backslash, tab, CR or LF. */
  plain = true;
  /** The last valid record's values hold no `,` `"` CR or LF: none needs quoting in a CSV line. */
  clean = true;
  /** The last valid record's values, joined by `,`, are its text: each column's value is its field, as written. */
  same = true;
  /** The declared columns are the header's, in its order: a record's fields are its values' places. */
  readonly #inOrder: boolean;
  /** Per column: its type is text as written, so a field needs no parse (only a look at whether it is empty). */
  readonly #asWritten: readonly boolean[];
  /** Per column: {@link row} sets its value even when the field is text as written (a key's column). */
  readonly #kept: boolean[];

  constructor(columns: readonly CheckedColumn[], header: readonly string[], delimiter: string, encoding: string) {
    this.#columns = columns;
    this.#indexes = columns.map((c) => header.indexOf(c.name));
    this.#width = header.length;
    this.#delimiter = delimiter;
    this.#encoding = encoding;
    this.values = columns.map(() => null);
    this.#inOrder = this.#indexes.length === header.length && this.#indexes.every((at, k) => at === k);
    this.#asWritten = columns.map((c) => c.type === textType);
    this.#kept = columns.map(() => false);
  }

  /** {@link row} also sets the values of these columns (by their place among the declared ones). */
  keep(at: readonly number[]): void {
    for (const k of at) this.#kept[k] = true;
  }

  /** True when {@link row} may be tried: the declared columns are the header's, in order, split at commas. */
  get fast(): boolean {
    return this.#inOrder && this.#delimiter === ',';
  }

  /**
   * The fast path for a record that holds no quote, NUL, backslash, tab or lone CR (a plain
   * record): its checked row as a CSV line, or undefined when it has a problem or a value that
   * needs quoting — then {@link check} is what reads it, with the same rules. A field of a column
   * whose type is text as written is neither cut out nor parsed; the row is the record's own text
   * with only the values that differ from their field put in. Sets {@link values} for the columns
   * that parse and those given to {@link keep}; the others are left as they were.
   */
  row(text: string): string | undefined {
    const cols = this.#columns;
    const last = cols.length - 1;
    let out = '';
    let from = 0;
    let pos = 0;
    for (let k = 0; k <= last; k++) {
      let end = text.indexOf(',', pos);
      if (k === last) {
        if (end >= 0) return undefined;
        end = text.length;
      } else if (end < 0) return undefined;
      const col = cols[k]!;
      if (end === pos) {
        if (col.required) return undefined;
        this.values[k] = null;
      } else if (this.#asWritten[k]) {
        if (this.#kept[k]) this.values[k] = text.slice(pos, end);
      } else {
        const field = text.slice(pos, end);
        const parsed = col.type.parse(field, col.options);
        if (typeof parsed !== 'string') return undefined;
        if (parsed !== field) {
          if (NEEDS_QUOTES.test(parsed)) return undefined;
          out += text.slice(from, pos) + parsed;
          from = end;
        }
        this.values[k] = parsed;
      }
      pos = end + 1;
    }
    return from === 0 ? text : out + text.slice(from);
  }

  /** Checks one record (not the header, not one too long); true when it is valid. */
  check(raw: TextRecord): boolean {
    this.fields = undefined;
    if (raw.unclosed) return this.#fail(raw.line, 1, 'malformed CSV: a quoted field is never closed (it runs to the end of the file)');
    if (raw.badAt !== undefined) return this.#fail(raw.line, raw.badAt + 1, `bytes that are not valid ${this.#encoding}`);
    if (!raw.plain && raw.text.includes('\0')) {
      const at = positionIn(raw.text, raw.line, raw.text.indexOf('\0'));
      return this.#fail(at.line, at.col, 'a NUL byte');
    }
    // Without a quote the fields are the text between delimiters; only a quote needs the full reader.
    const split: Malformed | { values: string[]; starts?: number[] } = !raw.plain && raw.text.includes('"')
      ? splitFields(raw.text, this.#delimiter)
      : { values: raw.text.split(this.#delimiter) };
    if (isMalformed(split)) {
      const at = positionIn(raw.text, raw.line, split.at);
      return this.#fail(at.line, at.col, `malformed CSV: ${split.malformed}`);
    }
    const fields = split.values;
    this.fields = fields;
    if (fields.length !== this.#width) return this.#fail(raw.line, 1, `expected ${this.#width} fields, found ${fields.length}`);
    // A value holds a special character only when the record does (or a type's parse made one).
    let plain = raw.plain || !SPECIAL.test(raw.text);
    // Split without a quote at commas, a field holds no `,` or `"`, nor an LF; a CR only when the record does.
    let clean = split.starts === undefined && this.#delimiter === ',' && (raw.plain || !raw.text.includes('\r'));
    let same = clean && this.#inOrder;
    let problems: RecordProblem[] | undefined;
    const cols = this.#columns;
    for (let k = 0; k < cols.length; k++) {
      const col = cols[k]!;
      const text = fields[this.#indexes[k]!]!;
      if (text === '') {
        if (col.required) (problems ??= []).push(this.#at(raw, split.starts, k, `column "${col.name}": empty, but required`));
        this.values[k] = null;
        continue;
      }
      const parsed = col.type.parse(text, col.options);
      if (isInvalid(parsed)) {
        (problems ??= []).push(this.#at(raw, split.starts, k, `column "${col.name}" (${col.type.name}): ${invalidRule(parsed)}`));
        continue;
      }
      if (parsed !== text) {
        if (plain) plain = !SPECIAL.test(parsed);
        if (clean) clean = !NEEDS_QUOTES.test(parsed);
        same = false;
      }
      this.values[k] = parsed;
    }
    if (problems) {
      this.problems = problems;
      return false;
    }
    this.plain = plain;
    this.clean = clean;
    this.same = same && clean;
    return true;
  }

  #fail(line: number, col: number, message: string): false {
    this.problems = [{ line, col, message }];
    return false;
  }

  /** A problem at where field `k` starts (`starts` found again when the fast split skipped it). */
  #at(raw: TextRecord, starts: number[] | undefined, k: number, message: string): RecordProblem {
    const found = starts ?? (splitFields(raw.text, this.#delimiter) as { starts: number[] }).starts;
    const at = positionIn(raw.text, raw.line, found[this.#indexes[k]!]!);
    return { line: at.line, col: at.col, message };
  }
}
