import { fixture } from './fixture.ts';

/**
 * A pipeline of one source, `n` chained `query:` transforms (t1 reads the source, each next one
 * the one before, each adding 1 to `id`) and a sink of the last, in a fresh folder. `cycle`
 * makes t1 read t`n` instead of the source.
 */
export function chainPipeline(n: number, options: { cycle?: boolean } = {}): string {
  const lines = ['name: chain', 'params: { out_dir: out }', 'sources:', '  s0: { file: in.csv, columns: { id: integer, name: text } }', 'transforms:'];
  for (let i = 1; i <= n; i++) {
    const from = i > 1 ? `t${i - 1}` : options.cycle ? `t${n}` : 's0';
    lines.push(`  t${i}:`, `    inputs: [${from}]`, `    query: SELECT id + 1 AS id, name FROM ${from}`);
  }
  lines.push('sinks:', `  out_csv: { from: t${n}, file: "\${out_dir}/out.csv", order_by: [id] }`, '');
  return fixture({ 'in.csv': 'id,name\n1,a\n2,b\n', 'pipeline.yaml': lines.join('\n') });
}
