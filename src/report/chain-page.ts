import type { TopLevelSpec } from 'vega-lite';
import type { ChainModel } from './chain-model.ts';
import { chartSvg } from './charts.ts';
import { esc, mark, page, table } from './html.ts';
import { keepCompiledCode } from './libraries.ts';

/**
 * The page of a chain of runs: a warning wherever a run did not continue from the one before it,
 * a chart per measure over the runs, and a table of the runs with links to their own reports.
 */
export async function renderChainPage(model: ChainModel): Promise<string> {
  const labels = model.runs.map((r) => r.label);
  const charts: string[] = [];
  for (const [i, name] of model.measures.entries()) {
    const values = model.runs.filter((r) => name in r.measures).map((r) => ({ run: r.label, value: r.measures[name]! }));
    charts.push(`<div class="chart" data-measure="${esc(name)}">${await chartSvg(measureSpec(name, values, labels), `measure-${i}`)}</div>`);
  }
  const warnings = model.warnings.length
    ? `<section id="warnings"><h2>The chain is broken</h2>${model.warnings.map((w) => `<div class="warning">${esc(w)}</div>`).join('\n')}</section>`
    : `<section id="warnings"><h2>The chain</h2><p>${mark(true, 'every run read the state the run before it wrote (SHA-256)')}</p></section>`;
  const rows = model.runs.map((r) => [
    r.reportHref ? `<a href="${esc(r.reportHref)}"><code>${esc(r.label)}</code></a>` : `<code>${esc(r.label)}</code>`,
    esc(r.pipeline),
    r.follows ? `<code>${esc(r.follows)}</code>` : '<span class="muted">—</span>',
    `${r.checksPassed}/${r.checks} ${mark(r.passed)}`,
    ...model.measures.map((m) => (m in r.measures ? String(r.measures[m]) : '<span class="muted">—</span>')),
    esc(r.startedAt ?? ''),
  ]);
  const numeric = model.measures.map((_, i) => i + 4);
  const body = `${warnings}
<section id="measures"><h2>Over the runs</h2><div class="charts">${charts.join('\n')}</div>
${model.measures.length ? '' : '<p class="muted">The runs record no measures (a pipeline declares them under measures:).</p>'}</section>
<section id="runs"><h2>Runs</h2><p class="note">In chain order: each run follows the one whose outputs it read. Each name links to the run's own report.</p>
${table(['run', 'pipeline', 'continues from', 'checks', ...model.measures, 'started'], rows, { num: numeric, id: 'runs-table' })}</section>`;
  const header = `<h1>${model.runs.length} runs${model.warnings.length ? ' <span class="status failed">chain broken</span>' : ''}</h1><p>${esc([...new Set(model.runs.map((r) => r.pipeline))].join(', '))}</p>`;
  keepCompiledCode();
  return page('etl runs', header, body);
}

/** One measure over the runs of a chain: a bar per run, its value above it. */
export function measureSpec(name: string, values: readonly { run: string; value: number }[], runs: readonly string[]): TopLevelSpec {
  return {
    title: name,
    data: { values: [...values] },
    width: { step: Math.max(18, Math.min(40, Math.floor(480 / Math.max(1, runs.length)))) },
    height: 160,
    layer: [
      { mark: { type: 'bar', color: '#4285f4' } },
      { mark: { type: 'text', dy: -6, fontSize: 10 }, encoding: { text: { field: 'value', type: 'quantitative' } } },
    ],
    encoding: {
      x: { field: 'run', type: 'nominal', sort: [...runs], title: null, scale: { domain: [...runs] }, axis: { labelAngle: -40, labelLimit: 140 } },
      y: { field: 'value', type: 'quantitative', title: null, axis: { tickMinStep: 1, format: 'd' } },
    },
  } as TopLevelSpec;
}
