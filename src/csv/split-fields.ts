/** Fields of one record and the character offset where each starts in the record's text. */
export interface Fields {
  readonly values: string[];
  readonly starts: number[];
}

/** A record that is not RFC 4180 CSV, with the character offset where it goes wrong. */
export interface Malformed {
  readonly malformed: string;
  readonly at: number;
}

/**
 * Splits one decoded record into fields by RFC 4180: `,` (or another delimiter) separates, a field may be quoted,
 * `""` inside quotes is one quote. A quote inside an unquoted field, or text after a closing
 * quote, is malformed rather than guessed at.
 */
export function splitFields(text: string, delimiter = ','): Fields | Malformed {
  const delimiterCode = delimiter.charCodeAt(0);
  const values: string[] = [];
  const starts: number[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    starts.push(i);
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return { malformed: 'a quoted field is never closed', at: i };
        if (text.charCodeAt(q + 1) === 0x22) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      values.push(value);
      if (i === n) return { values, starts };
      if (text.charCodeAt(i) !== delimiterCode) return { malformed: 'text after a closing quote', at: i };
      i++;
    } else {
      const comma = text.indexOf(delimiter, i);
      const end = comma < 0 ? n : comma;
      const value = text.slice(i, end);
      const quote = value.indexOf('"');
      if (quote >= 0) return { malformed: 'a quote inside an unquoted field', at: i + quote };
      values.push(value);
      if (comma < 0) return { values, starts };
      i = comma + 1;
    }
  }
}

export function isMalformed<F extends { readonly values: string[] }>(f: F | Malformed): f is Malformed {
  return 'malformed' in f;
}

/** Line and column of a character offset in a record that starts at `line` (records may span lines). */
export function positionIn(text: string, line: number, offset: number): { line: number; col: number } {
  let l = line;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    l++;
    lineStart = k + 1;
  }
  return { line: l, col: offset - lineStart + 1 };
}
