import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

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
  const text = iconv.decode(bytes, 'cp932');
  const bad = text.indexOf(REPLACEMENT);
  return bad < 0 ? { text } : { badAt: bad };
}
