/**
 * Measuring tools for the benchmark: a timed child process with its peak RSS, a sampler of a
 * PostgreSQL cluster's memory, and medians. Linux only: memory is read from /proc.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';

const TIME = '/usr/bin/time';
/** How often /proc is sampled: often enough to catch a stage's peak, cheap on 2 cores. */
const SAMPLE_MS = 100;

/** Reads one `Vm…:   N kB` field of /proc/<pid>/status, in kB; 0 when the process is gone. */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The direct children of a process: the kernel's `children` list, else a scan of /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const kids: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // The command name in parentheses may hold spaces: the fields after the last ')' are fixed.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kids.push(Number(name));
      } catch {
        // Exited while we looked.
      }
    }
    return kids;
  }
}

/**
 * Samples the summed RSS of a postmaster and all its children (backends, walwriter, …) until
 * stopped; returns the peak in MB. Shared buffers touched by several backends count in each
 * one's RSS, so this is an upper bound of the cluster's real footprint.
 */
export function sampleCluster(postmasterPid: number): { stop(): number } {
  let peakKb = 0;
  const sample = () => {
    const pids = [postmasterPid, ...childrenOf(postmasterPid)];
    peakKb = Math.max(peakKb, pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0));
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peakKb / 1024;
    },
  };
}

export interface ChildResult {
  readonly seconds: number;
  /** Peak RSS of the measured process itself, in MB. */
  readonly peakRssMb: number;
  readonly exitCode: number;
}

/**
 * Runs `command args…` with stdout and stderr into `logFile`, timing it by the wall clock.
 * Its peak RSS comes from GNU time (`-v`, the kernel's ru_maxrss: exact, nothing missed between
 * samples) when installed, else from polling VmHWM, the kernel's own high-water mark.
 */
export async function runChild(command: string, args: readonly string[], logFile: string): Promise<ChildResult> {
  const useTime = existsSync(TIME);
  const timeFile = `${logFile}.time`;
  const log = createWriteStream(logFile);
  await once(log, 'open');
  const started = performance.now();
  const child = useTime
    ? spawn(TIME, ['-v', '-o', timeFile, command, ...args], { stdio: ['ignore', log, log] })
    : spawn(command, args, { stdio: ['ignore', log, log] });
  let hwmKb = 0;
  const poll = useTime ? undefined : setInterval(() => (hwmKb = Math.max(hwmKb, statusKb(child.pid!, 'VmHWM'))), SAMPLE_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  clearInterval(poll);
  log.end();
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'));
    hwmKb = m ? Number(m[1]) : 0;
    rmSync(timeFile, { force: true });
  }
  return { seconds, peakRssMb: hwmKb / 1024, exitCode: code ?? 1 };
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times an async function, in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}
