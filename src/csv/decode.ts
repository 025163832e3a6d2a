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

/** ICU's Shift_JIS, where it agrees with CP932 (see {@link cp932Text}); undefined where Node was built without it. */
const icu = (() => {
  try {
    return new TextDecoder('shift_jis');
  } catch {
    return undefined;
  }
})();

/**
 * Characters ICU's Shift_JIS gives where iconv-lite's CP932 gives another: the control bytes 0x1A,
 * 0x1C and 0x7F (ICU swaps them, an IBM mapping), invalid sequences (0x80 among them: iconv-lite
 * gives U+0080; ICU one U+FFFD where iconv-lite may give two), and the user-defined area F040–F9FC
 * (ICU gives the private-use characters that iconv-lite, and so the main thread, reports as invalid).
 * Checked on every one- and two-byte sequence by `test/csv/decode.test.ts`.
 */
const ICU_DIFFERS = /[\x1a\x1c\x7f\uFFFD\uE000-\uF8FF]/;

/**
 * Whole CP932 records as iconv-lite decodes them (U+FFFD for invalid bytes), about 1.7× as fast:
 * ICU's Shift_JIS decodes, and where its text holds a character on which the two may part
 * ({@link ICU_DIFFERS}), iconv-lite decodes the bytes again. Only for bytes that end at a record
 * end: a character cut in two would not be carried over.
 */
export function cp932Text(bytes: Uint8Array): string {
  if (icu) {
    const text = icu.decode(bytes);
    if (!ICU_DIFFERS.test(text)) return text;
  }
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'cp932');
}
