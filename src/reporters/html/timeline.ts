import type { ProbeStatus, RunPhase } from '../../model/journal.js';
import { describeTarget } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { html, join, type Markup } from './markup.js';
import type {
  FaultSpan,
  LoadTrack,
  PhaseSpan,
  ProbeTrack,
  RunWithLoad,
  TimelineData,
} from './timeline-data.js';
import { timelineData } from './timeline-data.js';

/** The chart's geometry in SVG user units (pixels when shown at its natural size). */
export const TIMELINE = {
  width: 960,
  /** The column left of the plot, for lane names and axis values. */
  left: 120,
  right: 20,
  top: 8,
  phaseHeight: 20,
  guardRow: 16,
  laneHeight: 22,
  laneGap: 4,
  /** The line above a panel that says what it shows. */
  headerHeight: 18,
  probeHeight: 60,
  latencyHeight: 110,
  errorsHeight: 46,
  gap: 12,
  axisHeight: 38,
  legendRow: 20,
} as const;

export const PLOT_WIDTH = TIMELINE.width - TIMELINE.left - TIMELINE.right;

/** Colours with a meaning; the legend and the CSS use the same. */
export const COLORS = {
  pass: '#1a7f37',
  fail: '#d1242f',
  error: '#8250df',
  faultBand: '#f08c00',
  faultShade: '#f08c00',
  guard: '#a40e26',
  p50: '#0550ae',
  p95: '#0969da',
  p99: '#54aeff',
  errors: '#cf222e',
} as const;

const FONT_PX = 11;
/** A generous average advance of the sans-serif font at 11px, to decide where a label fits. */
const CHAR_PX = 6.4;

/** The x coordinate of `ms` since the run started on a chart that spans `domainMs`. */
export function timelineX(ms: number, domainMs: number): number {
  return TIMELINE.left + (Math.min(Math.max(ms, 0), domainMs) / domainMs) * PLOT_WIDTH;
}

/**
 * The run on one time axis, as an inline SVG: phases, each fault's active interval (shaded and labelled,
 * overlapping faults in lanes of their own), every probe sample (how long it took, coloured by result),
 * the load probes' latency percentiles and errors per second, and guard trips. `id` keeps the SVG's
 * internal references apart from other charts on the page.
 */
