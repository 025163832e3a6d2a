import { sqlError } from '../components/run-sql.ts';
import { HIDDEN_LINE } from '../components/source-csv-load.ts';
import type { RowRule, SourceStage } from '../config/pipeline.ts';
import { LIST_LIMIT } from './invalid-rows.ts';
import { ident, type RunContext } from './run-context.ts';

/**
 * Checks the `rules:` of loaded sources. They run once every source is loaded, since a rule may
 * read another source (e.g. a window's bounds from a state file). A row for which a rule is false
 * is an invalid row at its line; like a repeated primary key it fails the run whatever
 * `on_invalid` says, since the row was read fine and only the whole data set can be judged.
 * The lines a source kept only for its rules are dropped afterwards.
 */
export async function checkRules(sources: readonly SourceStage[], rt: RunContext): Promise<void> {
  for (const source of sources) {
    if (source.rules.length === 0) continue;
    const line = ident(source.lineColumn ?? HIDDEN_LINE);
    const broken: { line: number; rule: number }[] = [];
    let problems = 0;
    for (const [index, rule] of source.rules.entries()) {
      const params = rule.sql.params.map((p) => rt.pipeline.params[p]);
      const prefix = `SELECT ${line} AS line, count(*) OVER () AS total FROM ${ident(source.id)} WHERE NOT (\n`;
      let result;
      try {
        result = await rt.driver.query(`${prefix}${rule.sql.text}\n) ORDER BY ${line} LIMIT ${LIST_LIMIT}`, params);
      } catch (e) {
        throw sqlError(e, { id: `${source.id}: rule ${rule.name}`, pos: rule.pos, sql: rule.sql }, prefix.length);
      }
      for (const r of result.rows) broken.push({ line: Number(r['line']), rule: index });
      problems += Number(result.rows[0]?.['total'] ?? 0);
    }
    // In file order, as the rows' other problems are; a row is counted once however many rules it breaks.
    broken.sort((a, b) => a.line - b.line || a.rule - b.rule);
    const listed = new Set<number>();
    for (const b of broken) {
      rt.invalid.add(source.id, { file: source.file, line: b.line }, breaks(source.rules[b.rule]!), !listed.has(b.line), 'rule');
      listed.add(b.line);
    }
    if (problems > broken.length) rt.invalid.addUnlisted(source.id, (await countBroken(source, line, rt)) - listed.size, 'rule', problems - broken.length);
    if (!source.lineColumn) await rt.driver.dropColumn(source.id, HIDDEN_LINE);
  }
}

/** Rows breaking any rule of the source, each counted once (each rule has run alone already, so its SQL is sound). */
async function countBroken(source: SourceStage, line: string, rt: RunContext): Promise<number> {
  const name = `etl_broken_${source.id}`.slice(0, 63);
  await rt.driver.createTable(name, [{ name: 'line', sqlType: 'integer' }]);
  for (const rule of source.rules) {
    const params = rule.sql.params.map((p) => rt.pipeline.params[p]);
    await rt.driver.query(`INSERT INTO ${ident(name)} SELECT ${line} FROM ${ident(source.id)} WHERE NOT (\n${rule.sql.text}\n)`, params);
  }
  const r = await rt.driver.query(`SELECT count(DISTINCT line) AS n FROM ${ident(name)}`);
  await rt.driver.dropTable(name);
  return Number(r.rows[0]!['n']);
}

/** The message for a row that breaks `rule`: its words, or its SQL. Never a value of the row. */
function breaks(rule: RowRule): string {
  return `breaks rule "${rule.name}": ${rule.description ?? `${rule.sql.origin.original.trim()} is false`}`;
}
