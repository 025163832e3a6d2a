import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { recordBytes, utf8Cut } from './record-bytes.ts';

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
  /**
   * The record runs past the byte limit (`quoted`: inside a quoted field, which may never close).
   * Its text is not kept, and it is the last record read: what follows cannot be told apart reliably.
   */
  readonly tooLong?: 'record' | 'quoted';
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
 * character in UTF-8 or CP932), one decoder call per region rather than per record; a stretch
 * without LF is cut where a read ends, so no region is larger than two reads. Invalid
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
  for await (const bytes of regionsOf(chunks, utf8Cut)) {
    hash.update(bytes);
    yield { text: bytes.toString('utf8'), strict: !isUtf8(bytes) };
  }
  onSha256?.(hash.digest('hex'));
}

/**
 * The byte stream cut after the last LF of each chunk, so that regions mostly end with a record.
 * A chunk without LF is cut at `cutAt` (where no character is split), not carried whole into the
 * next: a line of any length then costs one pass, and the reader sees it grow past its limit.
 */
async function* regionsOf(chunks: AsyncIterable<Buffer>, cutAt: (bytes: Buffer) => number): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let cut = buf.lastIndexOf(LF) + 1;
    if (cut === 0) cut = cutAt(buf);
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
    // The worker's decoder keeps the first byte of a character split between two regions.
    for await (const bytes of regionsOf(chunks, (buf) => buf.length)) {
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

/** How records are read: the field separator, and the longest record accepted. */
export interface ScanOptions {
  /** The field separator; `,` by default. */
  readonly delimiter?: string;
  /**
   * The most bytes a record may take in the file, its line ending not counted; a longer record
   * is the last one read, flagged {@link TextRecord.tooLong}. No limit by default.
   */
  readonly maxRecordBytes?: number;
  /** The file's encoding, which says how many bytes a character took. */
  readonly encoding?: 'utf-8' | 'cp932';
}

/**
 * Splits decoded text into CSV records at LF (with or without CR) outside quoted fields,
 * keeping the physical line each record starts on. A quote opens a quoted field only at the
 * start of a field, so a stray quote in an unquoted field cannot swallow the lines after it.
 * (csv-parse's `info.lines` counts the CR and LF of a quoted CRLF twice, so it cannot give
 * these line numbers.) Records come in batches, one per region, so the bulk path awaits once
 * per chunk read rather than once per record.
 *
 * A record is read in time proportional to its length however many regions it spans (the parts
 * of an unfinished record are joined once, when it ends), and never grows past the limit: the
 * first record found longer ends the reading, so an unclosed quote or a line without end costs
 * no more than the limit in memory.
 */
export async function* scanRecords(regions: AsyncIterable<Region>, options: ScanOptions = {}): AsyncGenerator<TextRecord[]> {
  const delimiter = options.delimiter ?? ',';
  const delim = delimiter.charCodeAt(0);
  const limit = options.maxRecordBytes ?? Infinity;
  const encoding = options.encoding ?? 'utf-8';
  // A character takes at most three bytes per UTF-16 unit: a record of this many units or fewer needs no counting.
  const uncounted = Math.floor(limit / 3);
  const over = (text: string, bad: boolean) => text.length > uncounted && (text.length > limit || recordBytes(text, encoding, bad) > limit);
  // The unfinished record's text from earlier regions, whether it may hold invalid bytes, and its bytes once it is long enough to count (else -1).
  let head = '';
  let headBad = false;
  let headBytes = -1;
  let state = State.FieldStart;
  let line = 1;
  let linesInRecord = 0;
  const record = (text: string, bad: boolean, plain = false, unclosed?: boolean): TextRecord => {
    const at = bad ? text.indexOf(REPLACEMENT) : -1;
    return at < 0 ? (unclosed ? { line, text, plain, unclosed } : { line, text, plain }) : { line, text, plain: false, badAt: at, ...(unclosed ? { unclosed } : {}) };
  };
  /** The record that the pending head and the region's text up to `lf` make, its CR removed. */
  const joined = (text: string, lf: number): string => {
    const whole = head + text.slice(0, lf);
    head = '';
    headBytes = -1;
    return whole.charCodeAt(whole.length - 1) === CR ? whole.slice(0, -1) : whole;
  };
  const tooLong = (inQuote: boolean): TextRecord => ({ line, text: '', plain: false, tooLong: inQuote ? 'quoted' : 'record' });

  for await (const region of regions) {
    const text = region.text;
    // Only a region holding U+FFFD can hold a record with invalid bytes.
    const bad = region.strict && text.includes(REPLACEMENT);
    let start = 0;
    const batch: TextRecord[] = [];
    // Outside a quoted field, a record without a quote ends at the next LF, which the native search
    // finds; only from a quote on is a record read character by character, to its end. One search of
    // the region tells whether the records that lie within it are plain.
    const regionPlain = !NOT_PLAIN.test(text);
    let quote = text.indexOf('"');
    let byChar = state === State.InQuote;
    let i = 0;
    for (;;) {
      if (!byChar) {
        // Outside quotes at `start`: a record's start, or in one begun in an earlier region (the head).
        if (quote >= 0 && quote < start) quote = text.indexOf('"', start);
        const lf = text.indexOf('\n', start);
        if (lf >= 0 && (quote < 0 || quote > lf)) {
          const whole = head.length === 0;
          const recordBad = bad || headBad;
          headBad = false;
          const t = whole ? text.slice(start, lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf) : joined(text, lf);
          if (over(t, recordBad)) {
            yield [...batch, tooLong(false)];
            return;
          }
          batch.push(record(t, recordBad, whole && regionPlain));
          line += linesInRecord + 1;
          linesInRecord = 0;
          start = lf + 1;
          state = State.FieldStart;
          continue;
        }
        if (quote < 0) {
          // No quote and no LF to the end: what the per-character loop would leave, from the last character.
          if (start < text.length) state = text.charCodeAt(text.length - 1) === delim ? State.FieldStart : State.Unquoted;
          break;
        }
        byChar = true;
        i = start;
      }
      let ended = false;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (state === State.InQuote) {
          if (c === QUOTE) state = State.QuoteInQuote;
          else if (c === LF) linesInRecord++;
          continue;
        }
        if (c === LF) {
          const recordBad = bad || headBad;
          headBad = false;
          const t = head.length > 0 ? joined(text, i) : text.slice(start, i > start && text.charCodeAt(i - 1) === CR ? i - 1 : i);
          if (over(t, recordBad)) {
            yield [...batch, tooLong(false)];
            return;
          }
          batch.push(record(t, recordBad));
          line += linesInRecord + 1;
          linesInRecord = 0;
          start = i + 1;
          state = State.FieldStart;
          ended = true;
          break;
        } else if (c === delim) state = State.FieldStart;
        else if (c === QUOTE && state !== State.Unquoted) state = State.InQuote; // opens a field, or `""` inside one
        else state = State.Unquoted;
      }
      if (!ended) break;
      byChar = false;
    }
    if (start < text.length) {
      const part = text.slice(start);
      head += part;
      headBad ||= bad;
      if (headBytes >= 0) headBytes += recordBytes(part, encoding, bad);
      else if (head.length > uncounted) headBytes = recordBytes(head, encoding, headBad);
      // A CR at the end, outside quotes, may be the first half of the record's CRLF, which is not counted.
      // (Looked up in the part: reading a character of the head would flatten it, a copy per region.)
      const ending = state !== State.InQuote && part.charCodeAt(part.length - 1) === CR ? 1 : 0;
      if (headBytes - ending > limit) {
        yield [...batch, tooLong(state === State.InQuote)];
        return;
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (state === State.InQuote) yield [record(head, headBad, false, true)];
  else if (head.length > 0) yield [record(head.charCodeAt(head.length - 1) === CR ? head.slice(0, -1) : head, headBad)];
}
