import { createHash } from 'node:crypto';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeRegions, scanRecords } from '../../src/csv/text-records.ts';

async function scan(input: string | Buffer, chunkSize = 1 << 16, encoding: 'utf-8' | 'cp932' = 'utf-8') {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const out: unknown[][] = [];
  for await (const batch of scanRecords(decodeRegions(chunks(), encoding))) for (const r of batch) {
    if (r.plain) expect(r.text).not.toMatch(/["\0\\\t\r]/);
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
      fc.asyncProperty(texts, fc.integer({ min: 1, max: 12 }), fc.constantFrom<'utf-8' | 'cp932'>('utf-8', 'cp932'), async (text, size, encoding) => {
        const bytes = encoding === 'cp932' ? iconv.encode(text, 'cp932') : Buffer.from(text);
        expect(await scan(bytes, size, encoding)).toEqual(plainReading(text));
      }),
      { numRuns: 300 },
    );
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
