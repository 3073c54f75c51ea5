import type { LoadStats } from '../../load/types.js';
import type { ProbeStatus } from '../../model/journal.js';
import { formatDuration } from '../../util/duration.js';
import { BOLD_CHAR_PX, fitText, hoverTip } from './hover-tip.js';
import { html, join, type Markup } from './markup.js';
import type { LoadTrack, ProbeTrack } from './timeline-data.js';
import { COLORS, niceCeil, num, offset, PLOT_WIDTH, TIMELINE, trimNumber } from './timeline-scale.js';

/** A panel of the chart: its background (grid, axis values), what is drawn over the fault shading, and where it ends. */
export interface Panel {
  back: Markup;
  front: Markup;
  bottom: number;
}

/** One probe's samples: how long each check took, coloured and shaped by its result. */
export function probePanel(
  track: ProbeTrack,
  top: number,
  x: (ms: number) => number,
  ticks: number[],
): Panel {
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
export function marker(status: ProbeStatus, cx: number, cy: number): Markup {
  if (status === 'pass') return html`<circle cx="${num(cx)}" cy="${num(cy)}" r="3.5" fill="${COLORS.pass}"/>`;
  if (status === 'fail')
    return html`<path d="M${num(cx - 4)} ${num(cy - 4)}L${num(cx + 4)} ${num(cy + 4)}M${num(cx - 4)} ${num(cy + 4)}L${num(cx + 4)} ${num(cy - 4)}" stroke="${COLORS.fail}" stroke-width="2.2"/>`;
  return html`<path d="M${num(cx)} ${num(cy - 5)}L${num(cx + 5)} ${num(cy)}L${num(cx)} ${num(cy + 5)}L${num(cx - 5)} ${num(cy)}Z" fill="${COLORS.error}"/>`;
}

/** One load probe: latency percentiles per bucket, and failed requests per bucket below them. */
export function loadPanel(
  track: LoadTrack,
  top: number,
  x: (ms: number) => number,
  ticks: number[],
  id: string,
): Panel {
  const { series, buckets } = track;
  const per = perBucket(track.bucketMs);
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
  const heading = `load “${series.probe}”: `;
  const detail = ` at ${trimNumber(series.ratePerSecond)}/s: latency ${per} (p50, p95, p99 of ${requests} requests)`;
  const full = `${heading}${series.url}${detail}`;
  const titles = html`<text class="panel-title" x="${TIMELINE.left}" y="${top + 13}">${fitText(heading, series.url, detail, PLOT_WIDTH, BOLD_CHAR_PX)}${full.length * BOLD_CHAR_PX > PLOT_WIDTH && html`<title>${full}</title>`}</text>
<text class="panel-title" x="${TIMELINE.left}" y="${latencyTop + lh + 13}">failed requests ${per} (${totalErrors} of ${requests})</text>`;

  const lines = (['p50', 'p95', 'p99'] as const).map((key) => {
    // A line per run of consecutive buckets with requests: a bucket without any breaks it.
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
  const tips = latencyTips(buckets, origin, x, ly, { top: latencyTop, height: lh });
  const front = html`<g class="load" id="${id}">
${titles}
${lines}
${bars}
${totalErrors === 0 && html`<text class="empty" x="${TIMELINE.left + 6}" y="${errorsTop + eh / 2 + 4}">no request failed</text>`}
${lineLabels(buckets, origin, x, ly)}
${tips}
</g>`;
  return { back, front, bottom: errorsTop + eh };
}

/** Per bucket with requests: hovering it shows its p50, p95 and p99 as dots on the lines and a label. */
function latencyTips(
  buckets: readonly LoadStats[],
  origin: number,
  x: (ms: number) => number,
  ly: (ms: number) => number,
  panel: { top: number; height: number },
): Markup[] {
  return buckets
    .filter((bucket) => bucket.requests > 0)
    .map((bucket) => {
      const x1 = x(bucket.from - origin);
      const x2 = x(bucket.to - origin);
      const cx = (x1 + x2) / 2;
      const area = html`<rect class="hover-area" x="${num(x1)}" y="${panel.top}" width="${num(Math.max(1, x2 - x1))}" height="${panel.height}"/>`;
      const dots = (['p50', 'p95', 'p99'] as const).map(
        (key) =>
          html`<circle class="hover-dot load-dot load-${key}" cx="${num(cx)}" cy="${num(ly(bucket[key]))}" r="3.5"/>`,
      );
      const text = `${offset(bucket.from - origin)}: p50 ${formatDuration(bucket.p50)} · p95 ${formatDuration(bucket.p95)} · p99 ${formatDuration(bucket.p99)} (${bucket.requests} requests)`;
      return hoverTip(area, join(dots), text, { x: cx, y: ly(bucket.p99) - 6 });
    });
}

/**
 * Each percentile's name at the right end of its line, so p95 and p99 are told apart by more than a
 * colour and a dash; names that would overlap are moved apart.
 */
function lineLabels(
  buckets: readonly LoadStats[],
  origin: number,
  x: (ms: number) => number,
  ly: (ms: number) => number,
): Markup {
  const last = [...buckets].reverse().find((bucket) => bucket.requests > 0);
  if (!last) return join([]);
  const lx = x(last.from - origin + (last.to - last.from) / 2) + 5;
  let below = Number.POSITIVE_INFINITY;
  const labels = (['p50', 'p95', 'p99'] as const).map((key) => {
    const y = Math.min(ly(last[key]) + 4, below - 11);
    below = y;
    return html`<text class="line-label load-label-${key}" x="${num(lx)}" y="${num(y)}">${key}</text>`;
  });
  return join(labels);
}

/** How a chart title names its bucket: "per second", "per 5 s", "per minute", "per 5 minutes". */
export function perBucket(ms: number): string {
  if (ms === 1000) return 'per second';
  if (ms === 60_000) return 'per minute';
  if (ms % 60_000 === 0) return `per ${ms / 60_000} minutes`;
  return `per ${trimNumber(ms / 1000)} s`;
}

function yTicks(values: number[], y: (value: number) => number, label: (value: number) => string): Markup {
  return join(
    values.map(
      (value) =>
        html`<line class="grid" x1="${TIMELINE.left}" x2="${TIMELINE.left + PLOT_WIDTH}" y1="${num(y(value))}" y2="${num(y(value))}"/><text class="tick" x="${TIMELINE.left - 6}" y="${num(y(value) + 4)}" text-anchor="end">${label(value)}</text>`,
    ),
  );
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
