import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Conditions an operator meets, made real for a test: an immutable file (`chattr +i`) and a
 * small, full disk (a tmpfs). Each says when the machine cannot make it, so the test using it is
 * skipped visibly rather than passing without having run.
 */

/** Whether `chattr +i` works on files under `dir` (it needs root and a file system that supports it). */
export function chattrWorks(dir = os.tmpdir()): boolean {
  const probe = fs.mkdtempSync(path.join(dir, 'etl-chattr-'));
  const file = path.join(probe, 'f');
  fs.writeFileSync(file, '');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** Sets or clears the immutable flag of `file`. */
export function immutable(file: string, on: boolean): void {
  execFileSync('chattr', [on ? '+i' : '-i', file], { stdio: 'ignore' });
}

/** A fresh tmpfs of `size` (e.g. `256k`) mounted on a new folder, or undefined when it cannot be mounted (not root). */
export function mountTmpfs(size: string): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmdirSync(dir);
    return undefined;
  }
}

/** Unmounts what {@link mountTmpfs} mounted and removes its folder. */
export function unmountTmpfs(dir: string | undefined): void {
  if (!dir) return;
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // Still busy (a file left open by a failed test): detach it now, the kernel frees it when closed.
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
  fs.rmdirSync(dir);
}

/** Fills the file system of `dir` to the last byte with a file `name`, and returns its path. */
export function fillUp(dir: string, name = 'filler'): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  try {
    for (;;) fs.writeSync(fd, block, 0, 1);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Every file and folder under `dir` (hidden ones too), with each file's content: what a test compares a whole folder by. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out[`${name}/`] = '';
        walk(name);
      } else {
        out[name] = fs.readFileSync(path.join(dir, name), 'utf8');
      }
    }
  };
  walk('');
  return out;
}
