import { describe, expect, it } from 'vitest';
import { scanRecords } from '../../src/csv/record-scanner.ts';

async function scan(input: string, chunkSize = 1 << 16) {
  const bytes = Buffer.from(input);
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const out: (number | string | boolean)[][] = [];
  for await (const r of scanRecords(chunks())) out.push(r.unclosed ? [r.line, r.bytes.toString(), true] : [r.line, r.bytes.toString()]);
  return out;
}

describe('scanRecords', () => {
  const input = 'a,b\r\n1,"x\r\ny"\r\n2,"q""\n"\r\n3,4';
  const expected = [[1, 'a,b'], [2, '1,"x\r\ny"'], [4, '2,"q""\n"'], [6, '3,4']];

  it('keeps the physical line each record starts on, across quoted CRLF and LF', async () => {
    expect(await scan(input)).toEqual(expected);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    for (const size of [1, 2, 3, 7]) expect(await scan(input, size)).toEqual(expected);
  });

  it('does not invent a record after a final line terminator', async () => {
    expect(await scan('a\n1\n')).toEqual([[1, 'a'], [2, '1']]);
  });

  it('keeps an empty line as an empty record, so later line numbers stay right', async () => {
    expect(await scan('a\n\n1\n')).toEqual([[1, 'a'], [2, ''], [3, '1']]);
  });

  it('hands back a quote that never closes as one last record, flagged, at the line it starts', async () => {
    expect(await scan('a\n1\n"open\n2\n')).toEqual([[1, 'a'], [2, '1'], [3, '"open\n2\n', true]]);
  });

  it('opens a quoted field only at the start of a field, so a stray quote swallows nothing', async () => {
    const records = [[1, 'a,b'], [2, '1,x"y'], [3, '2,"p""q",z'], [4, '3,""']];
    for (const size of [1, 4, 100]) expect(await scan('a,b\n1,x"y\n2,"p""q",z\n3,""\n', size)).toEqual(records);
  });
});
