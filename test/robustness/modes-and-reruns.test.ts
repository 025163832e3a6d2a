/**
 * Issue 4: outputs are private whatever the umask, reruns are idempotent, and two runs on one
 * output folder cannot both write it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';
import {
  BIN, decodeHistoryLine, encodeHistoryLine, FLAGSHIP, FLAGSHIP_OUTPUTS, FLAGSHIP_TOP, flagshipVariant, linkFlagshipFiles, ROOT, SAMPLE, sampleBytes, sha256, snapshotDir, splitLines,
} from './helpers.ts';

const GOLDEN = path.join(ROOT, 'test', 'golden', 'flagship', 'expected');

/** Every file under `dir` (hidden ones included) with its permission bits. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}`] = (fs.statSync(path.join(d, e.name)).mode & 0o777).toString(8).padStart(4, '0');
    }
  };
  walk(dir, '');
  return out;
}

function expectFlagshipOutputsComplete(out: string): void {
  expect(fs.readdirSync(out).sort(), 'exactly the outputs: no lock, no temporary file').toEqual([...FLAGSHIP_TOP].sort());
  for (const f of FLAGSHIP_OUTPUTS.filter((f) => f.endsWith('.csv'))) {
    expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(GOLDEN, f))), f).toBe(true);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  expect(manifest.passed).toBe(true);
  for (const o of manifest.outputs) expect(o.sha256, o.path).toBe(sha256(fs.readFileSync(path.join(out, o.path))));
}

describe('file modes', () => {
  it('outputs, rejects files and the manifest are 0600 even with umask 0, also over older files of mode 0644', async () => {
    // The flagship with on_invalid: reject on both inputs and one bad row in each, so that
    // rejects files are written too.
    const lines = splitLines(sampleBytes().history);
    lines[3] = encodeHistoryLine({ ...decodeHistoryLine(lines[3]!), sex: '3' });
    const list = splitLines(sampleBytes().nn);
    list[2] = Buffer.from('not-an-id,2002-06-03\n');
    const dir = fixture({
      'data/history.csv': Buffer.concat(lines),
      'data/non_notification.csv': Buffer.concat(list),
      'pipeline.yaml': flagshipVariant((t) => t.replace('    primary_key: [seq]\n', '    primary_key: [seq]\n    on_invalid: reject\n').replace('    line_column: line\n', '    line_column: line\n    on_invalid: reject\n')),
    });
    linkFlagshipFiles(dir);
    const run = () => runCli(['run', 'pipeline.yaml', '--quiet', '--param', 'data_dir=data', '--param', 'out_dir=out'], dir);

    const previous = process.umask(0);
    let first;
    let second;
    try {
      first = await run();
      // Loosen every file, as a careless copy would; a rerun must not keep the loose modes.
      for (const f of Object.keys(modes(path.join(dir, 'out')))) fs.chmodSync(path.join(dir, 'out', f), 0o644);
      second = await run();
    } finally {
      process.umask(previous);
    }
    expect(first).toEqual({ code: 0, out: '', err: '' });
    expect(second).toEqual({ code: 0, out: '', err: '' });
    const expected = Object.fromEntries([...FLAGSHIP_OUTPUTS, 'rejects/history.csv', 'rejects/non_notification.csv'].map((f) => [f, '0600']));
    expect(modes(path.join(dir, 'out'))).toEqual(expected);
  });

  it('folders the run creates for its outputs are not writable by others, even with umask 0', async () => {
    // In a folder others may write, anyone can rename another file over 04_held.csv and its
    // manifest: the 0600 of the files would protect nothing.
    const work = fixture({});
    const out = path.join(work, 'out', 'deep');
    const previous = process.umask(0);
    let r;
    try {
      r = await runCli(['run', FLAGSHIP, '--quiet', '--param', `data_dir=${SAMPLE}`, '--param', `out_dir=${out}`], ROOT);
    } finally {
      process.umask(previous);
    }
    expect(r).toEqual({ code: 0, out: '', err: '' });
    for (const d of [path.join(work, 'out'), out]) {
      const mode = fs.statSync(d).mode & 0o777;
      expect(mode & 0o022, `${path.relative(work, d)} has mode ${mode.toString(8)}`).toBe(0);
    }
  });
});

describe('reruns', () => {
  it('the same inputs and parameters give byte-identical outputs, and the manifest differs only in its run field', async () => {
    const work = fixture({});
    const out = path.join(work, 'out');
    const run = () => runCli(['run', FLAGSHIP, '--quiet', '--param', `data_dir=${SAMPLE}`, '--param', `out_dir=${out}`], ROOT);
    expect(await run()).toEqual({ code: 0, out: '', err: '' });
    const first = snapshotDir(out);
    // Apart in time, so that a timestamp outside the run field would show.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await run()).toEqual({ code: 0, out: '', err: '' });
    const second = snapshotDir(out);

    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const f of FLAGSHIP_OUTPUTS.filter((f) => f.endsWith('.csv'))) expect(second.get(f)!.equals(first.get(f)!), f).toBe(true);
    const m1 = JSON.parse(first.get('manifest.json')!.toString('utf8'));
    const m2 = JSON.parse(second.get('manifest.json')!.toString('utf8'));
    expect(m1.run).toBeDefined();
    expect(m1.run).not.toEqual(m2.run);
    delete m1.run;
    delete m2.run;
    expect(m2).toEqual(m1);
    // Byte for byte too, once the run field is cut out of the text.
    // The run field is the manifest's last: from it to the end.
    const cut = (b: Buffer) => b.toString('utf8').replace(/,\n {2}"run": \{[\s\S]*$/u, '');
    expect(cut(second.get('manifest.json')!)).toBe(cut(first.get('manifest.json')!));
    expect(cut(first.get('manifest.json')!)).not.toContain('"run"');
  });
});

/** Starts `etl run` of the flagship in a child process. */
function child(out: string): { done: Promise<{ code: number | null; err: string }> } {
  const p = spawn(process.execPath, [BIN, 'run', FLAGSHIP, '--quiet', '--param', `data_dir=${SAMPLE}`, '--param', `out_dir=${out}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { done: new Promise((resolve) => p.on('exit', (code) => resolve({ code, err }))) };
}

/** Waits until a run holds `dir` (its lock file exists); fails after `ms`. */
async function lockTaken(dir: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (fs.existsSync(dir) && fs.readdirSync(dir).some((n) => n.startsWith('.etl') && n.includes('lock'))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no run took the lock of ${dir} within ${ms} ms`);
}

describe('two runs on one out_dir', () => {
  it('a second run in this process refuses while a child process runs; the child writes complete outputs', async () => {
    const out = path.join(fixture({}), 'out');
    const first = child(out);
    await lockTaken(out);
    const second = await runCli(['run', FLAGSHIP, '--quiet', '--param', `data_dir=${SAMPLE}`, '--param', `out_dir=${out}`], ROOT);
    expect(second.code, second.err).toBe(1);
    expect(second.err).toContain('another etl run');
    expect(second.err).not.toMatch(/unexpected error/u);
    const r = await first.done;
    expect(r, r.err).toEqual({ code: 0, err: '' });
    expectFlagshipOutputsComplete(out);
  });

  it('two child processes: the second refuses with exit 1, the first completes', async () => {
    const out = path.join(fixture({}), 'out');
    const first = child(out);
    await lockTaken(out);
    const second = await child(out).done;
    expect(second.code, second.err).toBe(1);
    expect(second.err).toContain('another etl run');
    expect((await first.done).code).toBe(0);
    expectFlagshipOutputsComplete(out);
  });

  it('after the refusal and the first run, a third run goes through (the lock does not stay)', async () => {
    const out = path.join(fixture({}), 'out');
    const first = child(out);
    await lockTaken(out);
    expect((await runCli(['run', FLAGSHIP, '--quiet', '--param', `data_dir=${SAMPLE}`, '--param', `out_dir=${out}`], ROOT)).code).toBe(1);
    expect((await first.done).code).toBe(0);
    expect(await runCli(['run', FLAGSHIP, '--quiet', '--param', `data_dir=${SAMPLE}`, '--param', `out_dir=${out}`], ROOT)).toEqual({ code: 0, out: '', err: '' });
    expectFlagshipOutputsComplete(out);
  });
});
