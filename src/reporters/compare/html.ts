import { OUTCOME_WORDS } from '../../model/outcomes.js';
import type { Cell, Comparison, Trend } from '../../report/compare.js';
import { VERSION } from '../../version.js';
import { html, Markup } from '../html/markup.js';

const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLES = `
body { margin: 0; background: #f6f8fa; color: #1f2328; font: 15px/1.5 system-ui, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.card { background: #fff; border: 1px solid #d1d9e0; border-radius: 10px; padding: 14px 18px; margin: 0 0 18px; overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #eaeef2; padding: 4px 10px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; }
td.worse { background: #ffebe9; color: #82071e; font-weight: 700; }
td.better { background: #dafbe1; color: #0f5323; }
.delta { color: inherit; opacity: .85; font-size: 13px; }
.muted { color: #59636e; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; overflow-wrap: anywhere; }
`;

/** Several runs side by side as one self-contained page: a change for the worse is red and marked ▲. */
export function renderComparisonHtml(comparison: Comparison): string {
  const { columns } = comparison;
  const heads = columns.map((_, i) => `#${i + 1}`);
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faultline ${VERSION}">
<title>faultline: ${columns.length} reports compared</title>
<style>${new Markup(STYLES)}</style>
</head>
<body>
<main>
<h1>faultline: ${columns.length} reports compared</h1>
<section class="card"><table id="reports">
<thead><tr><th></th><th>Report</th><th>Started</th><th>faultline</th></tr></thead>
<tbody>${columns.map((column, i) => html`<tr><td>${heads[i]}</td><td><code>${column.file}</code></td><td>${column.startedAt}</td><td>${column.faultlineVersion}</td></tr>`)}</tbody>
</table></section>
<section class="card" id="regressions">${regressions(comparison.regressions)}</section>
${comparison.experiments.map(
  (experiment) => html`<h2>${experiment.title}</h2>
<section class="card"><table class="comparison">
<thead><tr><th></th>${heads.map((head) => html`<th scope="col">${head}</th>`)}</tr></thead>
<tbody>
<tr><th scope="row">Verdict</th>${experiment.outcomes.map((outcome, i) =>
    outcome === null
      ? html`<td class="muted">not run</td>`
      : td(OUTCOME_WORDS[outcome].toUpperCase(), '', experiment.verdictTrend[i]!),
  )}</tr>
${experiment.rows.map((row) => html`<tr><th scope="row">${row.label}</th>${row.cells.map(cellMarkup)}</tr>`)}
</tbody>
</table></section>`,
)}
<p class="muted">Each column is compared with the first (#1). Red and ▲: a change for the worse (a verdict from passed to deviated, a p95 up by more than 20ms and a fifth, an error rate up by a point or more, a recovery slower by more than 250ms and a half, or no recovery). Green and ▼: the same change for the better.</p>
<footer class="muted">faultline ${VERSION}. This page is self-contained: it loads nothing from the network.</footer>
</main>
</body>
</html>
`.value;
}

function regressions(list: readonly string[]): Markup {
  if (list.length === 0)
    return html`<p><strong>No change for the worse</strong> against the first report.</p>`;
  return html`<p><strong>${list.length === 1 ? '1 change' : `${list.length} changes`} for the worse</strong> against the first report:</p>
<ul>${list.map((line) => html`<li>${line}</li>`)}</ul>`;
}

function cellMarkup(cell: Cell | null): Markup {
  return cell ? td(cell.text, cell.delta, cell.trend) : html`<td class="muted">not run</td>`;
}

function td(text: string, delta: string, trend: Trend): Markup {
  const arrow = trend === 'worse' ? ' ▲' : trend === 'better' ? ' ▼' : '';
  return html`<td class="${trend}" data-trend="${trend}">${text}${delta && html` <span class="delta">(${delta})</span>`}${arrow}</td>`;
}
