/** Byte-for-byte comparison of the two contenders' outputs. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * The files of `names` that differ between the two folders (or are missing from one), each
 * with where they first differ as `cmp` says (a byte and line number; never the content).
 */
export async function differences(engineDir: string, baselineDir: string, names: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of names) {
    const [e, b] = [join(engineDir, name), join(baselineDir, name)];
    if (!existsSync(e) || !existsSync(b)) {
      found.push(`${name}: missing from ${existsSync(e) ? 'the baseline' : 'the engine'}'s outputs`);
    } else if ((await sha256(e)) !== (await sha256(b))) {
      const cmp = spawnSync('cmp', [e, b], { encoding: 'utf8' });
      found.push(`${name}: ${(cmp.stdout || cmp.stderr || 'differs').trim()}`);
    }
  }
  return found;
}
