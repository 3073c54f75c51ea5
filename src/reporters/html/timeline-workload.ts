import type { OutcomeBucket, WorkloadReport, WriteExample } from '../../probes/workload/report.js';
import { availability, count } from '../data-text.js';
import { BOLD_CHAR_PX, fitText, hoverTip } from './hover-tip.js';
import { html, join, type Markup } from './markup.js';
import type { Panel } from './timeline-panels.js';
import { COLORS, niceCeil, num, offset, PLOT_WIDTH, TIMELINE, trimNumber } from './timeline-scale.js';
import type { WorkloadTrack } from './workload-track.js';

/** A write's fate in one second, stacked bottom to top in this order. */
export const OUTCOMES = ['acknowledged', 'refused', 'indeterminate', 'skipped'] as const;
export type StackedOutcome = (typeof OUTCOMES)[number];

/** What each part of a bar means, for the legend and the hover text. */
export const OUTCOME_WORDS: Record<StackedOutcome, string> = {
  acknowledged: 'acknowledged',
  refused: 'refused',
  indeterminate: 'indeterminate (no answer in time)',
  skipped: 'skipped (every slot busy)',
};

/**
 * Fills that tell the outcomes apart without colour: solid, diagonal stripes, dots, and an open
 * cross-hatch. `id` is the chart's, so two charts on a page keep their own.
 */
export function workloadDefs(id: string): Markup {
  return html`<pattern id="${id}-wl-refused" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${COLORS.refused}"/><rect width="2" height="6" fill="#fff" fill-opacity="0.7"/></pattern>
<pattern id="${id}-wl-indeterminate" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="${COLORS.indeterminate}"/><circle cx="2.5" cy="2.5" r="1.1" fill="#fff"/></pattern>
<pattern id="${id}-wl-skipped" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><path d="M0 0L6 6M6 0L0 6" stroke="${COLORS.skipped}" stroke-width="1"/></pattern>`;
}

/** The fill of one outcome's part of a bar. */
export function outcomeFill(outcome: StackedOutcome, id: string): string {
  return outcome === 'acknowledged' ? COLORS.acknowledged : `url(#${id}-wl-${outcome})`;
}

/**
 * One workload probe: per second, its writes stacked by outcome (acknowledged, refused,
 * indeterminate, skipped) on the run's time axis, so availability drops where a fault is shaded; the
 * first lost and duplicated writes are marked above the bars where they were written.
 */
export function workloadPanel(
  track: WorkloadTrack,
  top: number,
  x: (ms: number) => number,
  ticks: number[],
  /** The chart's id: the patterns are its. */
  chartId: string,
  index: number,
): Panel {
  const id = chartId;
  const { series } = track;
  const report = series.report;
  const marksTop = top + TIMELINE.headerHeight;
  const y = marksTop + TIMELINE.writeMarkRow;
  const h = TIMELINE.workloadHeight;
  const buckets = report?.timeline ?? [];
  const max = niceCeil(Math.max(1, ...buckets.map(due)));
  const py = (n: number) => y + h - (n / max) * (h - 4);
  const back = html`<g class="panel workload-panel" data-workload="${series.probe}">
<rect class="panel-bg" x="${TIMELINE.left}" y="${y}" width="${PLOT_WIDTH}" height="${h}"/>
${ticks.map((tx) => html`<line class="grid" x1="${num(tx)}" x2="${num(tx)}" y1="${y}" y2="${y + h}"/>`)}
${[0, max / 2, max].map(
  (value) =>
    html`<line class="grid" x1="${TIMELINE.left}" x2="${TIMELINE.left + PLOT_WIDTH}" y1="${num(py(value))}" y2="${num(py(value))}"/><text class="tick" x="${TIMELINE.left - 6}" y="${num(py(value) + 4)}" text-anchor="end">${trimNumber(value)}</text>`,
)}
</g>`;
  const before = 'workload “';
  const after = `”: writes per second by outcome${report ? ` (${summary(report)})` : ''}`;
  const full = `${before}${series.probe}${after}`;
  const heading = html`<text class="panel-title" x="${TIMELINE.left}" y="${top + 13}">${fitText(before, series.probe, after, PLOT_WIDTH, BOLD_CHAR_PX)}${full.length * BOLD_CHAR_PX > PLOT_WIDTH && html`<title>${full}</title>`}</text>`;
  const at = (second: number) => track.originMs + second * 1000;
  const panel = { top: y, height: h };
  const bars = buckets.filter((bucket) => due(bucket) > 0).map((bucket) => bar(bucket, at, x, py, panel, id));
  const empty = !report
    ? html`<text class="empty" x="${TIMELINE.left + 6}" y="${y + h / 2 + 4}">no data: the workload was not judged</text>`
    : false;
  const marks = report ? writeMarks(report, track.originMs, x, marksTop) : [];
  const front = html`<g class="workload" id="${chartId}-workload${index + 1}" data-workload="${series.probe}">
${heading}
${marks}
${bars}
${empty}
</g>`;
  return { back, front, bottom: y + h };
}

