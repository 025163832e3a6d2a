import { createHash } from 'node:crypto';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { recordBytes } from '../../src/csv/record-bytes.ts';
import { decodeRegions, scanRecords } from '../../src/csv/text-records.ts';

async function scan(input: string | Buffer, chunkSize = 1 << 16, encoding: 'utf-8' | 'cp932' = 'utf-8', maxRecordBytes?: number) {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const out: unknown[][] = [];
  for await (const batch of scanRecords(decodeRegions(chunks(), encoding), { encoding, maxRecordBytes })) for (const r of batch) {
    if (r.plain) expect(r.text).not.toMatch(/["\0\\\t\r]/);
    if (r.tooLong) {
      out.push([r.line, `too long (${r.tooLong})`]);
      continue;
    }
    out.push([r.line, r.text, ...(r.badAt !== undefined ? [`bad at ${r.badAt}`] : []), ...(r.unclosed ? ['unclosed'] : [])]);
  }
  return out;
}

describe('CSV records', () => {
  const input = 'a,b\r\n1,"x\r\ny"\r\n2,"q""\n"\r\n3,4';
  const expected = [[1, 'a,b'], [2, '1,"x\r\ny"'], [4, '2,"q""\n"'], [6, '3,4']];

  it('keep the physical line each record starts on, across quoted CRLF and LF', async () => {
    expect(await scan(input)).toEqual(expected);
  });

  it('are the same whatever the chunk boundaries', async () => {
    for (const size of [1, 2, 3, 7]) expect(await scan(input, size)).toEqual(expected);
  });

  it('do not include an invented record after a final line terminator', async () => {
    expect(await scan('a\n1\n')).toEqual([[1, 'a'], [2, '1']]);
  });

  it('keep an empty line as an empty record, so later line numbers stay right', async () => {
    expect(await scan('a\n\n1\n')).toEqual([[1, 'a'], [2, ''], [3, '1']]);
  });

  it('hand back a quote that never closes as one last record, flagged, at the line it starts', async () => {
    expect(await scan('a\n1\n"open\n2\n')).toEqual([[1, 'a'], [2, '1'], [3, '"open\n2\n', 'unclosed']]);
  });

  it('open a quoted field only at the start of a field, so a stray quote swallows nothing', async () => {
    const records = [[1, 'a,b'], [2, '1,x"y'], [3, '2,"p""q",z'], [4, '3,""']];
    for (const size of [1, 4, 100]) expect(await scan('a,b\n1,x"y\n2,"p""q",z\n3,""\n', size)).toEqual(records);
  });

  it('decode CP932 with its extensions across any chunk boundary, and flag invalid bytes where they are', async () => {
    const good = iconv.encode('id,name\r\n1,髙﨑\r\n2,ﾀｶｻｷ\r\n', 'cp932');
    for (const size of [1, 3, 1000]) expect(await scan(good, size, 'cp932')).toEqual([[1, 'id,name'], [2, '1,髙﨑'], [3, '2,ﾀｶｻｷ']]);
    const bad = Buffer.concat([Buffer.from('id,name\r\n1,ab'), Buffer.from([0x85, 0x40]), Buffer.from('\r\n2,ok\r\n')]);
    expect(await scan(bad, 1, 'cp932')).toEqual([[1, 'id,name'], [2, '1,ab\uFFFD@', 'bad at 4'], [3, '2,ok']]);
  });

  it('keep a real U+FFFD of valid UTF-8, and flag invalid UTF-8', async () => {
    expect(await scan('a\n\uFFFD\n')).toEqual([[1, 'a'], [2, '\uFFFD']]);
    expect(await scan(Buffer.from([0x61, 0x0a, 0x62, 0xc3, 0x0a, 0x63, 0x0a]))).toEqual([[1, 'a'], [2, 'b\uFFFD', 'bad at 1'], [3, 'c']]);
  });

  it('stop the CP932 decoding worker when the reader stops early (e.g. at a bad header)', async () => {
    const bytes = iconv.encode('a,b\r\n'.repeat(100_000), 'cp932');
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 1 << 16) yield bytes.subarray(i, i + (1 << 16));
    }
    let during: string[] = [];
    for await (const _region of decodeRegions(chunks(), 'cp932')) {
      during = process.getActiveResourcesInfo();
      break;
    }
    expect(during).toContain('MessagePort');
    expect(process.getActiveResourcesInfo()).not.toContain('MessagePort');
  });

  it('give the SHA-256 of every byte read, in either encoding, whatever the chunking', async () => {
    const bytes = Buffer.concat([iconv.encode('id,name\r\n1,髙﨑\r\n', 'cp932'), Buffer.from([0x85, 0x40]), Buffer.from('\r\n2,tail')]);
    const want = createHash('sha256').update(bytes).digest('hex');
    for (const encoding of ['utf-8', 'cp932'] as const) {
      for (const size of [1, 5, 1 << 16]) {
        let got: string | undefined;
        async function* chunks() {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        }
        for await (const _region of decodeRegions(chunks(), encoding, (hex) => (got = hex))) expect(got).toBeUndefined();
        expect(got).toBe(want);
      }
    }
  });

  it('are the same as a plain per-character reading, for any text and chunking, with or without quotes (property)', async () => {
    const texts = fc.array(fc.constantFrom('a', ',', '"', '\n', '\r', '\r\n', '髙', 'x,y\n', '1,2\r\n', '\t', '\\', '\0'), { maxLength: 40 }).map((parts) => parts.join(''));
    await fc.assert(
      // Chunks of a few bytes cut regions everywhere; whole-text chunks make regions of many records, quoted and not.
      fc.asyncProperty(texts, fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(1 << 16)), fc.constantFrom<'utf-8' | 'cp932'>('utf-8', 'cp932'), async (text, size, encoding) => {
        const bytes = encoding === 'cp932' ? iconv.encode(text, 'cp932') : Buffer.from(text);
        expect(await scan(bytes, size, encoding)).toEqual(plainReading(text));
      }),
      { numRuns: Number(process.env['ETL_PROPERTY_RUNS']) || 300 },
    );
  });

  it('mark a record without quote plain even where a record beside it holds one, so the checker may take its fast path', async () => {
    const plain: boolean[] = [];
    async function* regions() {
      yield { text: 'a,b\n"x,y",1\nc,d\r\n"p\nq",2\ne,f\n', strict: false };
    }
    for await (const batch of scanRecords(regions())) for (const r of batch) plain.push(r.plain);
    expect(plain).toEqual([true, false, true, false, true]);
  });
});

