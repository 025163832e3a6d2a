import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { cp932Table, cp932Text, decodeCp932, decodeUtf8 } from '../../src/csv/decode.ts';

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

  it('decodes every one- and two-byte CP932 sequence by table exactly as iconv-lite does, or leaves it to iconv-lite', () => {
    const differ: string[] = [];
    let tabled = 0;
    let valid = 0;
    const hex = (b: number) => b.toString(16).padStart(2, '0');
    for (let a = 0; a < 256; a++) {
      // A byte alone, then before every other byte, each between ASCII letters as in a record.
      for (let b = -1; b < 256; b++) {
        const bytes = Buffer.from(b < 0 ? [0x41, a, 0x42] : [0x41, a, b, 0x42]);
        const expected = iconv.decode(bytes, 'cp932');
        const text = cp932Table(bytes);
        if (!expected.includes('\uFFFD')) valid++;
        if (text === undefined) continue;
        tabled++;
        if (text !== expected) differ.push(b < 0 ? hex(a) : `${hex(a)} ${hex(b)}`);
      }
    }
    expect(differ).toEqual([]);
    // Nothing valid is left to iconv-lite: the table takes every sequence it decodes without a U+FFFD.
    expect({ tabled, valid }).toEqual({ tabled: valid, valid });
  });

  it('decodes random CP932-like bytes by table exactly as iconv-lite does, or leaves them to iconv-lite', () => {
    // Bytes drawn mostly from where CP932 puts its characters, with some invalid ones among them.
    const pool = [0x0a, 0x22, 0x2c, 0x41, 0x5c, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x88, 0x9f, 0xa0, 0xa1, 0xb1, 0xdf, 0xe0, 0xea, 0xed, 0xee, 0xef, 0xf0, 0xfa, 0xfc, 0xfd, 0xff, 0x40, 0x7f, 0xfc, 0x9e];
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let tabled = 0;
    const differ: string[] = [];
    for (let n = 0; n < 20000; n++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 12) }, () => (random() < 0.7 ? pool[Math.floor(random() * pool.length)]! : Math.floor(random() * 256))));
      const text = cp932Table(bytes);
      if (text === undefined) continue;
      tabled++;
      if (text !== iconv.decode(bytes, 'cp932')) differ.push(bytes.toString('hex'));
    }
    expect(differ).toEqual([]);
    expect(tabled).toBeGreaterThan(1000);
  });

  it('decodes a large input by table, and one with an invalid byte by iconv-lite, each as iconv-lite does', () => {
    const line = iconv.encode('1,髙橋　一郎,ﾀｶﾊｼ ｲﾁﾛｳ,神奈川県横浜市中区港町1-1,2002-08-05\r\n', 'cp932');
    const big = Buffer.concat(Array.from({ length: 2000 }, () => line));
    expect(cp932Table(big)).toBe(iconv.decode(big, 'cp932'));
    expect(cp932Text(big)).toBe(iconv.decode(big, 'cp932'));
    const broken = Buffer.concat([big, Buffer.from([0x85, 0x40, 0x0a])]);
    expect(cp932Table(broken)).toBeUndefined();
    expect(cp932Text(broken)).toBe(iconv.decode(broken, 'cp932'));
    expect(cp932Text(broken).endsWith('\uFFFD@\n')).toBe(true);
  });
});
