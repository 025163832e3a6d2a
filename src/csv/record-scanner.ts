const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** The raw bytes of one CSV record (its line terminator removed) and the line it starts on. */
export interface RawRecord {
  readonly line: number;
  readonly bytes: Buffer;
}

/** A quoted field that never closed: everything after it would be swallowed. */
export class UnclosedQuoteError extends Error {
  constructor(readonly line: number) {
    super('a quoted field is never closed');
  }
}

/**
 * Splits a byte stream into CSV records at LF (with or without CR) outside quotes, keeping the
 * physical line each record starts on. It works on bytes so that it is exact for UTF-8 and
 * CP932 alike: `"`, `,`, CR and LF never occur inside a multi-byte character in either.
 * (csv-parse's `info.lines` counts CR and LF of a quoted CRLF twice, so it cannot give this.)
 */
export async function* scanRecords(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  let carry: Buffer = Buffer.alloc(0);
  let inQuote = false;
  let scanned = 0; // bytes of `carry` already scanned
  let line = 1; // line the current record starts on
  let linesInRecord = 0; // LFs inside quotes of the current record

  for await (const chunk of chunks) {
    const buf: Buffer = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let i = scanned; i < buf.length; i++) {
      const b = buf[i];
      if (b === QUOTE) inQuote = !inQuote;
      else if (b === LF) {
        if (inQuote) linesInRecord++;
        else {
          const end = i > start && buf[i - 1] === CR ? i - 1 : i;
          yield { line, bytes: buf.subarray(start, end) };
          line += linesInRecord + 1;
          linesInRecord = 0;
          start = i + 1;
        }
      }
    }
    carry = buf.subarray(start);
    scanned = carry.length;
  }
  if (inQuote) throw new UnclosedQuoteError(line);
  if (carry.length > 0) {
    const end = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
    yield { line, bytes: carry.subarray(0, end) };
  }
}
