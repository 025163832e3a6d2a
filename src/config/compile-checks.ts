import type { CompileContext } from './compile-context.ts';
import type { BoundSql, Check } from './pipeline.ts';
import { bindSql } from './sql-params.ts';
import type { YamlNode } from './yaml-node.ts';
import { hint } from './suggest.ts';

const KEYS = ['description', 'equal', 'assert'];

/**
 * The `checks:` section. `equal:` maps labels to queries of one value each, which must all be
 * equal (e.g. row counts that reconcile); `assert:` is one query that must return true.
 */
export function compileChecks(node: YamlNode | undefined, ctx: CompileContext): Check[] {
  if (!node || node.isNull) return [];
  if (!node.isMap) {
    ctx.problems.add(node.pos, 'checks must be a mapping of check name to { equal: … } or { assert: … }');
    return [];
  }
  const checks: Check[] = [];
  for (const { key: name, keyPos, value } of node.entries()) {
    const what = `check "${name}"`;
    const values = new Map(value.entries().map((e) => [e.key, e.value] as const));
    for (const e of value.entries()) if (!KEYS.includes(e.key)) ctx.problems.add(e.keyPos, `${what}: unknown key "${e.key}"${hint(e.key, KEYS, 'keys')}`);
    const equal = values.get('equal');
    const assert = values.get('assert');
    if (!equal === !assert) {
      ctx.problems.add(keyPos, `${what}: needs exactly one of equal: (labelled queries) or assert: (one query)`);
      continue;
    }
    const queries: { label: string; sql: BoundSql }[] = [];
    if (assert) {
      const sql = bind(assert, what, ctx);
      if (sql) queries.push({ label: 'assert', sql });
    } else if (!equal!.isMap || equal!.entries().length < 2) {
      ctx.problems.add(equal!.pos, `${what}: equal: needs at least two labelled queries`);
    } else {
      for (const e of equal!.entries()) {
        const sql = bind(e.value, `${what}: ${e.key}`, ctx);
        if (sql) queries.push({ label: e.key, sql });
      }
    }
    checks.push({ name, pos: keyPos, description: values.get('description')?.text, kind: assert ? 'assert' : 'equal', queries });
  }
  return checks;
}

/** A query of a check (or a measure), its `:name` parameters bound; unknown ones are problems. */
export function bind(node: YamlNode, what: string, ctx: CompileContext): BoundSql | undefined {
  const text = ctx.text(node, what);
  if (text === undefined) return undefined;
  const pos = node.pos;
  const { bound, refs } = bindSql(text, { file: pos.file, line: pos.line ?? 1, col: pos.col ?? 1 });
  for (const ref of refs) {
    if (ctx.params[ref.name] === undefined) ctx.problems.add(pos, `${what}: unknown parameter ":${ref.name}"${hint(ref.name, Object.keys(ctx.params).sort(), 'parameters')}`);
  }
  return bound;
}
