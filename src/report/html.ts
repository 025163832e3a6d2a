/** Text for HTML: every character that could open markup is escaped. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A SHA-256 shortened to 12 hex digits; the whole on hover, and selectable. */
export function sha(hex: string | undefined): string {
  if (!hex) return '<span class="muted">—</span>';
  return `<code class="sha" title="${esc(hex)}">${esc(hex.slice(0, 12))}…</code>`;
}

/** A plain table; cells are HTML already escaped by the caller. `num` columns are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], options: { num?: readonly number[]; id?: string } = {}): string {
  const cls = (i: number) => (options.num?.includes(i) ? ' class="num"' : '');
  const head = headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${options.id ? ` id="${esc(options.id)}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A pass/fail mark that also reads without colour. */
export function mark(ok: boolean, yes = 'passed', no = 'FAILED'): string {
  return ok ? `<span class="ok">✓ ${esc(yes)}</span>` : `<span class="bad">✗ ${esc(no)}</span>`;
}

const CSS = `
:root { --ink: #1d2330; --muted: #667085; --line: #d9dee7; --ok: #137333; --bad: #b3261e; --warn: #8a5a00; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Noto Sans CJK JP", sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 18px 28px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: var(--muted); }
main { padding: 8px 28px 40px; max-width: 1500px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; }
.muted { color: var(--muted); }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; margin-left: 8px; font-size: 14px; vertical-align: middle; }
.status.passed { background: #e6f4ea; color: var(--ok); }
.status.failed { background: #fce8e6; color: var(--bad); }
.warning { border-left: 4px solid var(--warn); background: #fff8e1; padding: 8px 12px; margin: 8px 0; }
.failure { border-left: 4px solid var(--bad); background: #fce8e6; padding: 8px 12px; margin: 8px 0; white-space: pre-wrap; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.chart, .graph { overflow-x: auto; }
.graph svg { height: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.note { color: var(--muted); font-size: 12px; }
nav a { margin-right: 14px; }
`;

/**
 * A whole page: inline CSS, the given body, no script, no external resource of any kind, so it
 * opens from a USB stick on an offline PC and shows the same everywhere.
 */
export function page(title: string, header: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>${header}</header>
<main>
${body}
</main>
</body>
</html>
`;
}
