import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/config/compile.ts';
import { EtlError, formatDiagnostic } from '../../src/errors.ts';
import { fixture } from '../support/fixture.ts';

const CSV = 'id,name\n1,a\n';

/** Compiles and returns every problem as printed, with the folder replaced by `DIR`. */
function problems(files: Record<string, string>, overrides: Record<string, string> = {}): string[] {
  const dir = fixture(files);
  try {
    compilePipeline(path.join(dir, 'pipeline.yaml'), { overrides });
  } catch (e) {
    if (!(e instanceof EtlError)) throw e;
    expect(e.exitCode).toBe(2);
    return e.diagnostics.map(formatDiagnostic).map((l) => l.replaceAll(dir, 'DIR'));
  }
  throw new Error('expected the pipeline to be invalid');
}

describe('compilePipeline', () => {
  it('resolves parameters, overrides and relative paths', () => {
    const dir = fixture({
      'in/p.csv': CSV,
      'q.sql': 'SELECT * FROM p WHERE id > :min',
      'pipeline.yaml': `name: ok
params: { data: in, out_dir: out, min: 0 }
sources:
  p: { file: "\${data}/p.csv", columns: { id: integer, name: text } }
transforms:
  q: { inputs: [p], sql: q.sql }
sinks:
  s: { from: q, file: "\${out_dir}/s.csv", order_by: [id], after: [] }
`,
    });
    const p = compilePipeline(path.join(dir, 'pipeline.yaml'), { overrides: { out_dir: 'elsewhere' } });
    expect(p.params).toEqual({ data: 'in', out_dir: 'elsewhere', min: '0' });
    const source = p.stages.get('p');
    expect(source?.kind === 'source' && source.file).toBe(path.join(dir, 'in/p.csv'));
    const sink = p.stages.get('s');
    expect(sink?.kind === 'sink' && sink.file).toBe(path.join(dir, 'elsewhere/s.csv'));
    const q = p.stages.get('q');
    expect(q?.kind === 'sql' && q.sql.text).toBe('SELECT * FROM p WHERE id > $1');
    expect(p.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['p->q', 'q->s']);
  });

  it('collects every problem in one pass, in file order', () => {
    expect(
      problems({
        'p.csv': CSV,
        'pipeline.yaml': `name: bad
colour: blue
params:
  out_dir: out
sources:
  p:
    file: missing.csv
    columns: { id: integr }
  Bad-Id:
    file: p.csv
    columns: { id: integer }
transforms:
  t:
    inputs: [p, nowhere]
    query: SELECT :nope
    extra: 1
sinks:
  s1: { from: t, file: "\${out_dir}/x.csv", order_by: [id] }
  s2: { from: t, file: out/x.csv, order_by: [id] }
  s3: { from: s1, file: p.csv, order_by: [id] }
  s4: { from: t, file: "\${missing}/y.csv", order_by: [id], after: [s9] }
`,
      }),
    ).toEqual([
      'DIR/pipeline.yaml:2:1: unknown key "colour"; known keys: name, description, params, types, sources, transforms, sinks, checks, measures, manifest, report',
      'DIR/pipeline.yaml:7:11: source "p": file: file not found: DIR/missing.csv',
      'DIR/pipeline.yaml:8:20: source "p": column "id": unknown type "integr"; did you mean "integer"? known types: bigint, boolean, date, integer, numeric, text, timestamp',
      'DIR/pipeline.yaml:9:3: source "Bad-Id": a stage id is lower-case letters, digits and _, starting with a letter or _ (it names a table)',
      'DIR/pipeline.yaml:14:17: transform "t": input "nowhere" is not a stage of this pipeline; known stages: Bad-Id, p, s1, s2, s3, s4, t',
      'DIR/pipeline.yaml:15:19: transform "t": unknown parameter ":nope"; known parameters: out_dir',
      'DIR/pipeline.yaml:16:5: transform "t": unknown key "extra"; known keys: description, inputs, query, sql, type',
      'DIR/pipeline.yaml:19:3: sink "s2" writes DIR/out/x.csv, which sink "s1" writes too',
      'DIR/pipeline.yaml:20:3: sink "s3" would overwrite DIR/p.csv, the file of source "Bad-Id"',
      'DIR/pipeline.yaml:20:15: sink "s3": from "s1" is a sink; only sources and transforms make tables',
      'DIR/pipeline.yaml:21:24: unknown parameter "missing" in "${missing}"; known parameters: out_dir',
      'DIR/pipeline.yaml:21:68: sink "s4": after "s9" is not a stage of this pipeline; known stages: Bad-Id, p, s1, s2, s3, s4, t',
    ]);
  });

  it('names the known parameters when --param names an unknown one', () => {
    expect(problems({ 'p.csv': CSV, 'pipeline.yaml': 'params: { a: 1, b: 2 }\nsources: {}\nsinks: {}\n' }, { c: '3' })).toEqual([
      'unknown parameter "c" in --param; known parameters: a, b',
    ]);
  });

  it('reports a cycle as its path at the edge that closes it', () => {
    expect(
      problems({
        'p.csv': CSV,
        'pipeline.yaml': `sources:
  p: { file: p.csv, columns: { id: integer } }
transforms:
  a: { inputs: [p, c], query: SELECT 1 }
  b: { inputs: [a], query: SELECT 1 }
  c: { inputs: [b], query: SELECT 1 }
sinks: {}
`,
      }),
    ).toEqual(['DIR/pipeline.yaml:4:20: cycle: a -> b -> c -> a']);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems({ 'pipeline.yaml': 'sources:\n  p: [unclosed\n' })[0]).toMatch(/^DIR\/pipeline\.yaml:3:1: invalid YAML: /);
  });

  it('says each YAML problem once: an unclosed bracket with collections nested under it', () => {
    const nested = (depth: number) => ['sources: [', ...Array.from({ length: depth }, () => '  a: [')].join('\n');
    expect(problems({ 'pipeline.yaml': `${nested(500)}\n` })).toEqual(['DIR/pipeline.yaml:502:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']);
    // Deeper than the parser's stack reaches (where depends on the stack's size): said plainly, once.
    expect(problems({ 'pipeline.yaml': `${nested(5000)}\n` }).map((l) => l.replace(/:\d+:\d+:/, ':L:C:'))).toEqual(['DIR/pipeline.yaml:L:C: invalid YAML: collections nested too deeply to read']);
  });

  it('lists the first 100 distinct YAML problems in file order, then a count', () => {
    const list = problems({ 'pipeline.yaml': `a: [\n${'- x\n'.repeat(300)}` });
    expect(list).toHaveLength(101);
    expect(list[0]).toBe('DIR/pipeline.yaml:2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]');
    expect(list[100]).toMatch(/^… and \d+ more YAML problems not listed$/);
    const lines = list.slice(0, 100).map((l) => Number(l.split(':')[1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('refuses an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    expect(problems({ 'pipeline.yaml': `${bomb.join('\n')}\nsources: {}\nsinks: {}\n` })[0]).toMatch(/^DIR\/pipeline\.yaml:1:1: invalid YAML: .*[Aa]lias/);
  });

  it('refuses a pipeline file over 1 MiB before parsing it', () => {
    expect(problems({ 'pipeline.yaml': `# ${'x'.repeat(1024 * 1024)}\nsources: {}\nsinks: {}\n` })).toEqual(['DIR/pipeline.yaml: the pipeline file is larger than 1048576 bytes']);
  });

  it('requires an input, each once, for a ts: transform and a known stage kind', () => {
    expect(
      problems({
        'p.csv': CSV,
        'm.ts': 'export default (r: object) => r;',
        'pipeline.yaml': `sources:
  p: { file: p.csv, columns: { id: integer } }
transforms:
  t: { inputs: [p, p], ts: m.ts }
  u: { inputs: [p] }
  v: { type: python, inputs: [p] }
  w: { inputs: [], ts: m.ts }
sinks: {}
`,
      }),
    ).toEqual([
      'DIR/pipeline.yaml:4:16: transform "t": input "p" is given twice',
      'DIR/pipeline.yaml:5:6: transform "u": needs one of the keys sql, query, ts, routes',
      'DIR/pipeline.yaml:6:14: transform "v": unknown type "python"; known types: sql, ts, split',
      'DIR/pipeline.yaml:7:16: transform "w": a ts: transform needs an input',
    ]);
  });

  it('reads a YAML alias as the node it names, and reports a problem inside it where the anchored text is', () => {
    const dir = fixture({
      'p.csv': CSV,
      'pipeline.yaml': `sources:
  p: { file: p.csv, columns: { id: integer, name: text } }
sinks:
  a: { from: p, file: out/a.csv, order_by: [id], columns: &cols [id, name] }
  b: { from: p, file: out/b.csv, order_by: [id], columns: *cols }
`,
    });
    const pipeline = compilePipeline(path.join(dir, 'pipeline.yaml'));
    const b = pipeline.stages.get('b');
    expect(b?.kind === 'sink' && b.columns).toEqual(['id', 'name']);
    expect(problems({ 'p.csv': CSV, 'pipeline.yaml': 'sources:\n  p: { file: p.csv, columns: &c { id: nope } }\n  q: { file: p.csv, columns: *c }\nsinks: {}\n' })).toEqual([
      'DIR/pipeline.yaml:2:39: source "p": column "id": unknown type "nope"; known types: bigint, boolean, date, integer, numeric, text, timestamp',
      'DIR/pipeline.yaml:2:39: source "q": column "id": unknown type "nope"; known types: bigint, boolean, date, integer, numeric, text, timestamp',
    ]);
  });
});
