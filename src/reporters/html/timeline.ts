import type { RunPhase } from '../../model/journal.js';
import { html, join, type Markup } from './markup.js';
import type { PhaseSpan, RunWithLoad, TimelineData } from './timeline-data.js';
import { timelineData } from './timeline-data.js';
import { assignLanes, faultBand } from './timeline-faults.js';
import { describeTimeline, renderLegend } from './timeline-legend.js';
import { detectionLines } from './timeline-marks.js';
import { loadPanel, probePanel } from './timeline-panels.js';
import {
  CHAR_PX,
  COLORS,
  FONT_PX,
  num,
  offset,
  PLOT_WIDTH,
  seconds,
  TIMELINE,
  tickStep,
  timelineX,
} from './timeline-scale.js';
import { workloadDefs, workloadPanel } from './timeline-workload.js';

type X = (ms: number) => number;

/** Where the rows of the chart begin and end, top to bottom. */
export interface Rows {
  phasesTop: number;
  guardTop: number;
  /** Detection marks' labels, one row each. */
  detectTop: number;
  faultsTop: number;
  plotBottom: number;
}

/**
 * The run on one time axis, as an inline SVG: phases, each fault's active interval (shaded and labelled,
 * overlapping faults in lanes of their own), every probe sample (how long it took, coloured by result),
 * the load probes' latency percentiles and errors per second, and guard trips. `id` keeps the SVG's
 * internal references apart from other charts on the page.
 */
export function renderTimeline(run: RunWithLoad, id: string): Markup {
  const data = timelineData(run);
  const x: X = (ms: number) => timelineX(ms, data.domainMs);
  const step = tickStep(data.domainMs);
  const back: Markup[] = [];
  const front: Markup[] = [];
  let y: number = TIMELINE.top;

  const phasesTop = y;
  back.push(phaseStrip(data, x, y));
  y += TIMELINE.phaseHeight + TIMELINE.gap / 2;

  const guardTop = y;
  if (data.guards.length > 0) y += TIMELINE.guardRow;
  const detectTop = y;
  y += data.detections.length * TIMELINE.guardRow;

  const faultsTop = y;
  const faults = faultLanes(data, x, y, id);
  back.push(faults.back);
  front.push(faults.front);
  y = faults.bottom + TIMELINE.gap;

  const panels = samplePanels(data, x, step, y, id);
  back.push(panels.back);
  front.push(panels.front);
  y = panels.bottom;

  const rows: Rows = { phasesTop, guardTop, detectTop, faultsTop, plotBottom: y - TIMELINE.gap };
  const axis = timeAxis(data.domainMs, step, rows.plotBottom, x);
  const legend = renderLegend(data, axis.bottom, id);
  const height = legend.bottom + 6;
  return html`<svg class="timeline" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" width="${TIMELINE.width}" height="${num(height)}" viewBox="0 0 ${TIMELINE.width} ${num(height)}">
<title id="${id}-title">Timeline of "${run.title}"</title>
<desc id="${id}-desc">${describeTimeline(data)}</desc>
<defs>
<pattern id="${id}-left" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${COLORS.faultBand}"/><rect width="4" height="8" fill="#fff" fill-opacity="0.55"/></pattern>
${data.workload.length > 0 && workloadDefs(id)}
</defs>
${back}
${faultShades(data, x, rows)}
${phaseLines(data, x, rows)}
${front}
${guardTrips(data, x, rows)}
${detectionLines(data, x, rows)}
${axis.markup}
${legend.markup}
</svg>`;
}

