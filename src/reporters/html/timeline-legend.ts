import type { RunPhase } from '../../model/journal.js';
import { availabilityInWords, detectionInWords, writesInWords } from '../data-text.js';
import { html, type Markup } from './markup.js';
import type { TimelineData } from './timeline-data.js';
import { marker } from './timeline-panels.js';
import { CHAR_PX, COLORS, num, offset, TIMELINE } from './timeline-scale.js';
import { OUTCOME_WORDS, OUTCOMES, outcomeFill } from './timeline-workload.js';

interface LegendItem {
  key: string;
  swatch: Markup;
  text: string;
}

/** What each colour, shape and line means, in rows under the chart; only what the chart shows. */
export function renderLegend(
  data: TimelineData,
  top: number,
  id: string,
): { markup: Markup; bottom: number } {
  let cx = TIMELINE.left;
  let row = 0;
  const placed = legendItems(data, id).map((item) => {
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

/** The legend's entries, in order: faults, check results, phases, then guards and load when shown. */
function legendItems(data: TimelineData, id: string): LegendItem[] {
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
  if (data.workload.length > 0) items.push(...workloadItems(data, id));
  if (data.detections.length > 0) {
    items.push({
      key: 'detected',
      swatch: html`<g class="detect-mark"><line x1="11" x2="11" y1="-11" y2="5"/></g>`,
      text: 'fault detected',
    });
  }
  return items;
}

/** The parts of a workload's bars that are drawn, and the marks of lost and duplicated writes when any are. */
function workloadItems(data: TimelineData, id: string): LegendItem[] {
  const reports = data.workload.flatMap((track) => (track.series.report ? [track.series.report] : []));
  const shown = OUTCOMES.filter((outcome) =>
    reports.some((report) => report.timeline.some((bucket) => bucket[outcome] > 0)),
  );
  const items: LegendItem[] = shown.map((outcome) => ({
    key: `wl-${outcome}`,
    swatch: html`<rect class="wl-bar wl-${outcome}" x="0" y="-9" width="22" height="12" fill="${outcomeFill(outcome, id)}"/>`,
    text: `write ${OUTCOME_WORDS[outcome]}`,
  }));
  if (reports.some((report) => report.lost.examples.length > 0)) {
    items.push({
      key: 'wl-lost',
      swatch: html`<path d="M7 -8L15 -8L11 0Z" fill="${COLORS.lost}"/>`,
      text: 'write lost (acknowledged, then missing)',
    });
  }
  if (reports.some((report) => report.duplicates.examples.length > 0)) {
    items.push({
      key: 'wl-duplicate',
      swatch: html`<circle cx="11" cy="-4" r="3.5" fill="#fff" stroke="${COLORS.lost}" stroke-width="1.6"/>`,
      text: 'write held twice or more',
    });
  }
  return items;
}

/** The chart in words, for screen readers and for anyone who cannot tell the colours apart. */
export function describeTimeline(data: TimelineData): string {
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
  for (const { series } of data.workload) {
    parts.push(
      series.report
        ? `Workload ${series.probe}: ${writesInWords(series.report)}; ${availabilityInWords(series.report)}.`
        : `Workload ${series.probe}: not judged.`,
    );
  }
  for (const { detection, atMs } of data.detections)
    parts.push(`Detection ${detection.probe}: noticed at ${offset(atMs)}, ${detectionInWords(detection)}.`);
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
