import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelFileSystem } from '../../src/engine/kernel-paths.ts';
import { fixture } from '../support/fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');
const linux = kernelFileSystem('/proc')?.fileSystem === 'proc';
if (!linux) console.warn('/proc is not a proc file system here: the tests of outputs on kernel file systems are SKIPPED');

/** Runs etl in a child (a hang there cannot hang the tests); SIGKILLed after `limit` ms. */
function etl(args: string[], cwd: string, limit: number): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, err });
    });
  });
}

describe.skipIf(!linux)('a path on a file system of the kernel', () => {
  it('is told by its nearest existing ancestor, without creating anything', () => {
    expect(kernelFileSystem('/proc/etl-test/out')).toEqual({ existing: '/proc', fileSystem: 'proc' });
    expect(kernelFileSystem('/sys/etl-test/out/a.csv')).toEqual({ existing: '/sys', fileSystem: 'sysfs' });
    expect(fs.existsSync('/proc/etl-test')).toBe(false);
    expect(kernelFileSystem(path.join(os.tmpdir(), 'etl-no-such-folder/out'))).toBeUndefined();
    expect(kernelFileSystem(fixture({}))).toBeUndefined();
  });

  // Generous bounds: before, the run on /proc spun at full CPU for ever (Node's recursive mkdir there).
  it.each([
    ['/proc/etl-test/out', '/proc', 'proc'],
    ['/sys/etl-test/out', '/sys', 'sysfs'],
  ])('as out_dir (%s) is refused at once with exit 2, before any folder is made', async (out, existing, fileSystem) => {
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer }, on_invalid: reject }
sinks:
  s: { from: src, file: "\${out_dir}/s.csv", order_by: [id] }
manifest: \${out_dir}/manifest.json
`,
    });
    const r = await etl(['run', '--param', `out_dir=${out}`], dir, 30_000);
    expect(r).toEqual({
      code: 2,
      signal: null,
      err: [`${out}: cannot write outputs here: ${existing} is on ${fileSystem}, a file system of the kernel, not a disk; choose another folder`, `${out}/rejects: cannot write outputs here: ${existing} is on ${fileSystem}, a file system of the kernel, not a disk; choose another folder`, ''].join('\n'),
    });
  });
});
