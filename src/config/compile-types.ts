import type { ColumnType } from '../types/column-type.ts';
import { moduleType as loadTypeModule, narrowType } from '../types/type-recipe.ts';
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
  let type: ColumnType | string;
  try {
    type = loadTypeModule(file, name);
  } catch (e) {
    ctx.problems.add(node.pos, `type "${name}": cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  if (typeof type === 'string') {
    ctx.problems.add(node.pos, `type "${name}": ${type}`);
    return undefined;
  }
  return type;
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
  let pattern: string | undefined;
  const patternNode = values.get('pattern');
  if (patternNode) {
    try {
      new RegExp(`^(?:${patternNode.text ?? ''})$`, 'u');
      pattern = patternNode.text ?? '';
    } catch (e) {
      ctx.problems.add(patternNode.pos, `${what}: pattern is not a regular expression: ${(e as Error).message}`);
    }
  }
  const allowed = values.has('values') ? ctx.names(values.get('values'), `${what}: values`).map((v) => v.name) : undefined;
  return narrowType(name, base, pattern, allowed, values.get('description')?.text);
}