/** The phases as a strip on top, each one's name where it fits. */
function phaseStrip(data: TimelineData, x: X, y: number): Markup {
  const labels = placePhaseLabels(data.phases, x);
  const segments: Markup[] = [];
  const names: Markup[] = [];
  data.phases.forEach((phase, i) => {
    const x1 = x(phase.startMs);
    const width = Math.max(0, x(phase.endMs) - x1);
    segments.push(html`<g class="phase phase-${phase.phase}" data-phase="${phase.phase}">
<rect x="${num(x1)}" y="${y}" width="${num(width)}" height="${TIMELINE.phaseHeight}"/>
<title>${phase.label} (${phase.phase}): ${offset(phase.startMs)} to ${offset(phase.endMs)}</title>
</g>`);
    const label = labels[i];
    if (label) {
      names.push(
        html`<text class="phase-label" data-phase="${phase.phase}" x="${num(label.x)}" y="${y + 14}" text-anchor="${label.anchor}">${phase.label}</text>`,
      );
    }
  });
  // Names after all the segments, so that a name written beside a narrow phase is not covered.
  return join([sideLabel('phases', y + TIMELINE.phaseHeight / 2), ...segments, join(names)]);
}

/** One band per fault, in the first lane where it overlaps nothing. */
function faultLanes(
  data: TimelineData,
  x: X,
  top: number,
  id: string,
): { back: Markup; front: Markup; bottom: number } {
  const lanes = assignLanes(data.faults, x);
  const laneCount = Math.max(1, ...lanes.map((lane) => lane + 1));
  const back = sideLabel(data.faults.length === 1 ? 'fault' : 'faults', top + TIMELINE.laneHeight / 2);
  const front: Markup[] = [];
  if (data.faults.length === 0) {
    front.push(
      html`<text class="empty" x="${TIMELINE.left + 6}" y="${top + 15}">no fault was injected</text>`,
    );
  }
  data.faults.forEach((fault, i) => {
    const laneY = top + (lanes[i] ?? 0) * (TIMELINE.laneHeight + TIMELINE.laneGap);
    front.push(faultBand(fault, laneY, x, id));
  });
  const bottom = top + laneCount * TIMELINE.laneHeight + (laneCount - 1) * TIMELINE.laneGap;
  return { back, front: join(front), bottom };
}

/** One panel per probe, then one per load probe; `bottom` includes the gap after the last. */
function samplePanels(
  data: TimelineData,
  x: X,
  step: number,
  top: number,
  id: string,
): { back: Markup; front: Markup; bottom: number } {
  const ticks: number[] = [];
  for (let ms = 0; ms <= data.domainMs + 1e-6; ms += step) ticks.push(x(ms));
  const back: Markup[] = [];
  const front: Markup[] = [];
  let y = top;
  if (data.probes.length === 0 && data.workload.length === 0) {
    front.push(
      html`<text class="empty" x="${TIMELINE.left + 6}" y="${y + 13}">no probe sample was recorded</text>`,
    );
    y += TIMELINE.headerHeight + TIMELINE.gap / 2;
  }
  const panels = [
    ...data.probes.map((track) => (at: number) => probePanel(track, at, x, ticks)),
    ...data.load.map((track, i) => (at: number) => loadPanel(track, at, x, ticks, `${id}-load${i + 1}`)),
    ...data.workload.map((track, i) => (at: number) => workloadPanel(track, at, x, ticks, id, i)),
  ];
  for (const draw of panels) {
    const panel = draw(y);
    back.push(panel.back);
    front.push(panel.front);
    y = panel.bottom + TIMELINE.gap;
  }
  return { back: join(back), front: join(front), bottom: y };
}

/** Each fault's interval shaded across every panel, behind the samples. */
function faultShades(data: TimelineData, x: X, rows: Rows): Markup[] {
  return data.faults.map(
    (fault) =>
      html`<rect class="fault-shade" data-fault="${fault.faultId}" x="${num(x(fault.startMs))}" y="${rows.faultsTop}" width="${num(Math.max(1, x(fault.endMs) - x(fault.startMs)))}" height="${num(rows.plotBottom - rows.faultsTop)}"/>`,
  );
}

/** A dashed line across the chart where each phase after the first starts. */
function phaseLines(data: TimelineData, x: X, rows: Rows): Markup[] {
  return data.phases
    .filter((phase) => phase.startMs > 0)
    .map(
      (phase) =>
        html`<line class="phase-line" x1="${num(x(phase.startMs))}" x2="${num(x(phase.startMs))}" y1="${rows.phasesTop}" y2="${num(rows.plotBottom)}"/>`,
    );
}