export function renderTimeline(run: RunWithLoad, id: string): Markup {
  const data = timelineData(run);
  const x = (ms: number) => timelineX(ms, data.domainMs);
  const back: Markup[] = [];
  const front: Markup[] = [];
  const step = tickStep(data.domainMs);
  const ticks: number[] = [];
  for (let ms = 0; ms <= data.domainMs + 1e-6; ms += step) ticks.push(x(ms));
  let y = TIMELINE.top;

  // Phases: a strip on top and a dashed line across the chart where each one starts.
  const phasesTop = y;
  back.push(sideLabel('phases', y + TIMELINE.phaseHeight / 2));
  const phaseLabels = placePhaseLabels(data.phases, x);
  const phaseNames: Markup[] = [];
  data.phases.forEach((phase, i) => {
    const x1 = x(phase.startMs);
    const width = Math.max(0, x(phase.endMs) - x1);
    back.push(html`<g class="phase phase-${phase.phase}" data-phase="${phase.phase}">
<rect x="${num(x1)}" y="${y}" width="${num(width)}" height="${TIMELINE.phaseHeight}"/>
<title>${phase.label} (${phase.phase}): ${offset(phase.startMs)} to ${offset(phase.endMs)}</title>
</g>`);
    const label = phaseLabels[i];
    if (label) {
      phaseNames.push(
        html`<text class="phase-label" data-phase="${phase.phase}" x="${num(label.x)}" y="${y + 14}" text-anchor="${label.anchor}">${phase.label}</text>`,
      );
    }
  });
  // Names after all the segments, so that a name written beside a narrow phase is not covered.
  back.push(join(phaseNames));
  y += TIMELINE.phaseHeight + TIMELINE.gap / 2;

  const guardTop = y;
  if (data.guards.length > 0) y += TIMELINE.guardRow;

  // Faults: one band per fault in the first lane where it overlaps nothing.
  const lanes = assignLanes(data.faults, x);
  const laneCount = Math.max(1, ...lanes.map((lane) => lane + 1));
  const faultsTop = y;
  back.push(sideLabel(data.faults.length === 1 ? 'fault' : 'faults', y + TIMELINE.laneHeight / 2));
  if (data.faults.length === 0) {
    front.push(html`<text class="empty" x="${TIMELINE.left + 6}" y="${y + 15}">no fault was injected</text>`);
  }
  data.faults.forEach((fault, i) => {
    const laneY = faultsTop + (lanes[i] ?? 0) * (TIMELINE.laneHeight + TIMELINE.laneGap);
    front.push(faultBand(fault, laneY, x, id));
  });
  y += laneCount * TIMELINE.laneHeight + (laneCount - 1) * TIMELINE.laneGap + TIMELINE.gap;

  // Probe samples: one panel per probe.
  if (data.probes.length === 0) {
    front.push(
      html`<text class="empty" x="${TIMELINE.left + 6}" y="${y + 13}">no probe sample was recorded</text>`,
    );
    y += TIMELINE.headerHeight + TIMELINE.gap / 2;
  }
  for (const track of data.probes) {
    const panel = probePanel(track, y, x, ticks);
    back.push(panel.back);
    front.push(panel.front);
    y = panel.bottom + TIMELINE.gap;
  }

  // Load: latency percentiles and errors per second.
  data.load.forEach((track, i) => {
    const panel = loadPanel(track, y, x, ticks, `${id}-load${i + 1}`);
    back.push(panel.back);
    front.push(panel.front);
    y = panel.bottom + TIMELINE.gap;
  });

  const plotBottom = y - TIMELINE.gap;
  // Each fault's interval shaded across every panel, behind the samples.
  const shades = data.faults.map(
    (fault) =>
      html`<rect class="fault-shade" data-fault="${fault.faultId}" x="${num(x(fault.startMs))}" y="${faultsTop}" width="${num(Math.max(1, x(fault.endMs) - x(fault.startMs)))}" height="${num(plotBottom - faultsTop)}"/>`,
  );
  const phaseLines = data.phases
    .filter((phase) => phase.startMs > 0)
    .map(
      (phase) =>
        html`<line class="phase-line" x1="${num(x(phase.startMs))}" x2="${num(x(phase.startMs))}" y1="${phasesTop}" y2="${num(plotBottom)}"/>`,
    );
  const guards = data.guards.map((guard) => {
    const gx = x(guard.atMs);
    const label = `guard tripped: ${guard.probe}`;
    const anchor = gx + label.length * CHAR_PX + 4 > TIMELINE.width ? 'end' : 'start';
    return html`<g class="guard-trip" data-guard="${guard.probe}">
<line x1="${num(gx)}" x2="${num(gx)}" y1="${guardTop}" y2="${num(plotBottom)}"/>
<text x="${num(anchor === 'start' ? gx + 4 : gx - 4)}" y="${guardTop + 12}" text-anchor="${anchor}">${label}</text>
<title>${offset(guard.atMs)}: guard "${guard.probe}" failed: ${guard.reason}</title>
</g>`;
  });

  const axis = timeAxis(data.domainMs, step, plotBottom, x);
  const legend = renderLegend(data, axis.bottom, id);
  const height = legend.bottom + 6;
  return html`<svg class="timeline" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" width="${TIMELINE.width}" height="${num(height)}" viewBox="0 0 ${TIMELINE.width} ${num(height)}">
<title id="${id}-title">Timeline of "${run.title}"</title>
<desc id="${id}-desc">${describeTimeline(data)}</desc>
<defs>
<pattern id="${id}-left" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${COLORS.faultBand}"/><rect width="4" height="8" fill="#fff" fill-opacity="0.55"/></pattern>
</defs>
${back}
${shades}
${phaseLines}
${front}
${guards}
${axis.markup}
${legend.markup}
</svg>`;
}

