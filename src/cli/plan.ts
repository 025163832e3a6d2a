import type { Pipeline, Stage } from '../config/pipeline.ts';
import { displayPath } from '../errors.ts';
import { checksFor, runOrder, type Selection } from '../graph/select.ts';

/**
 * A dry run as text: parameters, then the stages in the order a run takes them with what each
 * reads and writes, then the checks and the manifest. Touches no data, starts no database.
 */
export function renderPlan(pipeline: Pipeline, selection: Selection): string {
  const lines = [`pipeline "${pipeline.name}" (${displayPath(pipeline.file)})`];
  const params = Object.entries(pipeline.params).sort(([a], [b]) => (a < b ? -1 : 1));
  if (params.length) {
    lines.push('parameters:');
    const width = Math.max(...params.map(([k]) => k.length));
    for (const [k, v] of params) lines.push(`  ${k.padEnd(width)} = ${v}`);
  }
  const order = runOrder(pipeline, selection);
  lines.push(selection.all ? 'stages, in the order they run:' : `stages, in the order they run (selected ${order.length} of ${pipeline.stages.size}):`);
  const idWidth = Math.max(...order.map((s) => s.id.length));
  order.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(3)}  ${kind(s).padEnd(9)}  ${s.id.padEnd(idWidth)}  ${io(s)}`));
  const rules = order.flatMap((s) => (s.kind === 'source' ? s.rules.map((r) => `${s.id}.${r.name}`) : []));
  if (rules.length) lines.push(`row rules, once every source is loaded: ${rules.join(', ')}`);
  const checks = checksFor(pipeline, selection).map((c) => c.name);
  if (checks.length) lines.push(`checks, after the transforms and before any sink: ${checks.join(', ')}`);
  if (pipeline.measures.length && selection.all) lines.push(`measures, recorded in the manifest: ${pipeline.measures.map((m) => m.name).join(', ')}`);
  if (pipeline.manifest) lines.push(`manifest: ${selection.all ? displayPath(pipeline.manifest) : `${displayPath(pipeline.manifest)} (not written for a selection)`}`);
  if (pipeline.report) lines.push(`report: ${selection.all ? displayPath(pipeline.report) : `${displayPath(pipeline.report)} (not written for a selection)`}`);
  lines.push('outputs are renamed into place only when every stage and check has succeeded');
  return `${lines.join('\n')}\n`;
}

function kind(s: Stage): string {
  return s.kind === 'sql' || s.kind === 'ts' ? `${s.kind} xform` : s.kind;
}

function io(s: Stage): string {
  switch (s.kind) {
    case 'source':
      return `reads ${displayPath(s.file)} (${s.encoding})${s.rejectsFile ? `; rejects to ${displayPath(s.rejectsFile)}` : ''}`;
    case 'sql':
      return `reads ${s.inputs.join(', ') || 'no stage (parameters only)'}${s.sql.origin.file !== s.pos.file ? ` with ${displayPath(s.sql.origin.file)}` : ''}`;
    case 'ts':
      return `reads ${s.inputs.join(', ')} with ${displayPath(s.module)}`;
    case 'split':
      return `reads ${s.inputs.join(', ')}; makes ${s.routes.map((r) => r.name).join(', ')}`;
    case 'sink':
      return `reads ${s.from}; writes ${displayPath(s.file)}${s.after.length ? ` (after ${s.after.join(', ')})` : ''}`;
  }
}