function guardTrips(data: TimelineData, x: X, rows: Rows): Markup[] {
  return data.guards.map((guard) => {
    const gx = x(guard.atMs);
    const label = `guard tripped: ${guard.probe}`;
    const anchor = gx + label.length * CHAR_PX + 4 > TIMELINE.width ? 'end' : 'start';
    return html`<g class="guard-trip" data-guard="${guard.probe}">
<line x1="${num(gx)}" x2="${num(gx)}" y1="${rows.guardTop}" y2="${num(rows.plotBottom)}"/>
<text x="${num(anchor === 'start' ? gx + 4 : gx - 4)}" y="${rows.guardTop + 12}" text-anchor="${anchor}">${label}</text>
<title>${offset(guard.atMs)}: guard "${guard.probe}" failed: ${guard.reason}</title>
</g>`;
  });
}

function timeAxis(
  domainMs: number,
  step: number,
  y: number,
  x: (ms: number) => number,
): { markup: Markup; bottom: number } {
  const ticks: number[] = [];
  for (let ms = 0; ms <= domainMs + 1e-6; ms += step) ticks.push(ms);
  const axisY = y + 2;
  const markup = html`<g class="axis">
<line x1="${TIMELINE.left}" x2="${TIMELINE.left + PLOT_WIDTH}" y1="${num(axisY)}" y2="${num(axisY)}"/>
${ticks.map(
  (ms) =>
    html`<line x1="${num(x(ms))}" x2="${num(x(ms))}" y1="${num(axisY)}" y2="${num(axisY + 4)}"/><text class="tick" x="${num(x(ms))}" y="${num(axisY + 15)}" text-anchor="middle">${seconds(ms, step)}</text>`,
)}
<text class="axis-title" x="${TIMELINE.left + PLOT_WIDTH / 2}" y="${num(axisY + 31)}" text-anchor="middle">seconds since the run started</text>
</g>`;
  return { markup, bottom: axisY + TIMELINE.axisHeight };
}

/**
 * Where each phase's name goes: centred in its segment when it fits, else just after or before it,
 * wherever it overlaps no other name. The phases that matter most to a reader are placed first.
 */
function placePhaseLabels(
  phases: readonly PhaseSpan[],
  x: (ms: number) => number,
): ({ x: number; anchor: 'start' | 'middle' | 'end' } | undefined)[] {
  const priority: RunPhase[] = ['before', 'method', 'after', 'revert', 'rollbacks', 'resolve'];
  const taken: [number, number][] = [];
  const placed: ({ x: number; anchor: 'start' | 'middle' | 'end' } | undefined)[] = phases.map(
    () => undefined,
  );
  const order = phases
    .map((_, i) => i)
    .sort((a, b) => priority.indexOf(phases[a]!.phase) - priority.indexOf(phases[b]!.phase));
  for (const i of order) {
    const phase = phases[i]!;
    const x1 = x(phase.startMs);
    const x2 = x(phase.endMs);
    const width = phase.label.length * CHAR_PX;
    const candidates: [number, number, 'start' | 'middle' | 'end'][] = [];
    if (width + 6 <= x2 - x1) candidates.push([(x1 + x2 - width) / 2, (x1 + x2) / 2, 'middle']);
    candidates.push([x2 + 3, x2 + 3, 'start'], [x1 - 3 - width, x1 - 3, 'end']);
    const fit = candidates.find(
      ([from]) =>
        from >= TIMELINE.left &&
        from + width <= TIMELINE.width - TIMELINE.right &&
        taken.every(([a, b]) => from + width + 6 <= a || from >= b + 6),
    );
    if (!fit) continue;
    taken.push([fit[0], fit[0] + width]);
    placed[i] = { x: fit[1], anchor: fit[2] };
  }
  return placed;
}

function sideLabel(text: string, centerY: number): Markup {
  return html`<text class="side-label" x="${TIMELINE.left - 6}" y="${num(centerY + FONT_PX / 2 - 1)}" text-anchor="end">${text}</text>`;
}
