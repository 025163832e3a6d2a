import fs from 'node:fs';

/**
 * True when a process with this id exists on this machine and has not exited: a zombie (exited,
 * not yet reaped by its parent) counts as gone, since it holds nothing but its process id.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // "pid (comm) S …": the state follows the last parenthesis, since comm may hold one.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux), or it just went away: kill() said it exists.
    return fs.existsSync('/proc/self') ? false : true;
  }
}