/** Writes due in a second: sent (whatever became of them) or skipped. */
export function due(bucket: OutcomeBucket): number {
  return bucket.acknowledged + bucket.refused + bucket.indeterminate + bucket.skipped;
}

/** "3 lost; 40.4% available during faults": what the title has room for (the table has the rest). */
function summary(report: WorkloadReport): string {
  const during = availability(report.totals.during);
  return `${count(report.lost.count)} lost${during === undefined ? '' : `; ${during} available during faults`}`;
}

/** One second's stack, with its numbers on hover. */
function bar(
  bucket: OutcomeBucket,
  at: (second: number) => number,
  x: (ms: number) => number,
  py: (n: number) => number,
  panel: { top: number; height: number },
  id: string,
): Markup {
  const x1 = x(at(bucket.second));
  const width = Math.max(1, x(at(bucket.second + 1)) - x1 - 1);
  let below = 0;
  const parts = OUTCOMES.filter((outcome) => bucket[outcome] > 0).map((outcome) => {
    const from = py(below);
    below += bucket[outcome];
    const to = py(below);
    return html`<rect class="wl-bar wl-${outcome}" data-outcome="${outcome}" data-count="${bucket[outcome]}" x="${num(x1 + 0.5)}" y="${num(to)}" width="${num(width)}" height="${num(from - to)}" fill="${outcomeFill(outcome, id)}"/>`;
  });
  const text = `${offset(at(bucket.second))}: ${due(bucket)} due, ${OUTCOMES.map((outcome) => `${bucket[outcome]} ${outcome}`).join(', ')}`;
  const area = html`<rect class="hover-area" x="${num(x1)}" y="${panel.top}" width="${num(width + 1)}" height="${panel.height}"/>`;
  const stack = html`<g class="wl-second" data-second="${bucket.second}" data-writes="${due(bucket)}">${parts}</g>`;
  return join([stack, hoverTip(area, join([]), text, { x: x1 + width / 2, y: py(due(bucket)) - 6 })]);
}

/** A downward triangle where each named lost write (and a ring where each duplicate) was written. */
function writeMarks(
  report: WorkloadReport,
  originMs: number,
  x: (ms: number) => number,
  top: number,
): Markup[] {
  const mark = (example: WriteExample, kind: 'lost' | 'duplicate', extra: string) => {
    const cx = x(originMs + example.offsetMs);
    const cy = top + TIMELINE.writeMarkRow / 2;
    const shape =
      kind === 'lost'
        ? html`<path d="M${num(cx - 4)} ${num(cy - 4)}L${num(cx + 4)} ${num(cy - 4)}L${num(cx)} ${num(cy + 4)}Z" fill="${COLORS.lost}"/>`
        : html`<circle cx="${num(cx)}" cy="${num(cy)}" r="3.5" fill="#fff" stroke="${COLORS.lost}" stroke-width="1.6"/>`;
    return html`<g class="wl-mark wl-${kind}" data-id="${example.id}">${shape}<title>${kind === 'lost' ? 'lost' : 'duplicated'}${extra}: ${example.id} written ${offset(originMs + example.offsetMs)} (${example.phase}), ${example.outcome} in ${example.durationMs} ms: ${example.told}</title></g>`;
  };
  return [
    ...report.lost.examples.map((example) => mark(example, 'lost', '')),
    ...report.duplicates.examples.map((example) => mark(example, 'duplicate', ` (${example.copies} copies)`)),
  ];
}
