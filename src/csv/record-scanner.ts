const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** The raw bytes of one CSV record (its line terminator removed) and the line it starts on. */
export interface RawRecord {
  readonly line: number;
  readonly bytes: Buffer;
  /** The file ended inside a quoted field that began in this record: it holds the rest of the file. */
  readonly unclosed?: boolean;
}

const enum State {
  FieldStart,
  Unquoted,
  InQuote,
  QuoteInQuote,
}

/**
 * Splits a byte stream into CSV records at LF (with or without CR) outside quoted fields,
 * keeping the physical line each record starts on. It works on bytes so that it is exact for
 * UTF-8 and CP932 alike: `"`, `,`, CR and LF never occur inside a multi-byte character in
 * either (nor do tab, `;` and `|`, the other delimiters). A quote opens a quoted field only at the start of a field, so a stray quote in an
 * unquoted field cannot swallow the lines after it. (csv-parse's `info.lines` counts the CR and
 * LF of a quoted CRLF twice, so it cannot give these line numbers.)
 */
export async function* scanRecords(chunks: AsyncIterable<Buffer>, delimiter = COMMA): AsyncGenerator<RawRecord> {
  let carry: Buffer = Buffer.alloc(0);
  let state = State.FieldStart;
  let scanned = 0; // bytes of `carry` already scanned
  let line = 1; // line the current record starts on
  let linesInRecord = 0; // LFs inside quotes of the current record

  for await (const chunk of chunks) {
    const buf: Buffer = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let i = scanned; i < buf.length; i++) {
      const b = buf[i];
      if (state === State.InQuote) {
        if (b === QUOTE) state = State.QuoteInQuote;
        else if (b === LF) linesInRecord++;
        continue;
      }
      if (b === LF) {
        const end = i > start && buf[i - 1] === CR ? i - 1 : i;
        yield { line, bytes: buf.subarray(start, end) };
        line += linesInRecord + 1;
        linesInRecord = 0;
        start = i + 1;
        state = State.FieldStart;
      } else if (b === delimiter) state = State.FieldStart;
      else if (b === QUOTE && state !== State.Unquoted) state = State.InQuote; // opens a field, or `""` inside one
      else state = State.Unquoted;
    }
    carry = buf.subarray(start);
    scanned = carry.length;
  }
  if (state === State.InQuote) {
    yield { line, bytes: carry, unclosed: true };
    return;
  }
  if (carry.length > 0) {
    const end = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
    yield { line, bytes: carry.subarray(0, end) };
  }
}
