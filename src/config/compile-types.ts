import { require as tsxRequire } from 'tsx/cjs/api';
import { invalid, type ColumnType } from '../types/column-type.ts';
import type { CompileContext } from './compile-context.ts';
import type { YamlNode } from './yaml-node.ts';
import { hint } from './suggest.ts';

const TYPE_NAME = /^[a-z_][a-z0-9_]*$/;
const KEYS = ['ts', 'base', 'pattern', 'values', 'description'];

/**
 * The `types:` section: a user's own column types, registered beside the built-in ones.
 * `{ ts: module }` loads a module whose default export is a column type object (`parse`,
 * `sqlType`, `description`, `options`); `{ base, pattern, values }` narrows an existing type
 * by a regular expression or a list of allowed values.
 */
export function compileTypes(node: YamlNode | undefined, ctx: CompileContext): void {
  if (!node || node.isNull) return;
  if (!node.isMap) {
    ctx.problems.add(node.pos, 'types must be a mapping of type name to { ts: module } or { base, pattern, values }');
    return;
  }
  for (const { key: name, keyPos, value } of node.entries()) {
    const what = `type "${name}"`;
    if (!TYPE_NAME.test(name)) ctx.problems.add(keyPos, `${what}: a type name is lower-case letters, digits and _`);
    if (ctx.types.has(name)) {
      ctx.problems.add(keyPos, `${what}: already defined`);
      continue;
    }
    const values = new Map(value.entries().map((e) => [e.key, e.value] as const));
    for (const e of value.entries()) if (!KEYS.includes(e.key)) ctx.problems.add(e.keyPos, `${what}: unknown key "${e.key}"${hint(e.key, KEYS, 'keys')}`);
    const type = values.has('ts') ? moduleType(name, values.get('ts')!, ctx) : derivedType(name, values, value, ctx);
    if (type) ctx.types.register(type);
  }
}

function moduleType(name: string, node: YamlNode, ctx: CompileContext): ColumnType | undefined {
  const file = ctx.existingFile(node, `type "${name}": ts`);
  if (!file) return undefined;
  let exported: unknown;
  try {
    const mod = tsxRequire(file, import.meta.url) as { default?: unknown };
    exported = mod.default ?? mod;
  } catch (e) {
    ctx.problems.add(node.pos, `type "${name}": cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const t = exported as Partial<ColumnType> | undefined;
  if (!t || typeof t.parse !== 'function' || typeof t.sqlType !== 'function') {
    ctx.problems.add(node.pos, `type "${name}": the module's default export needs parse(text, options) and sqlType(options)`);
    return undefined;
  }
  return { ...t, name, description: t.description ?? name } as ColumnType;
}

function derivedType(name: string, values: ReadonlyMap<string, YamlNode>, node: YamlNode, ctx: CompileContext): ColumnType | undefined {
  const what = `type "${name}"`;
  const baseNode = values.get('base');
  if (!baseNode) {
    ctx.problems.add(node.pos, `${what}: needs ts: (a module) or base: (a type to narrow)`);
    return undefined;
  }
  const base = ctx.types.get(baseNode.text ?? '');
  if (!base) {
    ctx.problems.add(baseNode.pos, `${what}: unknown base type "${baseNode.text ?? ''}"${hint(baseNode.text ?? '', ctx.types.names(), 'types')}`);
    return undefined;
  }
  let pattern: RegExp | undefined;
  const patternNode = values.get('pattern');
  if (patternNode) {
    try {
      pattern = new RegExp(`^(?:${patternNode.text ?? ''})$`, 'u');
    } catch (e) {
      ctx.problems.add(patternNode.pos, `${what}: pattern is not a regular expression: ${(e as Error).message}`);
    }
  }
  const allowed = values.has('values') ? new Set(ctx.names(values.get('values'), `${what}: values`).map((v) => v.name)) : undefined;
  const patternRule = invalid(`does not match the pattern of ${name}`);
  const valuesRule = invalid(`not one of the values of ${name}`);
  return {
    name,
    description: values.get('description')?.text ?? `${base.name}${pattern ? ` matching ${patternNode!.text}` : ''}${allowed ? ` in {${[...allowed].join(', ')}}` : ''}`,
    options: base.options,
    // Narrowing a type keeps its values' spelling: what the base reads as written, so does this one.
    verbatim: base.verbatim,
    sqlType: (options) => base.sqlType(options),
    parse(text, options) {
      if (pattern && !pattern.test(text)) return patternRule;
      if (allowed && !allowed.has(text)) return valuesRule;
      return base.parse(text, options);
    },
  };
}
