import path from 'node:path';
import type { CompileContext } from '../config/compile-context.ts';
import type { Column, Encoding, OnInvalid, RowRule, SourceStage } from '../config/pipeline.ts';
import { bindSql } from '../config/sql-params.ts';
import type { YamlNode } from '../config/yaml-node.ts';
import type { TypeOptions } from '../types/column-type.ts';
import { COMMON_KEYS, type Component } from './component.ts';
import { prepareChunks } from './source-csv-chunks.ts';
import { loadCsv } from './source-csv-load.ts';
import { hint } from '../config/suggest.ts';

const ENCODINGS: readonly Encoding[] = ['utf-8', 'cp932'];
const ON_INVALID: readonly OnInvalid[] = ['fail', 'reject'];
const COLUMN_KEYS = new Set(['type', 'required']);
const RULE_KEYS = ['check', 'description'];
/**
 * The longest record read by default: a thousand times a registry row, yet small enough that a
 * line without end or a quote never closed is found after one MiB instead of filling memory.
 */
export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;
/** What the limit may be raised to: a record is held as one string, and V8's longest is 512 MiB of UTF-16 units. */
const MAX_RECORD_BYTES_CEILING = 1 << 28;

/** A CSV file loaded into a typed table named after the stage. */
export const csvSource: Component<SourceStage> = {
  kind: 'csv',
  stageKind: 'source',
  section: 'sources',
  description: 'a CSV file, checked against its declared column types and loaded into a table',
  markers: ['file'],
  keys: {
    ...COMMON_KEYS,
    file: { required: true, description: 'the CSV file; relative paths resolve from the pipeline file' },
    encoding: { description: 'utf-8 (default; a BOM is skipped) or cp932' },
    delimiter: { description: 'the field separator: "," (default), "\\t", ";" or "|"' },
    columns: { required: true, description: 'name: type, or name: {type, required, options…}; the header must contain them' },
    on_invalid: { description: 'fail (default): stop and list invalid rows; reject: write them to the rejects file' },
    rejects: { description: 'where rejected rows go; default ${out_dir}/rejects/<source>.csv' },
    primary_key: { description: 'columns whose values must be unique together' },
    line_column: { description: 'adds an integer column of this name holding each row\'s line in the file' },
    verify: { description: 'manifest: refuse the file unless its SHA-256 matches the manifest.json beside it; { manifest: FILE }: that manifest' },
    rules: { description: 'name: SQL condition every row must meet (or { check, description }); a row where it is false is invalid at its line' },
    max_record_bytes: { description: `the most bytes a record may take in the file, its line ending not counted (default ${DEFAULT_MAX_RECORD_BYTES}); a longer one fails the run at its line` },
  },

  compile(id, node, values, ctx) {
    const file = ctx.existingFile(values.get('file'), `source "${id}": file`, 'data');
    const encNode = values.get('encoding');
    const encoding = encNode ? ctx.oneOf(encNode, `source "${id}": encoding`, ENCODINGS) : 'utf-8';
    const delimNode = values.get('delimiter');
    const delimiter = delimNode ? ctx.oneOf(delimNode, `source "${id}": delimiter`, [',', '\t', ';', '|'] as const) : ',';
    const onNode = values.get('on_invalid');
    const onInvalid = onNode ? ctx.oneOf(onNode, `source "${id}": on_invalid`, ON_INVALID) : 'fail';
    const columnsNode = values.get('columns');
    const columns = columnsNode ? compileColumns(id, columnsNode, ctx) : [];
    let rejectsFile: string | undefined;
    const rejectsNode = values.get('rejects');
    if (rejectsNode) rejectsFile = ctx.path(rejectsNode, `source "${id}": rejects`);
    else if (onInvalid === 'reject') {
      const outDir = ctx.params['out_dir'];
      if (outDir === undefined) ctx.problems.add(onNode!.pos, `source "${id}": on_invalid: reject needs a parameter "out_dir" or a "rejects:" file`);
      else rejectsFile = path.resolve(ctx.dir, outDir, 'rejects', `${id}.csv`);
    }
    let primaryKey: string[] | undefined;
    const pkNode = values.get('primary_key');
    if (pkNode) {
      primaryKey = [];
      for (const { name, pos } of ctx.names(pkNode, `source "${id}": primary_key`)) {
        if (!columns.some((c) => c.name === name)) ctx.problems.add(pos, `source "${id}": primary_key column "${name}" is not among its columns`);
        primaryKey.push(name);
      }
    }
    const lineNode = values.get('line_column');
    const lineColumn = ctx.text(lineNode, `source "${id}": line_column`);
    if (lineColumn && columns.some((c) => c.name === lineColumn)) ctx.problems.add(lineNode!.pos, `source "${id}": line_column "${lineColumn}" is also a declared column`);
    const verify = compileVerify(id, values.get('verify'), file, ctx);
    const rules = compileRules(id, values.get('rules'), ctx);
    const maxNode = values.get('max_record_bytes');
    const maxRecordBytes = maxNode ? Number(maxNode.text) : DEFAULT_MAX_RECORD_BYTES;
    if (maxNode && !(/^\d+$/.test(maxNode.text ?? '') && maxRecordBytes >= 1 && maxRecordBytes <= MAX_RECORD_BYTES_CEILING)) {
      ctx.problems.add(maxNode.pos, `source "${id}": max_record_bytes must be a whole number of bytes from 1 to ${MAX_RECORD_BYTES_CEILING}`);
    }
    if (!file || !encoding || !delimiter || !onInvalid || !columnsNode) return undefined;
    return {
      kind: 'source', id, pos: node.pos, description: values.get('description')?.text,
      file, filePos: values.get('file')!.pos, encoding, delimiter, columns, onInvalid, rejectsFile, primaryKey, lineColumn, verify, rules, maxRecordBytes,
    };
  },

  run: loadCsv,
  prepare: prepareChunks,
};

