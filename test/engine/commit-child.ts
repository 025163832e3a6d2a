/**
 * A run's commit in a process of its own, for test/engine/commit.test.ts: writes the new set
 * (`a.csv`, `b.csv`, `state/c.csv`, `manifest.json` under DIR) and commits it; the optional
 * callback of `commit` kills this process with SIGKILL after KILL_AT renames. With `sabotage`,
 * the temporary file of `b.csv` is removed after the first rename, so that a rename fails and the
 * commit rolls back (and is killed KILL_AT renames into the rollback).
 *
 *   node --import tsx test/engine/commit-child.ts DIR KILL_AT [sabotage]
 */
import fs from 'node:fs';
import path from 'node:path';
import { OutputFiles } from '../../src/engine/output-files.ts';

const [dir, killAtText, mode] = process.argv.slice(2);
const killAt = Number(killAtText);
const out = (name: string) => path.join(dir!, name);
const finals = ['a.csv', 'b.csv', 'state/c.csv', 'manifest.json'].map(out);

const files = new OutputFiles('child', finals, () => undefined);
for (const final of finals) files.write(final, `new ${path.basename(final)}\n`);
let renames = 0;
let rollback = 0;
await files.commit([], (step) => {
  renames++;
  if (step.rollback) rollback++;
  if (mode === 'sabotage' && renames === 1) fs.rmSync(path.join(dir!, '.b.csv.etl-tmp-child'));
  if (mode === 'sabotage' ? rollback === killAt : renames === killAt) process.kill(process.pid, 'SIGKILL');
});
