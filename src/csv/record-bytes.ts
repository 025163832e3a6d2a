const REPLACEMENT = 0xfffd;

/**
 * The bytes `text` took in the file, for the record-length limit. Exact for valid text; a
 * U+FFFD that stands for invalid bytes (`bad`) counts as one byte, so a record is never called
 * longer than it is. Every character takes at least one byte per UTF-16 unit and at most three,
 * which lets the reader count only records longer than a third of the limit.
 */
export function recordBytes(text: string, encoding: 'utf-8' | 'cp932', bad: boolean): number {
  let bytes = 0;
  if (encoding === 'cp932') {
    // One byte for ASCII (and U+0080, which CP932 decodes from the single byte 0x80) and half-width kana; two for the rest.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      bytes += c <= 0x80 || (c >= 0xff61 && c <= 0xff9f) || (bad && c === REPLACEMENT) ? 1 : 2;
    }
    return bytes;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is one 4-byte character: two bytes for each of its units.
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : bad && c === REPLACEMENT ? 1 : 3;
  }
  return bytes;
}

/**
 * Where `bytes` can be cut without splitting a UTF-8 character: before a last character whose
 * continuation bytes have not all arrived, else at the end (invalid bytes are left for the
 * decoder to flag, wherever they are).
 */
export function utf8Cut(bytes: Buffer): number {
  let i = bytes.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (bytes[i]! & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return bytes.length;
  const lead = bytes[i]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return length > continuation + 1 ? i : bytes.length;
}
