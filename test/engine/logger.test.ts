import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/config/compile.ts';
import { Logger } from '../../src/engine/logger.ts';
import { runPipeline } from '../../src/engine/run.ts';
import { fixture } from '../support/fixture.ts';

describe('progress output', () => {
  it('draws a live line on a terminal, replaced by the next line', () => {
    let text = '';
    const log = new Logger({ write: (t) => (text += t), tty: true });
    log.progress('loading 1');
    log.progress('loading 2');
    log.info('done');
    expect(text).toBe('\r\x1b[2Kloading 1\r\x1b[2Kloading 2\r\x1b[2Kdone\n');
  });

  it('writes plain lines only when stderr is not a terminal, nothing with --quiet', () => {
    let text = '';
    const log = new Logger({ write: (t) => (text += t) });
    log.progress('loading');
    log.verbose('started');
    log.info('done');
    expect(text).toBe('done\n');
    const quiet = new Logger({ verbosity: 'quiet', write: (t) => (text += t), tty: true });
    quiet.progress('x');
    quiet.info('y');
    expect(text).toBe('done\n');
  });
});

describe('progress when stderr is not a terminal', () => {
  it('writes a plain line once the interval has passed since progress began, then once per interval; a step that ends sooner says nothing more', () => {
    let text = '';
    let clock = 0;
    const log = new Logger({ write: (t) => (text += t), now: () => clock });
    for (const [at, line] of [[0, 'a 0'], [4_000, 'a 4'], [9_999, 'a 9.9'], [10_000, 'a 10'], [15_000, 'a 15'], [20_100, 'a 20.1'], [29_000, 'a 29']] as const) {
      clock = at;
      log.progress(line);
    }
    log.info('a done');
    // The next step's interval starts with its own progress, not with the last line of the one before.
    for (const [at, line] of [[31_000, 'b 31'], [40_000, 'b 40'], [41_000, 'b 41']] as const) {
      clock = at;
      log.progress(line);
    }
    log.info('b done');
    expect(text).toBe('a 10\na 20.1\na done\nb 41\nb done\n');
  });

  it('takes its interval from the options, and says nothing with --quiet', () => {
    let text = '';
    let clock = 0;
    const log = new Logger({ write: (t) => (text += t), now: () => clock, plainProgressMs: 500 });
    for (clock = 0; clock <= 1_200; clock += 200) log.progress(`at ${clock}`);
    expect(text).toBe('at 600\nat 1200\n');
    const quiet = new Logger({ verbosity: 'quiet', write: (t) => (text += t), now: () => clock, plainProgressMs: 0 });
    quiet.progress('x');
    expect(text).toBe('at 600\nat 1200\n');
  });

  it('shows a load\'s bytes, rows and rate in plain lines', async () => {
    // 40,000 rows of 12 to 16 bytes: 0.6 MiB.
    const csv = `id,name\n${Array.from({ length: 40_000 }, (_, i) => `${i},abcdefghi\n`).join('')}`;
    expect((Buffer.byteLength(csv) / 1048576).toFixed(1)).toBe('0.6');
    const dir = fixture({ 'in.csv': csv, 'pipeline.yaml': 'name: t\nsources:\n  src: { file: in.csv, columns: { id: integer, name: text } }\nsinks:\n  s: { from: src, file: out/s.csv, order_by: [id] }\n' });
    let text = '';
    await runPipeline(compilePipeline(path.join(dir, 'pipeline.yaml')), { log: new Logger({ write: (t) => (text += t), plainProgressMs: 0 }) });
    const lines = text.split('\n');
    // The first read of 64 KiB, before any row is counted; later lines (at most one per 200 ms) depend on the machine's speed.
    expect(lines[1]).toBe('etl: source src: 0.1 of 0.6 MiB, 0 rows, 0 rows/s');
    for (const l of lines.filter((l) => l.startsWith('etl: source src: '))) expect(l).toMatch(/^etl: source src: \d+\.\d of 0\.6 MiB, \d+ rows, \d+ rows\/s$/);
    expect(text).not.toMatch(/[\r\x1b]/);
    expect(lines.find((l) => l.startsWith('etl: source src ('))).toMatch(/^etl: source src \(.*in\.csv\): 40000 rows \(\d+\.\ds\)$/);
  });
});
