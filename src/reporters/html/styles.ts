import { COLORS } from './timeline-scale.js';

/** The page's only style sheet, inlined: the report must open anywhere, offline, as a single file. */
export const STYLES = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0; background: #f6f8fa; color: #1f2328;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
}
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 15px; font-weight: 600; color: #59636e; margin: 0 0 8px; letter-spacing: .02em; }
h2 { font-size: 22px; margin: 0 0 6px; }
h3 { font-size: 16px; margin: 24px 0 8px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 13px; }
code { background: #eff2f5; padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.muted { color: #59636e; }

.verdict { border: 3px solid; border-radius: 10px; padding: 18px 22px; margin: 0 0 20px; }
.verdict .verdict-label { font-size: 34px; line-height: 1.15; font-weight: 800; margin: 0; }
.verdict .verdict-headline { font-size: 22px; font-weight: 600; margin: 4px 0 0; }
.verdict .verdict-exit { font-size: 16px; font-weight: 600; margin: 8px 0 0; }
.verdict .verdict-meaning { margin: 8px 0 0; max-width: 70ch; }
.tone-passed { background: #dafbe1; border-color: #1a7f37; color: #0f5323; }
.tone-deviated { background: #ffebe9; border-color: #cf222e; color: #82071e; }
.tone-invalid, .tone-errored { background: #fff8c5; border-color: #9a6700; color: #4d2d00; }
.tone-revert-failed { background: #82071e; border-color: #4c0014; color: #fff; }
.tone-aborted { background: #fbefff; border-color: #8250df; color: #512a97; }
.tone-interrupted { background: #eaeef2; border-color: #59636e; color: #1f2328; }
.badge { display: inline-block; border: 2px solid; border-radius: 6px; padding: 0 8px; font-weight: 800; font-size: 14px; letter-spacing: .03em; }

.card { background: #fff; border: 1px solid #d1d9e0; border-radius: 10px; padding: 18px 22px; margin: 0 0 20px; }
.run-verdict { margin: 6px 0; font-weight: 600; }
.summary { font-size: 16px; margin: 8px 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 0; }
.facts dt { color: #59636e; }
.facts dd { margin: 0; }
.callout { border-left: 5px solid; border-radius: 6px; padding: 10px 14px; margin: 14px 0; }
.callout p { margin: 0; }
.callout p + p { margin-top: 6px; }
nav ol { margin: 0; padding-left: 22px; }

table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }
th, td { border: 1px solid #d1d9e0; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
table.impact td.worse { background: #fff5f5; }
.delta-worse { color: #cf222e; font-weight: 700; }
.delta { color: #59636e; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td ul { margin: 0; padding-left: 18px; }
.status { font-weight: 700; white-space: nowrap; }
.status-pass { color: ${COLORS.pass}; }
.status-fail { color: ${COLORS.fail}; }
.status-error { color: ${COLORS.error}; }
.status-not-run { color: #59636e; font-weight: 400; }
.status-left { color: #fff; background: #82071e; padding: 0 4px; border-radius: 4px; }
.phase-name { font-weight: 600; }
.failure { color: #82071e; }

figure { margin: 0; overflow-x: auto; }
figcaption { color: #59636e; font-size: 13px; margin-top: 4px; max-width: 90ch; }
svg.timeline { display: block; width: 100%; max-width: 960px; height: auto; font-family: system-ui, "Liberation Sans", "DejaVu Sans", Arial, sans-serif; font-size: 11px; }
svg.timeline text { fill: #1f2328; }
svg.timeline .side-label, svg.timeline .legend-title { fill: #59636e; font-weight: 600; }
svg.timeline .tick { fill: #59636e; font-size: 10px; }
svg.timeline .axis line { stroke: #59636e; }
svg.timeline .axis-title { fill: #59636e; }
svg.timeline .grid { stroke: #eaeef2; }
svg.timeline .panel-bg { fill: #fff; stroke: #d1d9e0; }
svg.timeline .panel-title { font-weight: 600; }
svg.timeline .empty { fill: #59636e; font-style: italic; }
svg.timeline .phase rect { stroke: #fff; stroke-width: 1; }
svg.timeline .phase-resolve rect, svg.timeline .phase-rollbacks rect { fill: #eaeef2; }
svg.timeline .phase-before rect { fill: #ddf4ff; }
svg.timeline .phase-method rect { fill: #fff8c5; }
svg.timeline .phase-revert rect { fill: #fbefff; }
svg.timeline .phase-after rect { fill: #dafbe1; }
svg.timeline .phase-line { stroke: #59636e; stroke-dasharray: 4 3; stroke-width: 1; }
svg.timeline .fault-band { fill: ${COLORS.faultBand}; }
svg.timeline .fault-label { font-weight: 600; }
svg.timeline .fault-label.inside { fill: #000; }
svg.timeline .fault-shade { fill: ${COLORS.faultShade}; fill-opacity: .13; }
svg.timeline .guard-trip line { stroke: ${COLORS.guard}; stroke-width: 2; stroke-dasharray: 6 3; }
svg.timeline .guard-trip text { fill: ${COLORS.guard}; font-weight: 700; }
svg.timeline .load-line { fill: none; stroke-width: 1.8; }
svg.timeline .load-p50 { stroke: ${COLORS.p50}; }
svg.timeline .load-p95 { stroke: ${COLORS.p95}; stroke-dasharray: 6 3; }
svg.timeline .load-p99 { stroke: ${COLORS.p99}; stroke-dasharray: 2 2; }
svg.timeline .load-dot.load-p50 { fill: ${COLORS.p50}; }
svg.timeline .load-dot.load-p95 { fill: ${COLORS.p95}; }
svg.timeline .load-dot.load-p99 { fill: ${COLORS.p99}; }
svg.timeline .line-label { font-size: 10px; font-weight: 700; }
svg.timeline .load-label-p50 { fill: ${COLORS.p50}; } svg.timeline .load-label-p95 { fill: ${COLORS.p95}; } svg.timeline .load-label-p99 { fill: ${COLORS.p99}; }
svg.timeline .hover-area { fill: transparent; pointer-events: all; }
svg.timeline .hover .reveal { visibility: hidden; pointer-events: none; }
svg.timeline .hover:hover .reveal { visibility: visible; }
svg.timeline .hover:hover .hover-area { fill: rgba(9, 105, 218, .08); }
svg.timeline .hover-dot { stroke: #fff; stroke-width: 1.5; }
svg.timeline .tip-bg { fill: #1f2328; opacity: .92; }
svg.timeline .tip { fill: #fff; font-size: 11px; }
svg.timeline .error-bar { fill: ${COLORS.errors}; fill-opacity: .75; }
svg.timeline .wl-bar { stroke: #fff; stroke-width: .5; }
svg.timeline .wl-skipped { stroke: ${COLORS.skipped}; stroke-width: .8; }
svg.timeline .detect-mark line { stroke: ${COLORS.detected}; stroke-width: 2; stroke-dasharray: 2 3; }
svg.timeline .detect-mark text { fill: ${COLORS.detected}; font-weight: 700; }
table.data-totals tr.all td { font-weight: 700; }
table.writes { margin-top: 12px; }
table.writes caption { text-align: left; font-weight: 600; padding: 0 0 4px; }
h4 { font-size: 15px; margin: 16px 0 8px; }
h4 .muted { font-weight: 400; }
.finding-bad { color: #82071e; font-weight: 700; }
footer { color: #59636e; font-size: 13px; margin-top: 28px; }
@media print { body { background: #fff; } .card { break-inside: avoid; } }
`;
