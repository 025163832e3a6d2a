import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const REPLACEMENT = '\uFFFD';

/** One CSV record, decoded, with the physical line it starts on. */
export interface TextRecord {
  readonly line: number;
  /** The record's text, its line terminator removed. */
  readonly text: string;
  /** Character index of the first byte that was not valid in the file's encoding, if any. */
  readonly badAt?: number;
  /** The file ended inside a quoted field that began in this record: it holds the rest of the file. */
  readonly unclosed?: boolean;
  /**
   * Known to hold no quote, NUL, backslash, tab or CR: its fields are the text between delimiters
   * and none needs escaping. (False tells nothing: the record was not looked at alone.)
   */
  readonly plain: boolean;
}

/** What keeps a region's records from being plain; a CR before an LF ends a line and is not part of a record. */
const NOT_PLAIN = /[\0\\\t]|\r(?!\n)/;

interface Region {
  readonly text: string;
  /** In this region every U+FFFD stands for invalid bytes (never for a real U+FFFD in the file). */
  readonly strict: boolean;
}

/**
 * Decodes a byte stream in large regions cut at LF bytes (an LF is never part of a multi-byte
 * character in UTF-8 or CP932), one decoder call per region rather than per record. Invalid
 * bytes become U+FFFD, which CP932 never produces and which valid UTF-8 holds only when the file
 * does: a UTF-8 region is `strict` only when it is not valid UTF-8. Once every byte has been read,
 * `onSha256` gets their SHA-256 (taken where the bytes are decoded, so CP932's is off the main thread).
 */
export async function* decodeRegions(chunks: AsyncIterable<Buffer>, encoding: 'utf-8' | 'cp932', onSha256?: (hex: string) => void): AsyncGenerator<Region> {
  if (encoding === 'cp932') {
    yield* decodeCp932Regions(chunks, onSha256);
    return;
  }
  const hash = createHash('sha256');
  for await (const bytes of regionsOf(chunks)) {
    hash.update(bytes);
    yield { text: bytes.toString('utf8'), strict: !isUtf8(bytes) };
  }
  onSha256?.(hash.digest('hex'));
}

/** The byte stream cut after its last LF of each chunk, so that no region ends inside a character. */
async function* regionsOf(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const cut = buf.lastIndexOf(LF) + 1;
    carry = buf.subarray(cut);
    if (cut > 0) yield buf.subarray(0, cut);
  }
  if (carry.length > 0) yield carry;
}

/** Regions decoded ahead of the reader, at most this many at a time, so memory stays flat. */
const IN_FLIGHT = 8;

/**
 * CP932 is decoded by iconv-lite in a worker thread: decoding is a fifth of the load's work on the
 * main thread, which is the bottleneck while the database's COPY has a core of its own (about 6 %
 * faster at 3 M rows, for about 20 MB more peak RSS). Regions come back in the order they were
 * sent; the worker is stopped however the reader ends.
 */
async function* decodeCp932Regions(chunks: AsyncIterable<Buffer>, onSha256?: (hex: string) => void): AsyncGenerator<Region> {
  const worker = new Worker(new URL('./cp932-worker.mjs', import.meta.url));
  const waiting: { resolve: (text: string) => void; reject: (e: Error) => void }[] = [];
  const pending: Promise<string>[] = [];
  let failure: Error | undefined;
  // A region's text, or at the end the decoder's last characters and the bytes' SHA-256.
  worker.on('message', (reply: string | { text: string; sha256: string }) => {
    if (typeof reply === 'string') waiting.shift()!.resolve(reply);
    else {
      onSha256?.(reply.sha256);
      waiting.shift()!.resolve(reply.text);
    }
  });
  worker.on('error', (e: Error) => {
    failure = e;
    for (const w of waiting.splice(0)) w.reject(e);
  });
  const send = (bytes: Buffer | null) => {
    if (failure) throw failure;
    pending.push(new Promise<string>((resolve, reject) => waiting.push({ resolve, reject })));
    worker.postMessage(bytes);
  };
  try {
    for await (const bytes of regionsOf(chunks)) {
      send(bytes);
      if (pending.length >= IN_FLIGHT) yield { text: await pending.shift()!, strict: true };
    }
    send(null);
    while (pending.length > 0) {
      const text = await pending.shift()!;
      if (text.length > 0) yield { text, strict: true };
    }
  } finally {
    await worker.terminate();
  }
}

