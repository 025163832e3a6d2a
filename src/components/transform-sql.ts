import fs from 'node:fs';
import type { SqlTransformStage } from '../config/pipeline.ts';
import { bindSql } from '../config/sql-params.ts';
import { COMMON_KEYS, type Component } from './component.ts';
import { runSql } from './run-sql.ts';
import { hint } from '../config/suggest.ts';

/** A table made by one SQL query over the tables of its inputs. */
export const sqlTransform: Component<SqlTransformStage> = {
  kind: 'sql',
  stageKind: 'sql',
  section: 'transforms',
  description: 'a SQL query over its inputs (named as tables); its result becomes a table named after the stage',
  markers: ['sql', 'query'],
  keys: {
    ...COMMON_KEYS,
    inputs: { required: true, description: 'stage ids the query reads, as tables' },
    sql: { description: 'a .sql file holding one query; `:name` is a bound parameter' },
    query: { description: 'the query inline, instead of `sql:`' },
  },

  compile(id, node, values, ctx) {
    const inputs = ctx.names(values.get('inputs'), `transform "${id}": inputs`).map((x) => x.name);
    const sqlNode = values.get('sql');
    const queryNode = values.get('query');
    if (!sqlNode && !queryNode) {
      ctx.problems.add(node.pos, `transform "${id}": needs sql: (a file) or query: (inline SQL)`);
      return undefined;
    }
    if (sqlNode && queryNode) {
      ctx.problems.add(queryNode.pos, `transform "${id}": give either sql: or query:, not both`);
      return undefined;
    }
    let text: string | undefined;
    let origin: { file: string; line: number; col: number } | undefined;
    if (sqlNode) {
      const file = ctx.existingFile(sqlNode, `transform "${id}": sql`);
      if (!file) return undefined;
      text = fs.readFileSync(file, 'utf8');
      origin = { file, line: 1, col: 1 };
    } else {
      text = ctx.text(queryNode!, `transform "${id}": query`);
      if (text === undefined) return undefined;
      // A block scalar's text starts on the line after its indicator.
      const pos = queryNode!.pos;
      origin = { file: pos.file, line: (pos.line ?? 1) + (/^[|>]/.test(text) ? 1 : 0), col: pos.col ?? 1 };
    }
    const { bound, refs } = bindSql(text, origin);
    for (const ref of refs) {
      if (ctx.params[ref.name] === undefined) {
        const lines = text.slice(0, ref.offset).split('\n');
        const line = origin.line + lines.length - 1;
        const col = lines.length === 1 ? origin.col + ref.offset : lines[lines.length - 1]!.length + 1;
        ctx.problems.add({ file: origin.file, line, col }, `transform "${id}": unknown parameter ":${ref.name}"${hint(ref.name, Object.keys(ctx.params).sort(), 'parameters')}`);
      }
    }
    return { kind: 'sql', id, pos: node.pos, description: values.get('description')?.text, inputs, sql: bound };
  },

  async run(stage, rt) {
    const body = stripTrailingSemicolons(stage.sql.text);
    const params = stage.sql.params.map((p) => rt.pipeline.params[p]);
    return { rows: await runSql(rt, stage, body, params) };
  },
};

/** `CREATE TABLE … AS` takes one query; a trailing `;` (and comments after it) is how people end a .sql file. */
function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/(;|\s|--[^\n]*(\n|$))+$/u, '');
}
