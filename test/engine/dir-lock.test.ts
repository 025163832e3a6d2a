import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirLock } from '../../src/engine/dir-lock.ts';
import { EtlError } from '../../src/errors.ts';
import { describeFsError } from '../../src/engine/fs-errors.ts';
import { fixture } from '../support/fixture.ts';
import { fillUp, mountTmpfs, tree, unmountTmpfs } from './fs-conditions.ts';

const take = (dir: string) => {
  const said: string[] = [];
  const lock = DirLock.acquire([dir], (l) => said.push(l));
  return { lock, said };
};

describe('a lock file', () => {
  it('that is empty was left by a run that stopped while taking it: it is taken over at once, with a message', () => {
    const dir = fixture({ '.etl.lock': '' });
    const { lock, said } = take(dir);
    expect(said).toEqual([`etl: ${dir}: removed a lock file that names no run (empty), left by a run that stopped while taking it`]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.etl.lock'), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('that cannot be read as a lock is taken over too', () => {
    const dir = fixture({ '.etl.lock': '{"pi' });
    const { lock, said } = take(dir);
    expect(said).toEqual([`etl: ${dir}: removed a lock file that names no run (not etl's format), left by a run that stopped while taking it`]);
    lock.release();
  });

  it('found stale by two runs at once goes to one of them, and the other then finds it held', () => {
    const stale = JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), started_at: 'then' });
    const dir = fixture({ '.etl.lock': stale });
    const said: string[] = [];
    let second: DirLock | undefined;
    // The second run takes the stale lock over after the first has read it, before the first takes it over.
    const judged = () => {
      second ??= DirLock.acquire([dir], (l) => said.push(`second: ${l}`));
    };
    let refused: unknown;
    try {
      DirLock.acquire([dir], (l) => said.push(`first: ${l}`), { judged });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(EtlError);
    expect((refused as EtlError).diagnostics[0]!.message).toMatch(new RegExp(`^another etl run \\(process ${process.pid}, started .*\\) is writing to this folder; run again when it has finished$`));
    expect(said).toEqual([`second: etl: ${dir}: removed the lock of a run that no longer exists`]);
    const held = fs.readFileSync(path.join(dir, '.etl.lock'), 'utf8');
    expect(JSON.parse(held).pid).toBe(process.pid);
    expect(fs.readdirSync(dir)).toEqual(['.etl.lock']);
    second!.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('is removed at release only while it is the run\'s own', () => {
    const dir = fixture({});
    const { lock } = take(dir);
    const other = JSON.stringify({ pid: 1, host: os.hostname(), started_at: 'now' });
    fs.writeFileSync(path.join(dir, '.etl.lock'), other);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual(['.etl.lock']);
    expect(fs.readFileSync(path.join(dir, '.etl.lock'), 'utf8')).toBe(other);
  });
});

let disk: string | undefined;
beforeAll(() => {
  disk = mountTmpfs('64k');
  if (!disk) console.warn('cannot mount a tmpfs (not root): the test of a lock on a full disk is SKIPPED');
});
afterAll(() => unmountTmpfs(disk));

describe('on a full disk', () => {
  it('taking the lock fails naming the lock file, and leaves no file, empty or not', (ctx) => {
    if (!disk) return ctx.skip();
    const dir = path.join(disk, 'out');
    fs.mkdirSync(dir);
    const filler = fillUp(disk);
    try {
      expect(() => take(dir)).toThrow();
      let message: string | undefined;
      try {
        take(dir);
      } catch (e) {
        message = describeFsError(e);
      }
      expect(message).toBe(`etl: ${dir}/.etl.lock: no space left on the device while writing (ENOSPC)`);
      expect(tree(dir)).toEqual({});
    } finally {
      fs.rmSync(filler);
    }
    // With room again, the lock is taken with nothing to take over.
    const { lock, said } = take(dir);
    expect(said).toEqual([]);
    lock.release();
  });
});