/** Lane of each fault: the first one whose previous band (and label) ends before this one starts. */
export function assignLanes(faults: readonly FaultSpan[], x: (ms: number) => number): number[] {
  const laneEnds: number[] = [];
  const lanes = new Array<number>(faults.length).fill(0);
  const order = faults.map((_, i) => i).sort((a, b) => faults[a]!.startMs - faults[b]!.startMs);
  for (const i of order) {
    const fault = faults[i]!;
    const start = x(fault.startMs);
    const end = bandLabel(fault, x).end;
    let lane = laneEnds.findIndex((laneEnd) => laneEnd + 2 <= start);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = end;
    lanes[i] = lane;
  }
  return lanes;
}

/** Where a fault's label goes: inside its band when it fits, else after it, else before it. */
function bandLabel(
  fault: FaultSpan,
  x: (ms: number) => number,
): { x: number; anchor: string; end: number; inside: boolean } {
  const x1 = x(fault.startMs);
  const x2 = x(fault.endMs);
  const text = fault.left ? `${fault.label} (still in place)` : fault.label;
  const width = text.length * CHAR_PX;
  if (width + 8 <= x2 - x1) return { x: x1 + 4, anchor: 'start', end: x2, inside: true };
  if (x2 + 4 + width <= TIMELINE.width)
    return { x: x2 + 4, anchor: 'start', end: x2 + 4 + width, inside: false };
  return { x: x1 - 4, anchor: 'end', end: x2, inside: false };
}

function faultBand(fault: FaultSpan, y: number, x: (ms: number) => number, id: string): Markup {
  const x1 = x(fault.startMs);
  const width = Math.max(2, x(fault.endMs) - x1);
  const label = bandLabel(fault, x);
  const text = fault.left ? `${fault.label} (still in place)` : fault.label;
  const held = fault.left
    ? `from ${offset(fault.startMs)}, never confirmed reverted (${fault.status === 'failed' ? 'the revert failed' : 'no revert recorded'})`
    : `from ${offset(fault.startMs)} to ${offset(fault.endMs)} (${formatDuration(fault.endMs - fault.startMs)})`;
  return html`<g class="fault${fault.left ? ' fault-left' : ''}" data-fault="${fault.faultId}">
<rect class="fault-band" x="${num(x1)}" y="${y}" width="${num(width)}" height="${TIMELINE.laneHeight}"${fault.left ? html` style="fill: url(#${id}-left)"` : ''}/>
<text class="fault-label${label.inside ? ' inside' : ''}" x="${num(label.x)}" y="${y + 15}" text-anchor="${label.anchor}">${text}</text>
<title>${fault.fault} on ${describeTarget(fault.target)} ${held}</title>
</g>`;
}

function probePanel(
  track: ProbeTrack,
  top: number,
  x: (ms: number) => number,
  ticks: number[],
): { back: Markup; front: Markup; bottom: number } {
  const y = top + TIMELINE.headerHeight;
  const h = TIMELINE.probeHeight;
  const max = niceCeil(Math.max(1, ...track.points.map((point) => point.sample.durationMs)));
  const py = (ms: number) => y + h - 4 - (Math.min(ms, max) / max) * (h - 8);
  const counts = { pass: 0, fail: 0, error: 0 };
  for (const point of track.points) counts[point.sample.status]++;
  const tally = (['pass', 'fail', 'error'] as const)
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status]} ${STATUS_WORDS[status]}`)
    .join(', ');
  const back = html`<g class="panel probe-panel" data-probe="${track.probe}">
