import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ClusterFolder, removeAbandonedClusters } from '../../src/db/cluster-folder.ts';
import { processAlive } from '../../src/process-alive.ts';

const made: string[] = [];
const tmpdir = process.env['TMPDIR'];
afterEach(() => {
  if (tmpdir === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = tmpdir;
});
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** Points os.tmpdir() at a fresh folder of `extra` more bytes of path. */
function useTmp(extra = 0): string {
  let dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-folder-'));
  made.push(dir);
  if (extra > 0) {
    dir = path.join(dir, 'x'.repeat(extra));
    fs.mkdirSync(dir);
  }
  process.env['TMPDIR'] = dir;
  return dir;
}

describe('ClusterFolder', () => {
  it('is one folder of mode 0700 under $TMPDIR, holding the socket', () => {
    const tmp = useTmp();
    const folder = new ClusterFolder();
    folder.create({});
    expect(path.dirname(folder.root)).toBe(tmp);
    expect(path.basename(folder.root)).toMatch(new RegExp(`^etl-pg-${process.pid}-[0-9a-f]+$`));
    expect(folder.socketDir).toBe(folder.root);
    expect(folder.all).toEqual([folder.root]);
    expect(fs.statSync(folder.root).mode & 0o777).toBe(0o700);
    folder.writePassword('secret', {});
    expect(fs.statSync(folder.passwordFile).mode & 0o777).toBe(0o600);
    folder.removePassword();
    expect(fs.existsSync(folder.passwordFile)).toBe(false);
    folder.remove();
    expect(fs.existsSync(folder.root)).toBe(false);
  });

  it('puts the socket in a short 0700 folder of /tmp when $TMPDIR is too deep for a socket path (107 bytes)', () => {
    useTmp(80);
    const folder = new ClusterFolder();
    folder.create({});
    expect(path.dirname(folder.socketDir)).toBe('/tmp');
    expect(path.basename(folder.socketDir)).toBe(path.basename(folder.root));
    expect(Buffer.byteLength(path.join(folder.socketDir, '.s.PGSQL.5432'))).toBeLessThanOrEqual(107);
    expect(fs.statSync(folder.socketDir).mode & 0o777).toBe(0o700);
    folder.remove();
    expect(folder.all.filter((d) => fs.existsSync(d))).toEqual([]);
  });
});

describe('removeAbandonedClusters', () => {
  it('quits the server of a cluster whose run is gone and removes its folder; a live run\'s stays', async () => {
    const tmp = useTmp();
    // A run that is gone: a process that has exited.
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.on('exit', resolve));
    // Its "postmaster": a process that SIGQUIT ends.
    const server = spawn('sleep', ['60']);
    const quit = new Promise((resolve) => server.on('exit', (_, signal) => resolve(signal)));
    const abandoned = path.join(tmp, `etl-pg-${gone.pid}-abc123`);
    fs.mkdirSync(path.join(abandoned, 'data'), { recursive: true });
    fs.writeFileSync(path.join(abandoned, 'data', 'postmaster.pid'), `${server.pid}\n${abandoned}/data\n`);
    const live = path.join(tmp, `etl-pg-${process.pid}-def456`);
    fs.mkdirSync(live);

    expect(removeAbandonedClusters()).toBeGreaterThanOrEqual(1);
    expect(await quit).toBe('SIGQUIT');
    expect(processAlive(server.pid!)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([path.basename(live)]);
  });
});
