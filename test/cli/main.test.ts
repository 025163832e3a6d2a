import { describe, expect, it } from 'vitest';
import { HELP, USAGE } from '../../src/cli/help.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const dir = fixture({
  'a.csv': 'id\n1\n',
  'pipeline.yaml': 'name: tiny\nparams: { out_dir: out }\nsources:\n  a: { file: a.csv, columns: { id: integer } }\nsinks:\n  s: { from: a, file: "${out_dir}/a.csv", order_by: [id] }\n',
});

describe('etl command line', () => {
  it('prints help and exits 0 with --help; usage and exit 2 with nothing', async () => {
    expect(await runCli(['--help'], dir)).toEqual({ code: 0, out: HELP.main, err: '' });
    expect(await runCli(['run', '--help'], dir)).toEqual({ code: 0, out: HELP.run, err: '' });
    expect((await runCli([], dir)).code).toBe(2);
  });

  it('rejects an unknown command or option with exit 2', async () => {
    expect(await runCli(['frobnicate'], dir)).toEqual({ code: 2, out: '', err: `etl: unknown command "frobnicate"\n${USAGE}` });
    const r = await runCli(['run', '--colour'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^etl run: Unknown option '--colour'/);
  });

  it('validates without touching data', async () => {
    expect(await runCli(['validate'], dir)).toEqual({ code: 0, out: 'pipeline.yaml: valid (2 stages)\n', err: '' });
    expect(await runCli(['validate', 'nope.yaml'], dir)).toEqual({ code: 2, out: '', err: 'nope.yaml: pipeline file not found\n' });
  });

  it('checks --param and --database before running', async () => {
    expect(await runCli(['run', '--param', 'out_dir'], dir)).toEqual({ code: 2, out: '', err: '--param takes name=value, got "out_dir"\n' });
    expect(await runCli(['run', '--database', 'mysql://x'], dir)).toEqual({ code: 2, out: '', err: 'the database must be a postgres:// URL, duckdb or duckdb:FILE (from --database)\n' });
  });

  it('prints the graph', async () => {
    const r = await runCli(['graph', '--format', 'mermaid'], dir);
    expect(r).toEqual({ code: 0, out: 'flowchart LR\n  a[("a<br/>source")]\n  s[/"s<br/>sink"/]\n  a --> s\n', err: '' });
    expect((await runCli(['graph', '--format', 'svg'], dir)).err).toBe('--format must be dot or mermaid, not "svg"\n');
  });
});
