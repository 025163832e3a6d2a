import type { CompileContext } from './compile-context.ts';
import { bind } from './compile-checks.ts';
import type { Measure } from './pipeline.ts';
import type { YamlNode } from './yaml-node.ts';
import { hint } from './suggest.ts';

const KEYS = ['description', 'query'];
const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The `measures:` section: name → one SQL query returning one number (or `{ query, description }`).
 * They are evaluated with the checks and recorded in the manifest, so `etl report` can chart them
 * over a chain of runs. A number is all a measure may be, so none can carry a personal value.
 */
export function compileMeasures(node: YamlNode | undefined, ctx: CompileContext): Measure[] {
  if (!node || node.isNull) return [];
  if (!node.isMap) {
    ctx.problems.add(node.pos, 'measures must be a mapping of name to a query returning one number');
    return [];
  }
  const measures: Measure[] = [];
  for (const { key: name, keyPos, value } of node.entries()) {
    const what = `measure "${name}"`;
    if (!NAME.test(name)) ctx.problems.add(keyPos, `${what}: a name is lower-case letters, digits and _`);
    let queryNode: YamlNode | undefined = value;
    let description: string | undefined;
    if (value.isMap) {
      for (const e of value.entries()) if (!KEYS.includes(e.key)) ctx.problems.add(e.keyPos, `${what}: unknown key "${e.key}"${hint(e.key, KEYS, 'keys')}`);
      const keys = new Map(value.entries().map((e) => [e.key, e.value] as const));
      queryNode = keys.get('query');
      description = keys.get('description')?.text;
      if (!queryNode) {
        ctx.problems.add(keyPos, `${what}: missing key "query" (SQL returning one number)`);
        continue;
      }
    }
    const sql = bind(queryNode, what, ctx);
    if (sql) measures.push({ name, pos: keyPos, description, sql });
  }
  return measures;
}
