import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';

// Required rather than imported: an import has Node scan the CommonJS package for its export names first (~15 ms of each thread).
const iconv = createRequire(import.meta.url)('iconv-lite') as typeof import('iconv-lite');

/** The text of a record, or the 0-based character index where its bytes stop being valid. */
export type Decoded = { readonly text: string } | { readonly badAt: number };

const REPLACEMENT = '\uFFFD';

/** Strict UTF-8: an invalid byte sequence is reported, never replaced. */
export function decodeUtf8(bytes: Buffer): Decoded {
  const text = bytes.toString('utf8');
  if (isUtf8(bytes)) return { text };
  return { badAt: Math.max(0, text.indexOf(REPLACEMENT)) };
}

/**
 * Strict CP932 (Shift_JIS with the Microsoft extensions, so 髙 and 﨑 decode).
 * iconv-lite replaces undecodable bytes with U+FFFD, which CP932 itself never maps to,
 * so its presence marks exactly where the input is broken.
 */
export function decodeCp932(bytes: Buffer): Decoded {
  const text = cp932Text(bytes);
  const bad = text.indexOf(REPLACEMENT);
  return bad < 0 ? { text } : { badAt: bad };
}

/** Below this many bytes iconv-lite decodes alone: making the tables of {@link cp932Table} costs more. */
const TABLE_MIN_BYTES = 1 << 16;

/**
 * Whole CP932 records as iconv-lite decodes them (U+FFFD for invalid bytes): by
 * {@link cp932Table} (in the checking workers, half the CPU of ICU's Shift_JIS, used before),
 * and by iconv-lite itself where the table finds a byte that is not part of one valid character.
 * Only for bytes that end at a record end: a character cut in two would not be carried over.
 */
export function cp932Text(bytes: Uint8Array): string {
  const text = bytes.length >= TABLE_MIN_BYTES ? cp932Table(bytes) : undefined;
  return text ?? iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'cp932');
}

/** iconv-lite's CP932, read off it once per thread: what each byte gives alone, and each lead byte with each trail byte. */
interface Cp932Tables {
  /** A byte's character alone; {@link LEAD} for the first byte of a two-byte character; -1 for neither. */
  readonly single: Int32Array;
  /** `lead << 8 | trail` → its character; 0 where the two are not one valid character. */
  readonly pairs: Uint16Array;
}

const LEAD = -2;
let tables: Cp932Tables | undefined;
/** The code units being decoded, kept for the thread's next chunk. */
let units = new Uint16Array(0);

/**
 * The text of bytes that are all valid CP932 characters, decoded by table exactly as iconv-lite
 * decodes them; undefined as soon as a byte is not part of one (an invalid byte, a lead byte
 * without its trail, a character iconv-lite gives as U+FFFD or as more than one code unit), for
 * iconv-lite to decode (and mark) the bytes instead. Tested against iconv-lite on every one- and
 * two-byte sequence and on random bytes (`test/csv/decode.test.ts`).
 */
export function cp932Table(bytes: Uint8Array): string | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const { single, pairs } = (tables ??= readTables());
  const n = bytes.length;
  if (units.length < n) units = new Uint16Array(Math.max(n, 2 * units.length));
  const out = units;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    const c = single[b]!;
    if (c >= 0) {
      out[j++] = c;
      continue;
    }
    if (c !== LEAD || i + 1 === n) return undefined;
    const u = pairs[(b << 8) | bytes[++i]!]!;
    if (u === 0) return undefined;
    out[j++] = u;
  }
  // Copied into the string: `units` is free for the next chunk.
  return Buffer.from(out.buffer, 0, 2 * j).toString('utf16le');
}

/** A Uint16Array's code units are read as UTF-16LE (every machine Node runs on but a few big-endian ones). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The tables of {@link cp932Table}, from iconv-lite: each byte decoded alone, then every byte from
 * 0x80 up before every other byte, as three-byte groups ended by an LF (never part of a CP932
 * character, so each group's text ends at its LF whatever the two bytes before it do). A byte is a
 * lead byte when one of its pairs is one valid character.
 */
function readTables(): Cp932Tables {
  const single = new Int32Array(256).fill(-1);
  const pairs = new Uint16Array(1 << 16);
  for (let b = 0; b < 256; b++) {
    const text = iconv.decode(Buffer.from([b]), 'cp932');
    if (text.length === 1 && text !== REPLACEMENT) single[b] = text.charCodeAt(0);
  }
  const groups = Buffer.alloc(128 * 255 * 3);
  let at = 0;
  for (let lead = 0x80; lead < 256; lead++) {
    for (let trail = 0; trail < 256; trail++) {
      if (trail === 0x0a) continue;
      groups[at++] = lead;
      groups[at++] = trail;
      groups[at++] = 0x0a;
    }
  }
  const text = iconv.decode(groups, 'cp932');
  let from = 0;
  for (let lead = 0x80; lead < 256; lead++) {
    for (let trail = 0; trail < 256; trail++) {
      if (trail === 0x0a) continue;
      const lf = text.indexOf('\n', from);
      if (lf === from + 1 && text.charCodeAt(from) !== 0xfffd) {
        pairs[(lead << 8) | trail] = text.charCodeAt(from);
        single[lead] = LEAD;
      }
      from = lf + 1;
    }
  }
  if (from !== text.length) throw new Error('iconv-lite decoded the CP932 table groups unexpectedly');
  return { single, pairs };
}