<rect class="panel-bg" x="${TIMELINE.left}" y="${y}" width="${PLOT_WIDTH}" height="${h}"/>
${xGrid(ticks, y, h)}
${yTicks([0, max / 2, max], py, (value) => `${trimNumber(value)} ms`)}
</g>`;
  const title = html`<text class="panel-title" x="${TIMELINE.left}" y="${top + 13}">probe “${track.probe}”: time each check took (${tally})</text>`;
  const points = track.points.map((point) => {
    const { sample } = point;
    const cx = x(point.atMs);
    const cy = py(sample.durationMs);
    const title = html`<title>${offset(point.atMs)} ${sample.phase}: ${STATUS_WORDS[sample.status]} in ${formatDuration(sample.durationMs)}: ${sample.reason}</title>`;
    return html`<g class="sample sample-${sample.status}" data-phase="${sample.phase}">${marker(sample.status, cx, cy)}${title}</g>`;
  });
  return { back, front: join([title, ...points]), bottom: y + h };
}

const STATUS_WORDS: Record<ProbeStatus, string> = { pass: 'passed', fail: 'failed', error: 'error' };

/** A point whose shape, not only its colour, says the result: circle passed, cross failed, diamond error. */
function marker(status: ProbeStatus, cx: number, cy: number): Markup {
  if (status === 'pass') return html`<circle cx="${num(cx)}" cy="${num(cy)}" r="3.5" fill="${COLORS.pass}"/>`;
  if (status === 'fail')
    return html`<path d="M${num(cx - 4)} ${num(cy - 4)}L${num(cx + 4)} ${num(cy + 4)}M${num(cx - 4)} ${num(cy + 4)}L${num(cx + 4)} ${num(cy - 4)}" stroke="${COLORS.fail}" stroke-width="2.2"/>`;
  return html`<path d="M${num(cx)} ${num(cy - 5)}L${num(cx + 5)} ${num(cy)}L${num(cx)} ${num(cy + 5)}L${num(cx - 5)} ${num(cy)}Z" fill="${COLORS.error}"/>`;
}

function loadPanel(
  track: LoadTrack,
  top: number,
  x: (ms: number) => number,
  ticks: number[],
  id: string,
): { back: Markup; front: Markup; bottom: number } {
  const { series, buckets } = track;
  const origin = buckets[0]?.from ?? 0;
  const filled = buckets.filter((bucket) => bucket.requests > 0);
  const latencyTop = top + TIMELINE.headerHeight;
  const lh = TIMELINE.latencyHeight;
  const maxLatency = niceCeil(Math.max(1, ...filled.map((bucket) => bucket.p99)));
  const ly = (ms: number) => latencyTop + lh - 4 - (Math.min(ms, maxLatency) / maxLatency) * (lh - 8);
  const errorsTop = latencyTop + lh + TIMELINE.headerHeight;
  const eh = TIMELINE.errorsHeight;
  const maxErrors = niceCeil(Math.max(1, ...buckets.map((bucket) => bucket.errors)));
  const ey = (n: number) => errorsTop + eh - (n / maxErrors) * (eh - 4);
  const totalErrors = buckets.reduce((total, bucket) => total + bucket.errors, 0);
  const requests = buckets.reduce((total, bucket) => total + bucket.requests, 0);

  const back = html`<g class="panel load-panel" data-load="${series.probe}">
<rect class="panel-bg" x="${TIMELINE.left}" y="${latencyTop}" width="${PLOT_WIDTH}" height="${lh}"/>
${xGrid(ticks, latencyTop, lh)}
${yTicks([0, maxLatency / 2, maxLatency], ly, (value) => `${trimNumber(value)} ms`)}
<rect class="panel-bg" x="${TIMELINE.left}" y="${errorsTop}" width="${PLOT_WIDTH}" height="${eh}"/>
${xGrid(ticks, errorsTop, eh)}
${yTicks([0, maxErrors], ey, (value) => trimNumber(value))}
</g>`;
  const titles = html`<text class="panel-title" x="${TIMELINE.left}" y="${top + 13}">load “${series.probe}”: ${series.url} at ${trimNumber(series.ratePerSecond)}/s: latency per second (p50, p95, p99 of ${requests} requests)</text>
