import fs from 'node:fs';
import path from 'node:path';

/**
 * File systems the kernel makes up from its own state (statfs magic numbers, linux/magic.h).
 * Files cannot be written there, and some of them make ordinary calls misbehave: on /proc,
 * Node's recursive mkdir spins for ever at full CPU, deaf to signals.
 */
const KERNEL_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0x6e736673, 'nsfs'],
  [0x67596969, 'rpc_pipefs'],
]);

/** Where a path would land: its nearest existing ancestor (or itself) and that one's file system. */
export interface KernelPlace {
  /** The nearest folder or file of the path that exists. */
  readonly existing: string;
  /** The kernel file system's name, e.g. `proc`. */
  readonly fileSystem: string;
}

/**
 * The kernel file system `target` is on (or would be created on), or undefined for an ordinary
 * one. Looks only at the nearest existing ancestor, so it never creates anything; a file system
 * that cannot be asked (statfs refused) counts as ordinary, and the write itself will say why it fails.
 */
export function kernelFileSystem(target: string): KernelPlace | undefined {
  let existing = path.resolve(target);
  while (!exists(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) return undefined;
    existing = parent;
  }
  let type: number;
  try {
    type = fs.statfsSync(existing).type >>> 0;
  } catch {
    return undefined;
  }
  const fileSystem = KERNEL_FILE_SYSTEMS.get(type);
  return fileSystem ? { existing, fileSystem } : undefined;
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    // Missing, or a file in the way, or not searchable: look further up.
    return false;
  }
}
