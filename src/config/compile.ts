import fs from 'node:fs';
import path from 'node:path';
import { componentsOf } from '../components/registry.ts';
import type { Section } from '../components/component.ts';
import { displayPath, EtlError, Problems, type Position } from '../errors.ts';
import { findCycles } from '../graph/graph.ts';
import { builtinTypes } from '../types/builtin.ts';
import type { ColumnType } from '../types/column-type.ts';
import { TypeRegistry } from '../types/type-registry.ts';
import { CompileContext } from './compile-context.ts';
import { compileChecks } from './compile-checks.ts';
import { compileMeasures } from './compile-measures.ts';
import { compileTypes } from './compile-types.ts';
import type { Edge, Pipeline, Stage } from './pipeline.ts';
import { parseYaml, type YamlNode } from './yaml-node.ts';
import { hint } from './suggest.ts';

const TOP_KEYS = ['name', 'description', 'params', 'types', 'sources', 'transforms', 'sinks', 'checks', 'measures', 'manifest', 'report'];
const SECTIONS: readonly Section[] = ['sources', 'transforms', 'sinks'];
const SINGULAR: Record<Section, string> = { sources: 'source', transforms: 'transform', sinks: 'sink' };
const STAGE_ID = /^[a-z_][a-z0-9_]{0,62}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARAM_KEYS = ['default', 'type', 'description'];
const EDGE_KEYS: Record<string, Edge['kind']> = { inputs: 'input', from: 'from', after: 'after' };

export interface CompileOptions {
  /** `--param k=v` values; each must name a parameter the file declares. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Column types available to the pipeline; the built-in ones by default. */
  readonly types?: TypeRegistry;
}

/** The built-in column types, registered explicitly. */
export function defaultTypes(): TypeRegistry {
  const types = new TypeRegistry();
  for (const t of builtinTypes) types.register(t);
  return types;
}

/**
 * The one bridge from a pipeline file to a typed {@link Pipeline}: every problem found in one
 * pass and thrown together (exit 2), each at its file, line and column.
 */
export function compilePipeline(file: string, options: CompileOptions = {}): Pipeline {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EtlError('invalid', [{ pos: { file: abs }, message: code === 'ENOENT' ? 'pipeline file not found' : `cannot read the pipeline file (${code})` }]);
  }
  const root = parseYaml(text, abs);
  const problems = new Problems();
  if (!root.isMap) throw new EtlError('invalid', [{ pos: root.pos, message: 'a pipeline file must be a mapping with sources, transforms and sinks' }]);
  const top = new Map<string, YamlNode>();
  for (const { key, keyPos, value } of root.entries()) {
    if (!TOP_KEYS.includes(key)) problems.add(keyPos, `unknown key "${key}"${hint(key, TOP_KEYS, 'keys')}`);
    top.set(key, value);
  }
  for (const required of ['sources', 'sinks']) if (!top.has(required)) problems.add(root.pos, `missing key "${required}"`);

  const baseTypes = options.types ?? defaultTypes();
  const params = compileParams(top.get('params'), options.overrides ?? {}, baseTypes, problems);
  const ctx = new CompileContext(abs, problems, params, baseTypes.clone());
  compileTypes(top.get('types'), ctx);
  const stages = new Map<string, Stage>();
  // Every declared id, compiled or not, so one broken stage does not make its users report it as unknown.
  const declared = new Map<string, Section>();
  const tableOwner = new Map<string, string>();
  const edgeRefs: { stage: string; kind: Edge['kind']; name: string; pos: Position }[] = [];

  for (const section of SECTIONS) {
    const node = top.get(section);
    if (!node || node.isNull) continue;
    if (!node.isMap) {
      problems.add(node.pos, `${section} must be a mapping of stage id to stage`);
      continue;
    }
    for (const { key: id, keyPos, value } of node.entries()) {
      const what = `${SINGULAR[section]} "${id}"`;
      if (!STAGE_ID.test(id)) problems.add(keyPos, `${what}: a stage id is lower-case letters, digits and _, starting with a letter or _ (it names a table)`);
      if (declared.has(id)) problems.add(keyPos, `${what}: the id is already used by another stage`);
      else declared.set(id, section);
      if (!value.isMap) {
        problems.add(value.pos, `${what} must be a mapping of keys`);
        continue;
      }
      const values = new Map(value.entries().map((e) => [e.key, e.value] as const));
      const compiled = compileStage(section, id, value, values, ctx);
      // Errors about a stage as a whole point at its id.
      const stage = compiled && { ...compiled, pos: keyPos };
      for (const [key, kind] of Object.entries(EDGE_KEYS)) {
        const refs = values.get(key);
        if (refs && (kind !== 'input' || section === 'transforms')) for (const r of ctx.names(refs, `${what}: ${key}`)) edgeRefs.push({ stage: id, kind, name: r.name, pos: r.pos });
      }
      if (stage && !stages.has(id)) stages.set(id, stage);
      // A stage may make more tables than the one named after it (a split makes one per route).
      for (const table of stage?.kind === 'split' ? stage.routes.map((r) => r.name) : []) {
        if (declared.has(table)) problems.add(keyPos, `${what}: route "${table}" has the id of another stage`);
        else {
          declared.set(table, section);
          tableOwner.set(table, id);
        }
      }
    }
  }

  const edges = resolveEdges(stages, declared, tableOwner, edgeRefs, problems);
  const checks = compileChecks(top.get('checks'), ctx);
  const manifestNode = top.get('manifest');
  const manifest = manifestNode ? ctx.path(manifestNode, 'manifest') : undefined;
  const reportNode = top.get('report');
  const report = reportNode ? ctx.path(reportNode, 'report') : undefined;
  if (report && report === manifest) problems.add(reportNode!.pos, `the report and the manifest both write ${displayPath(report)}`);
  const measures = compileMeasures(top.get('measures'), ctx);
  checkClaims(stages, manifest, report, problems);
  for (const d of findCycles([...stages.keys()], edges)) problems.add(d.pos, d.message);
  problems.throwIfAny('invalid');
  const name = top.get('name')?.text ?? path.basename(abs, path.extname(abs));
  const description = top.get('description')?.text;
  return { name, ...(description ? { description } : {}), file: abs, dir: path.dirname(abs), params, types: ctx.types, stages, edges, checks, manifest, report, measures };
}

