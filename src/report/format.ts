import { formatDuration } from '../util/duration.js';

/** A latency as reports show it: "12ms", "1.5s"; "-" when nothing was measured. */
export function formatLatency(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

/** An error rate as a percentage: "0%", "35%", "0.5%"; "-" when nothing was measured. */
export function formatErrorRate(rate: number | null): string {
  if (rate === null) return '-';
  return `${trim((rate * 100).toFixed(rate < 0.1 ? 1 : 0))}%`;
}

/** A signed change in latency: "+828ms", "-3ms", "±0ms". */
export function latencyDelta(before: number | null, after: number | null): string {
  if (before === null || after === null) return '';
  const delta = Math.round(after - before);
  if (delta === 0) return '±0ms';
  return `${delta > 0 ? '+' : '-'}${formatDuration(Math.abs(delta))}`;
}

/** A signed change in error rate, in percentage points: "+35 pts". */
export function errorRateDelta(before: number | null, after: number | null): string {
  if (before === null || after === null) return '';
  const points = Math.round((after - before) * 1000) / 10;
  if (points === 0) return '±0 pts';
  return `${points > 0 ? '+' : '-'}${trim(Math.abs(points).toFixed(1))} pts`;
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
