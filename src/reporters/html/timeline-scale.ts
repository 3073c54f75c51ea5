/** The timeline's geometry, colours and how it writes coordinates, times and numbers. */
import { formatDuration } from '../../util/duration.js';

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
  /** A workload's write outcomes per second. */
  workloadHeight: 72,
  /** Room above a workload's bars for the marks of its lost and duplicated writes. */
  writeMarkRow: 12,
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
  p99: '#bf3989',
  errors: '#cf222e',
  acknowledged: '#1a7f37',
  refused: '#d1242f',
  indeterminate: '#8250df',
  skipped: '#6e7781',
  lost: '#a40e26',
  detected: '#0550ae',
} as const;

export const FONT_PX = 11;
/** A generous average advance of the sans-serif font at 11px, to decide where a label fits. */
export const CHAR_PX = 6.4;

/** The x coordinate of `ms` since the run started on a chart that spans `domainMs`. */
export function timelineX(ms: number, domainMs: number): number {
  return TIMELINE.left + (Math.min(Math.max(ms, 0), domainMs) / domainMs) * PLOT_WIDTH;
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

/** A time-axis value in seconds, with a decimal when the ticks are under a second apart. */
export function seconds(ms: number, step: number): string {
  return (ms / 1000).toFixed(step < 1000 ? 1 : 0);
}

/** Time since the run started, as the chart's labels write it. */
export function offset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`;
}

/** A number with at most two decimals and no trailing zeros. */
export function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

/** A coordinate with at most two decimals. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
