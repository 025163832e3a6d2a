import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/engine/logger.ts';

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