const enum State {
  FieldStart,
  Unquoted,
  InQuote,
  QuoteInQuote,
}

/**
 * Splits decoded text into CSV records at LF (with or without CR) outside quoted fields,
 * keeping the physical line each record starts on. A quote opens a quoted field only at the
 * start of a field, so a stray quote in an unquoted field cannot swallow the lines after it.
 * (csv-parse's `info.lines` counts the CR and LF of a quoted CRLF twice, so it cannot give
 * these line numbers.) Records come in batches, one per region, so the bulk path awaits once
 * per chunk read rather than once per record.
 */
export async function* scanRecords(regions: AsyncIterable<Region>, delimiter = ','): AsyncGenerator<TextRecord[]> {
  const delim = delimiter.charCodeAt(0);
  let carry = '';
  let carryStrict = false;
  let state = State.FieldStart;
  let line = 1;
  let linesInRecord = 0;
  const record = (text: string, strict: boolean, plain = false, unclosed?: boolean): TextRecord => {
    const bad = strict ? text.indexOf(REPLACEMENT) : -1;
    return bad < 0 ? (unclosed ? { line, text, plain, unclosed } : { line, text, plain }) : { line, text, plain: false, badAt: bad, ...(unclosed ? { unclosed } : {}) };
  };

  for await (const region of regions) {
    const text = carry.length === 0 ? region.text : carry + region.text;
    // Only a region holding U+FFFD can hold a record with invalid bytes.
    const strict: boolean = (region.strict || carryStrict) && text.includes(REPLACEMENT);
    let start = 0;
    const batch: TextRecord[] = [];
    if (state !== State.InQuote && !text.includes('"')) {
      // No quote: every LF ends a record, so the native search finds them without a per-character loop;
      // one search of the region tells whether all its records are plain.
      const plain = !NOT_PLAIN.test(text);
      for (let i = text.indexOf('\n', carry.length); i >= 0; i = text.indexOf('\n', start)) {
        const end = i > start && text.charCodeAt(i - 1) === CR ? i - 1 : i;
        batch.push(record(text.slice(start, end), strict, plain));
        line++;
        start = i + 1;
      }
      carry = text.slice(start);
      // Where the per-character loop would be at the end of the unfinished record carried over.
      state = carry.length === 0 || carry.endsWith(delimiter) ? State.FieldStart : State.Unquoted;
      carryStrict = (region.strict || carryStrict) && carry.length > 0;
      if (batch.length > 0) yield batch;
      continue;
    }
    for (let i = carry.length; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (state === State.InQuote) {
        if (c === QUOTE) state = State.QuoteInQuote;
        else if (c === LF) linesInRecord++;
        continue;
      }
      if (c === LF) {
        const end = i > start && text.charCodeAt(i - 1) === CR ? i - 1 : i;
        batch.push(record(text.slice(start, end), strict));
        line += linesInRecord + 1;
        linesInRecord = 0;
        start = i + 1;
        state = State.FieldStart;
      } else if (c === delim) state = State.FieldStart;
      else if (c === QUOTE && state !== State.Unquoted) state = State.InQuote; // opens a field, or `""` inside one
      else state = State.Unquoted;
    }
    carry = text.slice(start);
    carryStrict = (region.strict || carryStrict) && carry.length > 0;
    if (batch.length > 0) yield batch;
  }
  if (state === State.InQuote) yield [record(carry, carryStrict, false, true)];
  else if (carry.length > 0) yield [record(carry.endsWith('\r') ? carry.slice(0, -1) : carry, carryStrict)];
}