/**
 * Parameters: `name: value`, or `name: { default, type, description }` where `type` is a built-in
 * column type that every value, default or `--param`, must pass (exit 2 otherwise).
 */
function compileParams(node: YamlNode | undefined, overrides: Readonly<Record<string, string>>, types: TypeRegistry, problems: Problems): Record<string, string> {
  const params: Record<string, string> = {};
  const typed: { name: string; type: ColumnType; pos: Position }[] = [];
  const withoutDefault: { name: string; pos: Position }[] = [];
  if (node && !node.isNull && !node.isMap) problems.add(node.pos, 'params must be a mapping of name to value');
  for (const { key, keyPos, value } of node?.entries() ?? []) {
    if (!PARAM_NAME.test(key)) problems.add(keyPos, `parameter "${key}": a name is letters, digits and _`);
    let valueNode = value;
    if (value.isMap) {
      const spec = new Map(value.entries().map((e) => [e.key, e] as const));
      for (const e of spec.values()) if (!PARAM_KEYS.includes(e.key)) problems.add(e.keyPos, `parameter "${key}": unknown key "${e.key}"${hint(e.key, PARAM_KEYS, 'keys')}`);
      valueNode = spec.get('default')?.value ?? valueNode;
      const typeNode = spec.get('type')?.value;
      if (typeNode) {
        const type = types.get(typeNode.text ?? '');
        if (type) typed.push({ name: key, type, pos: keyPos });
        else problems.add(typeNode.pos, `parameter "${key}": unknown type "${typeNode.text ?? ''}"${hint(typeNode.text ?? '', types.names(), 'types')}`);
      }
      if (!spec.has('default')) {
        params[key] = '';
        withoutDefault.push({ name: key, pos: keyPos });
        continue;
      }
    }
    const text = valueNode.text;
    if (text === undefined && !valueNode.isNull) problems.add(valueNode.pos, `parameter "${key}": the default must be a single value`);
    params[key] = text ?? '';
  }
  const defaults = { ...params };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in defaults)) problems.add(undefined, `unknown parameter "${key}" in --param${hint(key, Object.keys(defaults).sort(), 'parameters')}`);
    else params[key] = value;
  }
  for (const { name, pos } of withoutDefault) {
    if (!(name in overrides)) problems.add(pos, `parameter "${name}" has no default: give it with --param ${name}=…`);
  }
  for (const { name, type, pos } of typed) {
    if (withoutDefault.some((p) => p.name === name) && !(name in overrides)) continue;
    const parsed = type.parse(params[name]!, {});
    if (typeof parsed !== 'string') problems.add(pos, `parameter "${name}"${name in overrides ? ' (from --param)' : ''}: ${parsed.invalid}`);
  }
  return params;
}

