import { chartSvg } from './charts.ts';
import { graphSvg } from './graph-svg.ts';
import { esc, mark, page, sha, table } from './html.ts';
import { keepCompiledCode } from './libraries.ts';
import { conservationSpec, countsSpec, timelineSpec } from './run-charts.ts';
import type { RunModel } from './run-model.ts';

/** The run-time part of a page (times, database) lies between these: the rest is the same for the same inputs. */
export const RUN_PART_START = '<!-- etl:run-times -->';
export const RUN_PART_END = '<!-- /etl:run-times -->';

/** A run's page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched). */
export async function renderRunPage(model: RunModel): Promise<string> {
  const n = (v: number) => String(v);
  const sections: string[] = [];
  const nav = ['graph', 'conservation', 'checks', 'files', model.measures.length ? 'measures' : '', 'parameters', 'run'].filter(Boolean);

  if (model.failure) {
    sections.push(`<section id="failure"><h2>Why the run failed</h2>
<p>No output was changed: the previous outputs are as they were. What was known when it stopped is below.</p>
<div class="failure">${model.failure.map(esc).join('\n')}</div></section>`);
  }

  const order = model.sinkOrder.length
    ? `<h3>The order sinks are written in (after:)</h3><ol id="sink-order">${model.sinkOrder.map((step) => `<li>${step.map((s) => `<code>${esc(s)}</code>`).join(', ')}</li>`).join('')}</ol>`
    : '';
  sections.push(`<section id="graph"><h2>Stages</h2><p class="note">Each edge carries the rows that went along it; a split's edges, its routes. Dashed edges: <code>after:</code>, ordering only.</p>
<div class="graph">${await graphSvg(model.nodes, model.edges)}</div>${order}</section>`);

  const conservation = conservationSpec(model);
  const balanceRows = [
    ...model.sources.map((s) => [`<code>${esc(s.stage)}</code>`, 'source', n(s.read), `${n(s.accepted)} accepted + ${n(s.rejected)} rejected`, n(s.accepted + s.rejected), mark(s.holds, 'holds', 'does not add up')]),
    ...model.splits.map((s) => [
      `<code>${esc(s.stage)}</code>`, 'split', n(s.input), s.routes.map((r) => `${esc(r.name)} ${n(r.rows)}`).join(' + '), n(s.routes.reduce((a, r) => a + r.rows, 0)), mark(s.holds, 'holds', 'does not add up'),
    ]),
  ];
  sections.push(`<section id="conservation"><h2>Conservation</h2><p class="note">Every row read is accepted or rejected; every row a split reads goes to exactly one route.</p>
${conservation ? `<div class="chart">${await chartSvg(conservation, 'conservation')}</div>` : ''}
${table(['stage', 'kind', 'in', 'out', 'sum out', ''], balanceRows, { num: [2, 4], id: 'conservation-table' })}
${rejects(model)}</section>`);

  sections.push(`<section id="checks"><h2>Checks</h2>${model.checks.length ? table(['check', 'values', ''], model.checks.map((c) => [
    `<code>${esc(c.name)}</code>${c.description ? `<br><span class="note">${esc(c.description)}</span>` : ''}`,
    c.values.map((v) => `${esc(v.label)} = <b>${esc(v.value ?? 'NULL')}</b>`).join('<br>'),
    mark(c.passed),
  ]), { id: 'checks-table' }) : `<p class="muted">${model.failure ? 'No check was evaluated.' : 'The pipeline declares no checks.'}</p>`}
${await countsBy(model)}</section>`);

  if (model.measures.length) {
    sections.push(`<section id="measures"><h2>Measures</h2>${table(['measure', 'value'], model.measures.map((m) => [`<code>${esc(m.name)}</code>${m.description ? `<br><span class="note">${esc(m.description)}</span>` : ''}`, n(m.value)]), { num: [1], id: 'measures-table' })}</section>`);
  }

  const outputs = model.failure
    ? '<p class="muted">None: a failed run writes nothing.</p>'
    : table(['stage', 'path', 'rows', 'SHA-256'], model.outputs.map((f) => [`<code>${esc(f.stage)}</code>`, `<code>${esc(f.path)}</code>`, n(f.rows), sha(f.sha256)]), { num: [2], id: 'outputs-table' });
  sections.push(`<section id="files"><h2>Inputs and outputs</h2><p class="note">SHA-256 shortened; hover for the whole.</p>
<h3>Inputs</h3>${table(['source', 'path', 'rows', 'SHA-256'], model.inputs.map((f) => [`<code>${esc(f.stage)}</code>`, `<code>${esc(f.path)}</code>`, n(f.rows), sha(f.sha256)]), { num: [2], id: 'inputs-table' })}
<h3>Outputs</h3>${outputs}</section>`);

  sections.push(`<section id="parameters"><h2>Parameters</h2>${table(['parameter', 'value'], model.parameters.map((p) => [`<code>${esc(p.name)}</code>`, `<code>${esc(p.value)}</code>`]), { id: 'parameters-table' })}</section>`);

  const timeline = timelineSpec(model);
  sections.push(`${RUN_PART_START}<section id="run"><h2>The run</h2>
${table(['started', 'finished', 'database'], [[esc(model.run.startedAt), esc(model.run.finishedAt), esc(model.run.database)]])}
<h3>Stage timings</h3><p class="note">Bars that overlap are stages that ran at the same time.</p>
${timeline ? `<div class="chart">${await chartSvg(timeline, 'timeline')}</div>` : ''}</section>${RUN_PART_END}`);

  const header = `<h1>${esc(model.pipeline)} <span class="status ${model.status}" id="status">${model.status === 'passed' ? 'passed' : 'FAILED'}</span></h1>
${model.description ? `<p>${esc(model.description)}</p>` : ''}<nav>${nav.map((id) => `<a href="#${id}">${id}</a>`).join('')}</nav>`;
  keepCompiledCode();
  return page(`${model.pipeline}: run report`, header, sections.join('\n'));
}

function rejects(model: RunModel): string {
  const rows = model.sources.flatMap((s) => s.byRule.map((r) => [`<code>${esc(s.stage)}</code>`, esc(r.rule), String(r.rows)]));
  if (rows.length === 0) return '';
  return `<h3>Rejected rows by rule</h3><p class="note">A row that breaks two rules counts under both.</p>${table(['source', 'rule', 'rows'], rows, { num: [2], id: 'rejects-table' })}`;
}

async function countsBy(model: RunModel): Promise<string> {
  const parts: string[] = [];
  for (const [i, c] of model.countsBy.entries()) {
    const title = `<h3>Rows of <code>${esc(c.sink)}</code> by <code>${esc(c.column)}</code></h3>`;
    if (!c.counts) {
      parts.push(`${title}<p class="muted">${esc(c.withheld ?? '')}</p>`);
      continue;
    }
    const rows = c.counts.map((v) => [`<code>${esc(v.value)}</code>`, String(v.rows)]);
    const chart = c.counts.length ? `<div class="chart">${await chartSvg(countsSpec(c.counts), `counts-${i}`)}</div>` : '';
    parts.push(`${title}<div class="charts">${chart}${table([c.column, 'rows'], rows, { num: [1], id: `counts-${c.sink}-${c.column}` })}</div>`);
  }
  return parts.join('\n');
}
