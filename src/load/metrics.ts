import type { LoadMetric } from './types.js';

/** Every metric a threshold can name, in the order reports list them. */
export const THRESHOLD_METRICS: readonly LoadMetric[] = [
  'p50',
  'p90',
  'p95',
  'p99',
  'max',
  'mean',
  'error_rate',
  'throughput',
  'requests',
];

export type MetricKind = 'latency' | 'ratio' | 'rate' | 'count';

/** Latency metrics are durations; error_rate a fraction shown as %; throughput per second; requests a count. */
export function metricKind(metric: LoadMetric): MetricKind {
  if (metric === 'error_rate') return 'ratio';
  if (metric === 'throughput') return 'rate';
  if (metric === 'requests') return 'count';
  return 'latency';
}