function compileStage(section: Section, id: string, node: YamlNode, values: ReadonlyMap<string, YamlNode>, ctx: CompileContext): Stage | undefined {
  const what = `${SINGULAR[section]} "${id}"`;
  const candidates = componentsOf(section);
  const typeNode = values.get('type');
  const component = typeNode
    ? candidates.find((c) => c.kind === typeNode.text)
    : candidates.find((c) => c.markers.some((m) => values.has(m)));
  if (!component) {
    if (typeNode) ctx.problems.add(typeNode.pos, `${what}: unknown type "${typeNode.text ?? ''}"${hint(typeNode.text ?? '', candidates.map((c) => c.kind), 'types')}`);
    else ctx.problems.add(node.pos, `${what}: needs one of the keys ${candidates.flatMap((c) => c.markers).join(', ')}`);
    return undefined;
  }
  for (const [key, valueNode] of values) {
    if (!(key in component.keys)) {
      ctx.problems.add(keyPosition(node, key) ?? valueNode.pos, `${what}: unknown key "${key}"${hint(key, Object.keys(component.keys).sort(), 'keys')}`);
    }
  }
  for (const [key, spec] of Object.entries(component.keys)) {
    if (spec.required && !values.has(key)) ctx.problems.add(node.pos, `${what}: missing key "${key}" (${spec.description})`);
  }
  // Compiled even when keys are wrong, so all its other problems are reported in the same pass;
  // the problems already collected keep the pipeline from running.
  return component.compile(id, node, values, ctx);
}

function keyPosition(node: YamlNode, key: string): Position | undefined {
  return node.entries().find((e) => e.key === key)?.keyPos;
}

function resolveEdges(
  stages: ReadonlyMap<string, Stage>,
  declared: ReadonlyMap<string, Section>,
  tableOwner: ReadonlyMap<string, string>,
  refs: readonly { stage: string; kind: Edge['kind']; name: string; pos: Position }[],
  problems: Problems,
): Edge[] {
  const edges: Edge[] = [];
  const knownIds = [...declared.keys()].sort();
  for (const r of refs) {
    const what = `${SINGULAR[declared.get(r.stage)!]} "${r.stage}"`;
    const target = declared.get(r.name);
    if (!target) {
      problems.add(r.pos, `${what}: ${r.kind} "${r.name}" is not a stage of this pipeline${hint(r.name, knownIds, 'stages')}`);
    } else if (r.kind !== 'after' && target === 'sinks') {
      problems.add(r.pos, `${what}: ${r.kind} "${r.name}" is a sink; only sources and transforms make tables`);
    } else {
      const from = tableOwner.get(r.name) ?? r.name;
      if (stages.has(r.stage) && stages.has(from)) edges.push({ from, to: r.stage, kind: r.kind, pos: r.pos, ...(from !== r.name ? { table: r.name } : {}) });
    }
  }
  return edges;
}

/** Two stages may not write one file, and no output may overwrite an input. */
function checkClaims(stages: ReadonlyMap<string, Stage>, manifest: string | undefined, report: string | undefined, problems: Problems): void {
  const writers = new Map<string, string>();
  if (manifest) writers.set(manifest, 'the manifest');
  if (report) writers.set(report, 'the report');
  const readers = new Map<string, string>();
  for (const s of stages.values()) if (s.kind === 'source') readers.set(s.file, s.id);
  for (const s of stages.values()) {
    const outputs = s.kind === 'sink' ? [s.file] : s.kind === 'source' && s.rejectsFile ? [s.rejectsFile] : [];
    if (s.kind === 'source' && s.file === manifest) problems.add(s.pos, `the manifest would overwrite ${displayPath(s.file)}, the file of source "${s.id}"`);
    if (s.kind === 'source' && s.file === report) problems.add(s.pos, `the report would overwrite ${displayPath(s.file)}, the file of source "${s.id}"`);
    for (const file of outputs) {
      const label = s.kind === 'sink' ? `sink "${s.id}"` : `the rejects of source "${s.id}"`;
      const other = writers.get(file);
      if (other) problems.add(s.pos, `${label} writes ${displayPath(file)}, which ${other} writes too`);
      else writers.set(file, label);
      const reader = readers.get(file);
      if (reader) problems.add(s.pos, `${label} would overwrite ${displayPath(file)}, the file of source "${reader}"`);
    }
  }
}
