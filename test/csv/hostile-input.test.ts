import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { databaseBackends } from '../support/backends.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const PIPELINE = (extra = '') => `name: t
params: { out_dir: out }
sources:
  src:
    file: in.csv
    ${extra}
    columns: { id: integer, name: text }
sinks:
  s: { from: src, file: "\${out_dir}/s.csv", order_by: [id] }
`;
const CHILD = path.resolve(import.meta.dirname, '../support/etl-child.mjs');
const TOO_LONG = (line: number, limit: number) => `in.csv:${line}:1: source "src": a record longer than ${limit} bytes (the source's limit; max_record_bytes raises it); the rest of the file is not read`;

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`the record limit, on ${backend.name}`, () => {
    const run = (dir: string) => runCli(['run', '--quiet', ...backend.args], dir);

    it('loads a record of exactly max_record_bytes and stops at the first one a byte longer, whatever on_invalid says', async () => {
      // "2,ａｂｃ" is 11 bytes in UTF-8 (three 3-byte characters), its CRLF not counted.
      const dir = fixture({ 'in.csv': 'id,name\r\n1,abcdefghi\r\n2,ａｂｃ\r\n', 'pipeline.yaml': PIPELINE('max_record_bytes: 11'), 'out/s.csv': 'previous\n' });
      expect(await run(dir)).toEqual({ code: 0, out: '', err: '' });
      expect(fs.readFileSync(path.join(dir, 'out/s.csv'), 'utf8')).toBe('id,name\n1,abcdefghi\n2,ａｂｃ\n');
      fs.writeFileSync(path.join(dir, 'in.csv'), 'id,name\r\n1,abcdefghi\r\n2,ａｂｃd\r\n3,x\r\n');
      for (const extra of ['max_record_bytes: 11', 'max_record_bytes: 11\n    on_invalid: reject']) {
        fs.writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE(extra));
        expect(await run(dir)).toEqual({ code: 1, out: '', err: `${TOO_LONG(3, 11)}\n` });
        expect(fs.readFileSync(path.join(dir, 'out/s.csv'), 'utf8')).toBe('id,name\n1,abcdefghi\n2,ａｂｃ\n');
        expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['s.csv']);
      }
    });

    it('lists the invalid rows found before the long record, and says when a quote may never close', async () => {
      const dir = fixture({ 'in.csv': `id,name\n1,a\nx,b\n3,"open\n${'4,d\n'.repeat(10)}`, 'pipeline.yaml': PIPELINE('max_record_bytes: 30') });
      expect(await run(dir)).toEqual({
        code: 1,
        out: '',
        err: [
          'in.csv:3:1: column "id" (integer): not an integer',
          'source "src": 1 invalid row (on_invalid: fail); nothing was written',
          'in.csv:4:1: source "src": a record runs past 30 bytes inside a quoted field: is its closing quote missing? (the source\'s limit; max_record_bytes raises it); the rest of the file is not read',
          '',
        ].join('\n'),
      });
    });
  });
}

describe('max_record_bytes', () => {
  it('is a whole number of bytes from 1 to 256 MiB', async () => {
    for (const value of ['0', '-5', '1.5', 'lots', '268435457']) {
      const dir = fixture({ 'in.csv': 'id,name\n', 'pipeline.yaml': PIPELINE(`max_record_bytes: ${value}`) });
      expect(await runCli(['validate'], dir)).toEqual({
        code: 2,
        out: '',
        err: 'pipeline.yaml:6:23: source "src": max_record_bytes must be a whole number of bytes from 1 to 268435456\n',
      });
    }
    const dir = fixture({ 'in.csv': 'id,name\n', 'pipeline.yaml': PIPELINE('max_record_bytes: 268435456') });
    expect((await runCli(['validate'], dir)).code).toBe(0);
  });
});

/**
 * A file of `mb` MB whose second record never ends: one line without LF, or a quote never
 * closed followed by ordinary lines. Written in blocks, so the test itself stays small.
 */
function hostileFile(file: string, kind: 'line' | 'quote', encoding: 'utf-8' | 'cp932', mb: number): void {
  const encode = (t: string) => (encoding === 'cp932' ? iconv.encode(t, 'cp932') : Buffer.from(t));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, encode(kind === 'line' ? 'id,name\r\n1,' : 'id,name\r\n1,"open\r\n'));
  const block = encode(kind === 'line' ? '髙'.repeat(1 << 15) : '2,髙﨑 ﾀｶｻｷ abc\r\n'.repeat(1 << 12));
  for (let n = 0; n < mb * 1e6; n += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
}

describe('a hostile file (50 MB in one record)', () => {
  const cases = [
    ['line', 'utf-8'],
    ['quote', 'utf-8'],
    ['line', 'cp932'],
    ['quote', 'cp932'],
  ] as const;
  for (const [kind, encoding] of cases) {
    it(`fails at its line within seconds and in bounded memory: ${kind === 'line' ? 'a line without end' : 'a quote never closed'}, ${encoding}`, () => {
      const dir = fixture({
        'pipeline.yaml': `name: t\nparams: { out_dir: out }\nsources:\n  history:\n    file: history.csv\n    encoding: ${encoding}\n    columns: { id: integer, name: text }\nsinks:\n  s: { from: history, file: "\${out_dir}/s.csv", order_by: [id] }\n`,
      });
      const file = path.join(dir, 'history.csv');
      hostileFile(file, kind, encoding, 50);
      const started = Date.now();
      const child = spawnSync(process.execPath, [CHILD, 'run', '--quiet'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      const seconds = (Date.now() - started) / 1000;
      fs.rmSync(file);
      const [message, rss] = child.stderr.trimEnd().split('\n');
      expect(child.status).toBe(1);
      expect(message).toBe(
        kind === 'line'
          ? 'history.csv:2:1: source "history": a record longer than 1048576 bytes (the source\'s limit; max_record_bytes raises it); the rest of the file is not read'
          : 'history.csv:2:1: source "history": a record runs past 1048576 bytes inside a quoted field: is its closing quote missing? (the source\'s limit; max_record_bytes raises it); the rest of the file is not read',
      );
      // Generous bounds for a shared machine: the fixed engine takes 2 to 5 s and about 120 MB here, the old one 13 to 51 s and 360 to 790 MB.
      expect(seconds).toBeLessThan(60);
      expect(Number(/^maxrss_kb=(\d+)$/.exec(rss ?? '')?.[1])).toBeLessThanOrEqual(300 * 1024);
    }, 130_000);
  }
});