function compileColumns(id: string, node: YamlNode, ctx: CompileContext): Column[] {
  if (!node.isMap) {
    ctx.problems.add(node.pos, `source "${id}": columns must be a mapping of column name to type`);
    return [];
  }
  const columns: Column[] = [];
  for (const { key, keyPos, value } of node.entries()) {
    const what = `source "${id}": column "${key}"`;
    let typeNode = value;
    let required = false;
    const given = new Map<string, YamlNode>();
    if (value.isMap) {
      for (const e of value.entries()) given.set(e.key, e.value);
      typeNode = given.get('type') ?? value;
      if (!given.has('type')) ctx.problems.add(value.pos, `${what}: needs a "type"`);
      const req = given.get('required');
      if (req?.text === 'true' || req?.text === 'false') required = req.text === 'true';
      else if (req) ctx.problems.add(req.pos, `${what}: required must be true or false`);
    }
    const typeName = typeNode.text;
    const type = typeName ? ctx.types.get(typeName) : undefined;
    if (!type) {
      if (typeName !== undefined || !value.isMap) ctx.problems.add(typeNode.pos, `${what}: unknown type "${typeName ?? ''}"${hint(typeName ?? '', ctx.types.names(), 'types')}`);
      continue;
    }
    const options: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(type.options ?? {})) options[name] = spec.default;
    for (const [name, optNode] of given) {
      if (COLUMN_KEYS.has(name)) continue;
      const spec = type.options?.[name];
      if (!spec) {
        const knownKeys = [...COLUMN_KEYS, ...Object.keys(type.options ?? {})].sort();
        ctx.problems.add(optNode.pos, `${what}: unknown key "${name}" for type ${type.name}${hint(name, knownKeys, 'keys')}`);
        continue;
      }
      const parsed = parseOption(optNode.text, spec.kind);
      if (parsed === undefined) ctx.problems.add(optNode.pos, `${what}: ${name} must be ${spec.kind === 'integer' ? 'an integer' : `a ${spec.kind}`}`);
      else options[name] = parsed;
    }
    if (columns.some((c) => c.name === key)) ctx.problems.add(keyPos, `${what}: declared twice`);
    columns.push({ name: key, type, options: options as TypeOptions, required });
  }
  if (columns.length === 0 && node.entries().length === 0) ctx.problems.add(node.pos, `source "${id}": columns must name at least one column`);
  return columns;
}

/** `verify: manifest` (the manifest.json beside the file) or `verify: { manifest: FILE }`. */
function compileVerify(id: string, node: YamlNode | undefined, file: string | undefined, ctx: CompileContext): SourceStage['verify'] {
  if (!node) return undefined;
  const what = `source "${id}": verify`;
  if (node.isMap) {
    const entries = node.entries();
    for (const e of entries) if (e.key !== 'manifest') ctx.problems.add(e.keyPos, `${what}: unknown key "${e.key}"; known keys: manifest`);
    const manifestNode = entries.find((e) => e.key === 'manifest')?.value;
    if (!manifestNode) {
      ctx.problems.add(node.pos, `${what}: needs manifest: (the manifest.json of the run that wrote the file)`);
      return undefined;
    }
    const manifest = ctx.path(manifestNode, `${what}: manifest`);
    return manifest === undefined ? undefined : { manifest };
  }
  if (!ctx.oneOf(node, what, ['manifest'] as const) || !file) return undefined;
  return { manifest: path.join(path.dirname(file), 'manifest.json') };
}

/** `rules:` — name: SQL condition, or name: { check: SQL condition, description: text }. */
function compileRules(id: string, node: YamlNode | undefined, ctx: CompileContext): RowRule[] {
  if (!node || node.isNull) return [];
  if (!node.isMap) {
    ctx.problems.add(node.pos, `source "${id}": rules must map rule names to SQL conditions`);
    return [];
  }
  const rules: RowRule[] = [];
  for (const { key: name, keyPos, value } of node.entries()) {
    const what = `source "${id}": rule "${name}"`;
    let checkNode = value;
    let description: string | undefined;
    if (value.isMap) {
      const given = new Map(value.entries().map((e) => [e.key, e] as const));
      for (const e of given.values()) if (!RULE_KEYS.includes(e.key)) ctx.problems.add(e.keyPos, `${what}: unknown key "${e.key}"${hint(e.key, RULE_KEYS, 'keys')}`);
      description = given.get('description')?.value.text;
      const check = given.get('check')?.value;
      if (!check) {
        ctx.problems.add(value.pos, `${what}: needs check: (a SQL condition)`);
        continue;
      }
      checkNode = check;
    }
    const text = ctx.text(checkNode, what);
    if (text === undefined) continue;
    const pos = checkNode.pos;
    const { bound, refs } = bindSql(text, { file: pos.file, line: pos.line ?? 1, col: pos.col ?? 1 });
    for (const ref of refs) {
      if (ctx.params[ref.name] === undefined) ctx.problems.add(pos, `${what}: unknown parameter ":${ref.name}"${hint(ref.name, Object.keys(ctx.params).sort(), 'parameters')}`);
    }
    rules.push({ name, pos: keyPos, sql: bound, description });
  }
  return rules;
}

function parseOption(text: string | undefined, kind: 'boolean' | 'string' | 'integer'): unknown {
  if (text === undefined) return undefined;
  if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  if (kind === 'integer') return /^-?\d+$/.test(text) ? Number(text) : undefined;
  return text;
}
