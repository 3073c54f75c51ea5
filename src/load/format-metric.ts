import { formatDuration } from '../util/duration.js';
import { type MetricKind, metricKind } from './metrics.js';
import type { LoadMetric } from './types.js';

/**
 * A metric value as reports show it: "412ms", "1.5s", "0.5%", "45/s", "100". `digits` asks for more
 * decimals, for when the short form would hide why a check failed (300.4ms shown as "300ms").
 */
export function formatMetric(metric: LoadMetric, value: number, digits?: number): string {
  return formatKind(metricKind(metric), value, digits);
}

function formatKind(kind: MetricKind, value: number, digits: number | undefined): string {
  switch (kind) {
    case 'latency':
      return digits === undefined ? formatDuration(value) : `${trim(value.toFixed(digits))}ms`;
    case 'ratio':
      return `${trim((value * 100).toFixed(digits ?? 2))}%`;
    case 'rate':
      return `${trim(value.toFixed(digits ?? 1))}/s`;
    case 'count':
      return String(value);
  }
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