describe('the record limit (bytes in the file, its line ending not counted)', () => {
  const sizes = [1, 2, 3, 4, 5, 7, 9, 1 << 16];

  it('accepts a record of exactly the limit and stops at one a byte over, at its line, reading nothing after it', async () => {
    const input = 'a,b\n12345678\n1,2\n';
    for (const size of sizes) {
      expect(await scan(input, size, 'utf-8', 8)).toEqual([[1, 'a,b'], [2, '12345678'], [3, '1,2']]);
      expect(await scan(input, size, 'utf-8', 7)).toEqual([[1, 'a,b'], [2, 'too long (record)']]);
    }
  });

  it('does not count a CRLF, even when a region ends between its CR and LF', async () => {
    const input = 'a\r\n12345678\r\n9\r\n';
    for (const size of sizes) {
      expect(await scan(input, size, 'utf-8', 8)).toEqual([[1, 'a'], [2, '12345678'], [3, '9']]);
      expect(await scan(input, size, 'utf-8', 7)).toEqual([[1, 'a'], [2, 'too long (record)']]);
      expect(await scan('a\r\n12345678\r', size, 'utf-8', 8)).toEqual([[1, 'a'], [2, '12345678']]);
    }
  });

  it('counts a record across regions and its quoted line breaks, and names the line it starts on', async () => {
    const input = 'h\n"1\n2"\n"3\r\n4\n5"\nz\n';
    for (const size of sizes) {
      expect(await scan(input, size, 'utf-8', 8)).toEqual([[1, 'h'], [2, '"1\n2"'], [4, '"3\r\n4\n5"'], [7, 'z']]);
      const cut = await scan(input, size, 'utf-8', 7);
      expect(cut.slice(0, 2)).toEqual([[1, 'h'], [2, '"1\n2"']]);
      expect(cut.slice(2)).toEqual([[4, expect.stringMatching(/^too long \((record|quoted)\)$/)]]);
    }
  });

  it('counts the bytes of multi-byte characters, in UTF-8 and CP932, wherever a region cuts them', async () => {
    for (const size of sizes) {
      // 髙 takes 3 bytes in UTF-8 and 2 in CP932; half-width ﾀ 3 and 1; 😀 4 bytes in UTF-8 (two UTF-16 units).
      expect(await scan('髙髙ﾀ\nx\n', size, 'utf-8', 9)).toEqual([[1, '髙髙ﾀ'], [2, 'x']]);
      expect(await scan('髙髙ﾀ\nx\n', size, 'utf-8', 8)).toEqual([[1, 'too long (record)']]);
      expect(await scan(iconv.encode('髙髙ﾀ\r\nx\r\n', 'cp932'), size, 'cp932', 5)).toEqual([[1, '髙髙ﾀ'], [2, 'x']]);
      expect(await scan(iconv.encode('髙髙ﾀ\r\nx\r\n', 'cp932'), size, 'cp932', 4)).toEqual([[1, 'too long (record)']]);
      expect(await scan('a\n😀😀\n', size, 'utf-8', 8)).toEqual([[1, 'a'], [2, '😀😀']]);
      expect(await scan('a\n😀😀\n', size, 'utf-8', 7)).toEqual([[1, 'a'], [2, 'too long (record)']]);
    }
  });

  it('reports a quote that never closes as running past the limit when the rest of the file is longer', async () => {
    const input = `a\n"open\n${'x\n'.repeat(20)}`;
    for (const size of sizes) {
      expect(await scan(input, size, 'utf-8', 20)).toEqual([[1, 'a'], [2, 'too long (quoted)']]);
      expect(await scan(input, size, 'utf-8', 100)).toEqual([[1, 'a'], [2, `"open\n${'x\n'.repeat(20)}`, 'unclosed']]);
    }
  });

  it('stops reading a line without end, or an unclosed quote, soon after the limit, in either encoding', async () => {
    const limit = 1 << 20;
    for (const encoding of ['utf-8', 'cp932'] as const) {
      // A line of 髙 without LF; a quote opened and then lines without quotes.
      for (const [opening, body, kind] of [['', '髙'.repeat(1 << 14), 'record'], ['"', '髙,\r\n'.repeat(1 << 12), 'quoted']] as const) {
        const chunk = encoding === 'cp932' ? iconv.encode(body, 'cp932') : Buffer.from(body);
        let pulled = 0;
        // 100 MB if read to the end.
        async function* chunks() {
          yield Buffer.from(`a\r\n${opening}`);
          for (let i = 0; i < 100e6 / chunk.length; i++) {
            pulled += chunk.length;
            yield chunk;
          }
        }
        const records: unknown[] = [];
        for await (const batch of scanRecords(decodeRegions(chunks(), encoding), { encoding, maxRecordBytes: limit })) records.push(...batch.map((r) => [r.line, r.tooLong ?? r.text]));
        expect(records).toEqual([[1, 'a'], [2, kind]]);
        // The CP932 decoder reads up to 8 chunks ahead.
        expect(pulled).toBeLessThan(limit + 10 * chunk.length);
      }
    }
  });

  it('cuts the same records as a plain per-character reading, up to the first longer than the limit (property)', async () => {
    const texts = fc.array(fc.constantFrom('a', ',', '"', '\n', '\r', '\r\n', '髙', 'ﾀ', 'x,y\n', '1,2\r\n', '""'), { maxLength: 40 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(texts, fc.integer({ min: 1, max: 12 }), fc.constantFrom<'utf-8' | 'cp932'>('utf-8', 'cp932'), fc.integer({ min: 1, max: 30 }), async (text, size, encoding, limit) => {
        const encode = (t: string) => (encoding === 'cp932' ? iconv.encode(t, 'cp932') : Buffer.from(t));
        const expected: unknown[][] = [];
        for (const r of plainReading(text)) {
          if (encode(r[1] as string).length > limit) {
            // Which of the two it is depends on whether the limit is passed before or after a quote opens.
            expected.push([r[0], expect.stringMatching(/^too long \((record|quoted)\)$/)]);
            break;
          }
          expected.push(r);
        }
        expect(await scan(encode(text), size, encoding, limit)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('counts exactly the bytes the encoder writes, for any valid text', () => {
    const cp932Text = fc.array(fc.constantFrom('a', '\u0080', '髙', '﨑', 'ﾀ', '｡', '\\', '~', '、', 'Ａ', '①'), { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(fc.property(cp932Text, (t) => {
      expect(recordBytes(t, 'cp932', false)).toBe(iconv.encode(t, 'cp932').length);
    }));
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (t) => {
      expect(recordBytes(t, 'utf-8', false)).toBe(Buffer.byteLength(t));
    }));
  });
});

/**
 * The records of `text` read one character at a time, with the line each starts on: a quote opens
 * a quoted field at the start of a field (or right after the quote that closed one, `""`), and an
 * LF inside quotes belongs to the field.
 */
function plainReading(text: string): unknown[][] {
  const records: unknown[][] = [];
  let state: 'start' | 'plain' | 'quoted' | 'closed' = 'start';
  let start = 0;
  let line = 1;
  let lines = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (state === 'quoted') {
      if (c === '"') state = 'closed';
      else if (c === '\n') lines++;
    } else if (c === '\n') {
      records.push([line, text.slice(start, i > start && text[i - 1] === '\r' ? i - 1 : i)]);
      line += lines + 1;
      lines = 0;
      start = i + 1;
      state = 'start';
    } else if (c === ',') state = 'start';
    else if (c === '"') state = state === 'plain' ? 'plain' : 'quoted';
    else state = 'plain';
  }
  const rest = text.slice(start);
  if (state === 'quoted') records.push([line, rest, 'unclosed']);
  else if (rest.length > 0) records.push([line, rest.endsWith('\r') ? rest.slice(0, -1) : rest]);
  return records;
}
