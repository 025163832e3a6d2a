import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputFiles } from '../../src/engine/output-files.ts';
import { EtlError } from '../../src/errors.ts';
import { fixture } from '../support/fixture.ts';

const write = (files: OutputFiles, final: string, text: string) =>
  new Promise<void>((resolve) => files.open(final).end(text, () => resolve()));

describe('output files', () => {
  it('become visible only at commit, with mode 0600 whatever the umask', async () => {
    const dir = fixture({ 'out/a.csv': 'old a\n' });
    const a = path.join(dir, 'out/a.csv');
    const b = path.join(dir, 'out/sub/b.csv');
    const old = process.umask(0);
    try {
      const files = new OutputFiles('t1', [a, b], () => undefined);
      await write(files, a, 'new a\n');
      files.write(b, 'new b\n');
      expect(fs.readFileSync(a, 'utf8')).toBe('old a\n');
      expect(fs.existsSync(b)).toBe(false);
      await files.commit();
    } finally {
      process.umask(old);
    }
    expect(fs.readFileSync(a, 'utf8')).toBe('new a\n');
    expect(fs.readFileSync(b, 'utf8')).toBe('new b\n');
    expect(fs.statSync(a).mode & 0o777).toBe(0o600);
    expect(fs.statSync(b).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['a.csv', 'sub']);
  });

  it('discard leaves old files and removes the folders it created', async () => {
    const dir = fixture({ 'keep.txt': '' });
    const a = path.join(dir, 'new/deeper/a.csv');
    const files = new OutputFiles('t2', [a], () => undefined);
    await write(files, a, 'x\n');
    files.discard();
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('refuses a folder another live run holds, and takes over a stale lock', () => {
    const dir = fixture({});
    const a = path.join(dir, 'a.csv');
    const first = new OutputFiles('t3', [a], () => undefined);
    expect(() => new OutputFiles('t4', [a], () => undefined)).toThrow(EtlError);
    try {
      new OutputFiles('t4', [a], () => undefined);
    } catch (e) {
      expect((e as EtlError).diagnostics[0]!.message).toMatch(/^another etl run \(process \d+, started .*\) is writing to this folder; run again when it has finished$/);
    }
    first.discard();
    fs.writeFileSync(path.join(dir, '.etl.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), started_at: 'then' }));
    const said: string[] = [];
    new OutputFiles('t5', [a], (l) => said.push(l)).discard();
    expect(said).toEqual([`etl: ${dir}: removed the lock of a run that no longer exists`]);
  });

  it('removes the hidden files killed runs left (temporary files, backups, a lock being written), and nothing else', () => {
    const dir = fixture({ 'a.csv': 'a\n', '.hidden': 'h\n', '.a.csv.etl-tmp-dead': 'x\n', '.a.csv.etl-old-dead': 'y\n', '.etl.lock.etl-tmp-99-0a0b0c0d': 'z\n', '.etl-commit.json.etl-tmp-dead': '{' });
    const said: string[] = [];
    new OutputFiles('t6', [path.join(dir, 'a.csv')], (l) => said.push(l)).discard();
    expect(said).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['.hidden', 'a.csv']);
  });

  it('refuses a folder where an output file should be, before the run does any work', () => {
    const dir = fixture({ 'out/a.csv/x': '' });
    expect(() => new OutputFiles('t8', [path.join(dir, 'out/a.csv')], () => undefined)).toThrow(
      new EtlError('failed', [{ pos: { file: path.join(dir, 'out/a.csv') }, message: 'a folder is in the way of this output file; move it away and run again' }]),
    );
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
  });
});

describe('a lock taken on another machine', () => {
  it('is never taken over: its process cannot be checked from here', () => {
    const dir = fixture({ '.etl.lock': JSON.stringify({ pid: 1, host: 'elsewhere.example', started_at: 'then' }) });
    try {
      new OutputFiles('t7', [path.join(dir, 'a.csv')], () => undefined);
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as EtlError).diagnostics[0]!.message).toBe('another etl run on elsewhere.example (process 1, started then) holds this folder; if that run is gone, remove .etl.lock here');
    }
  });
});