<text class="panel-title" x="${TIMELINE.left}" y="${latencyTop + lh + 13}">failed requests per second (${totalErrors} of ${requests})</text>`;

  const lines = (['p50', 'p95', 'p99'] as const).map((key) => {
    // A line per run of consecutive seconds with requests: a second without any breaks it.
    const segments: [number, number][][] = [[]];
    for (const bucket of buckets) {
      if (bucket.requests === 0) {
        if ((segments.at(-1) ?? []).length > 0) segments.push([]);
        continue;
      }
      const cx = x(bucket.from - origin + (bucket.to - bucket.from) / 2);
      segments.at(-1)!.push([cx, ly(bucket[key])]);
    }
    return segments
      .filter((points) => points.length > 0)
      .map((points) => {
        const [first] = points;
        return points.length === 1 && first
          ? html`<circle class="load-dot load-${key}" cx="${num(first[0])}" cy="${num(first[1])}" r="2.5"/>`
          : html`<polyline class="load-line load-${key}" points="${points.map(([px, py]) => `${num(px)},${num(py)}`).join(' ')}"/>`;
      });
  });
  const bars = buckets
    .filter((bucket) => bucket.errors > 0)
    .map((bucket) => {
      const x1 = x(bucket.from - origin);
      const x2 = x(bucket.to - origin);
      return html`<rect class="error-bar" x="${num(x1 + 1)}" y="${num(ey(bucket.errors))}" width="${num(Math.max(1, x2 - x1 - 2))}" height="${num(errorsTop + eh - ey(bucket.errors))}"><title>${offset(bucket.from - origin)}: ${bucket.errors} of ${bucket.requests} requests failed</title></rect>`;
    });
  const front = html`<g class="load" id="${id}">
${titles}
${lines}
${bars}
${totalErrors === 0 && html`<text class="empty" x="${TIMELINE.left + 6}" y="${errorsTop + eh / 2 + 4}">no request failed</text>`}
</g>`;
  return { back, front, bottom: errorsTop + eh };
}

function yTicks(values: number[], y: (value: number) => number, label: (value: number) => string): Markup {
  return join(
    values.map(
      (value) =>
        html`<line class="grid" x1="${TIMELINE.left}" x2="${TIMELINE.left + PLOT_WIDTH}" y1="${num(y(value))}" y2="${num(y(value))}"/><text class="tick" x="${TIMELINE.left - 6}" y="${num(y(value) + 4)}" text-anchor="end">${label(value)}</text>`,
    ),
  );
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

/** Vertical lines at the time ticks, inside one panel. */
function xGrid(ticks: number[], y: number, height: number): Markup {
  return join(
    ticks.map(
      (tx) =>
        html`<line class="grid" x1="${num(tx)}" x2="${num(tx)}" y1="${num(y)}" y2="${num(y + height)}"/>`,
    ),
  );
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

interface LegendItem {
  key: string;
  swatch: Markup;
  text: string;
}

function renderLegend(data: TimelineData, top: number, id: string): { markup: Markup; bottom: number } {
  const items: LegendItem[] = [
    {
      key: 'fault',
      swatch: html`<rect x="0" y="-9" width="22" height="12" fill="${COLORS.faultBand}"/>`,
      text: 'fault active (shaded across the chart)',
    },
  ];
  if (data.faults.some((fault) => fault.left)) {
    items.push({
      key: 'fault-left',
      swatch: html`<rect x="0" y="-9" width="22" height="12" fill="url(#${id}-left)"/>`,
      text: 'fault possibly still in place',
    });
  }
  items.push(
    { key: 'pass', swatch: marker('pass', 11, -3), text: 'check passed' },
    { key: 'fail', swatch: marker('fail', 11, -3), text: 'check failed' },
    { key: 'error', swatch: marker('error', 11, -3), text: 'check could not run (error)' },
    {
      key: 'phase',
      swatch: html`<line class="phase-line" x1="11" x2="11" y1="-11" y2="5"/>`,
      text: 'phase starts',
    },
  );
  const phases = new Map(data.phases.map((phase) => [phase.phase, phase.label]));
  for (const [phase, label] of phases) {
    items.push({
      key: `phase-${phase}`,
      swatch: html`<g class="phase phase-${phase}"><rect x="0" y="-9" width="22" height="12"/></g>`,
      text: phaseHint(phase, label),
    });
  }
  if (data.guards.length > 0) {
    items.push({
      key: 'guard',
      swatch: html`<g class="guard-trip"><line x1="11" x2="11" y1="-11" y2="5"/></g>`,
      text: 'guard tripped',
    });
  }
  if (data.load.length > 0) {
    for (const key of ['p50', 'p95', 'p99'] as const) {
      items.push({
        key,
        swatch: html`<line class="load-line load-${key}" x1="0" x2="22" y1="-3" y2="-3"/>`,
        text: `${key} latency`,
      });
    }
    items.push({
      key: 'errors',
      swatch: html`<rect class="error-bar" x="5" y="-10" width="12" height="13"/>`,
      text: 'failed requests',
    });
  }

  let cx = TIMELINE.left;
  let row = 0;
  const placed = items.map((item) => {
    const width = 28 + item.text.length * CHAR_PX;
    if (cx + width > TIMELINE.width - TIMELINE.right && cx > TIMELINE.left) {
      row++;
      cx = TIMELINE.left;
    }
    const at = { x: cx, y: top + 14 + row * TIMELINE.legendRow };
    cx += width + 18;
    return html`<g class="legend-item" data-legend="${item.key}" transform="translate(${num(at.x)} ${num(at.y)})">${item.swatch}<text x="28" y="0">${item.text}</text></g>`;
  });
  const markup = html`<g class="legend">
