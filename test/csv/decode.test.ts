import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { cp932Text, decodeCp932, decodeUtf8 } from '../../src/csv/decode.ts';

describe('decode', () => {
  it('decodes CP932 with the Microsoft extensions and half-width kana', () => {
    const bytes = iconv.encode('髙﨑,ﾀｶｻｷ', 'cp932');
    expect(decodeCp932(bytes)).toEqual({ text: '髙﨑,ﾀｶｻｷ' });
  });

  it('reports bytes that are not CP932 by character index', () => {
    expect(decodeCp932(Buffer.from([0x41, 0x42, 0x85, 0x40]))).toEqual({ badAt: 2 });
    expect(decodeCp932(Buffer.from([0x41, 0xff]))).toEqual({ badAt: 1 });
  });

  it('keeps a real U+FFFD in UTF-8 but reports invalid UTF-8', () => {
    expect(decodeUtf8(Buffer.from('a\uFFFDb'))).toEqual({ text: 'a\uFFFDb' });
    expect(decodeUtf8(Buffer.from([0x61, 0x62, 0xc3]))).toEqual({ badAt: 2 });
  });

  it('decodes every one- and two-byte CP932 sequence exactly as iconv-lite does (ICU where they agree)', () => {
    const differ: string[] = [];
    const hex = (b: number) => b.toString(16).padStart(2, '0');
    for (let a = 0; a < 256; a++) {
      // A byte alone, then before every other byte, each between ASCII letters as in a record.
      for (let b = -1; b < 256; b++) {
        const bytes = Buffer.from(b < 0 ? [0x41, a, 0x42] : [0x41, a, b, 0x42]);
        if (cp932Text(bytes) !== iconv.decode(bytes, 'cp932')) differ.push(b < 0 ? hex(a) : `${hex(a)} ${hex(b)}`);
      }
    }
    expect(differ).toEqual([]);
  });
});
