import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFsError, withPath } from '../../src/engine/fs-errors.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/** The error `f` throws. */
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
};

describe('a file-system error', () => {
  it('names the operation and the path, or both paths of a rename, in plain words', () => {
    const dir = fixture({ 'a.csv': '', 'sub/x': '' });
    expect(describeFsError(thrown(() => fs.renameSync(path.join(dir, 'gone.csv'), path.join(dir, 'a.csv'))))).toBe(
      `etl: cannot rename ${dir}/gone.csv to ${dir}/a.csv: no such file or folder (ENOENT)`,
    );
    expect(describeFsError(thrown(() => fs.renameSync(path.join(dir, 'a.csv'), path.join(dir, 'sub'))))).toMatch(
      new RegExp(`^etl: cannot rename ${dir}/a\\.csv to ${dir}/sub: (a folder is in the way \\(EISDIR\\)|the folder is not empty \\(ENOTEMPTY\\)|it already exists \\(EEXIST\\))$`),
    );
    expect(describeFsError(thrown(() => fs.openSync(path.join(dir, 'sub'), 'w')))).toBe(`etl: cannot open ${dir}/sub: a folder is in the way (EISDIR)`);
    expect(describeFsError(thrown(() => fs.mkdirSync(path.join(dir, 'a.csv', 'x'))))).toBe(`etl: cannot create the folder ${dir}/a.csv/x: a file is in the way of a folder (ENOTDIR)`);
  });

  it('from a descriptor gets the path it was about, and a lack of room says what was being done', () => {
    const dir = fixture({ 'a.csv': '' });
    const fd = fs.openSync(path.join(dir, 'a.csv'), 'r');
    const err = thrown(() => fs.writeSync(fd, 'x'));
    fs.closeSync(fd);
    expect(describeFsError(withPath(err, path.join(dir, 'a.csv')))).toBe(`etl: cannot write to ${dir}/a.csv: bad file descriptor (EBADF)`);
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    expect(describeFsError(full)).toBe('etl: no space left on the device while writing (ENOSPC)');
    expect(describeFsError(withPath(full, path.join(process.cwd(), 'out/03_outbound.csv')))).toBe('etl: out/03_outbound.csv: no space left on the device while writing (ENOSPC)');
  });

  it('is told from a socket\'s or the database\'s, which it leaves alone', async () => {
    const refused = await new Promise((resolve) => net.connect(1, '127.0.0.1').on('error', resolve));
    expect(describeFsError(refused)).toBeUndefined();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
    expect(describeFsError(reset)).toBeUndefined();
    expect(describeFsError(Object.assign(new Error('could not extend file'), { code: '53100' }))).toBeUndefined();
    expect(describeFsError(new Error('plain'))).toBeUndefined();
  });

  it('of a run is reported as such, never as a database error', async () => {
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'pipeline.yaml': 'sources:\n  src: { file: in.csv, columns: { id: integer } }\nsinks:\n  s: { from: src, file: out/s.csv, order_by: [id] }\n',
      'out/s.csv/in-the-way': '',
    });
    const r = await runCli(['run', '-q'], dir);
    expect(r).toEqual({ code: 1, out: '', err: 'out/s.csv: a folder is in the way of this output file; move it away and run again\n' });
  });
});