<text class="legend-title" x="${TIMELINE.left - 6}" y="${top + 14}" text-anchor="end">legend</text>
${placed}
</g>`;
  return { markup, bottom: top + 14 + row * TIMELINE.legendRow + 8 };
}

/** The chart in words, for screen readers and for anyone who cannot tell the colours apart. */
function describeTimeline(data: TimelineData): string {
  const parts: string[] = [];
  if (data.phases.length > 0)
    parts.push(
      `Phases: ${data.phases.map((phase) => `${phase.label} from ${offset(phase.startMs)}`).join(', ')}.`,
    );
  parts.push(
    data.faults.length === 0
      ? 'No fault was injected.'
      : `Faults: ${data.faults
          .map((fault) =>
            fault.left
              ? `${fault.label} from ${offset(fault.startMs)}, possibly still in place`
              : `${fault.label} from ${offset(fault.startMs)} to ${offset(fault.endMs)}`,
          )
          .join('; ')}.`,
  );
  for (const track of data.probes) {
    const failed = track.points.filter((point) => point.sample.status !== 'pass');
    parts.push(
      `Probe ${track.probe}: ${track.points.length} checks, ${failed.length} did not pass` +
        (failed[0] ? `, the first at ${offset(failed[0].atMs)}.` : '.'),
    );
  }
  for (const guard of data.guards) parts.push(`Guard ${guard.probe} tripped at ${offset(guard.atMs)}.`);
  return parts.join(' ');
}

function phaseHint(phase: RunPhase, label: string): string {
  switch (phase) {
    case 'before':
      return `${label}: checked before any fault`;
    case 'method':
      return `${label}: faults injected`;
    case 'after':
      return `${label}: checked after the revert`;
    default:
      return label;
  }
}

function sideLabel(text: string, centerY: number): Markup {
  return html`<text class="side-label" x="${TIMELINE.left - 6}" y="${num(centerY + FONT_PX / 2 - 1)}" text-anchor="end">${text}</text>`;
}

/** Tick spacing for the time axis: a round number of seconds giving at most a dozen ticks. */
export function tickStep(domainMs: number): number {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  return steps.find((step) => domainMs / step <= 12) ?? Math.ceil(domainMs / 12 / 600_000) * 600_000;
}

/** The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `value`. */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * power >= value) return factor * power;
  return 10 * power;
}

function seconds(ms: number, step: number): string {
  return (ms / 1000).toFixed(step < 1000 ? 1 : 0);
}

function offset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`;
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

/** A coordinate with at most two decimals. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
