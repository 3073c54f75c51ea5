import { closestName, isAnagram } from './closest-name.js';
import { THRESHOLD_METRICS } from './metrics.js';
import type { LoadMetric } from './types.js';

const PERCENTILE = /^p\d+(?:\.\d+)?$/;
const PERCENTILES = ['p50', 'p90', 'p95', 'p99'];

/** Names people write for a metric, from other tools or habit: only ever used to suggest the real one. */
const ALIASES: Record<string, LoadMetric> = {
  avg: 'mean',
  average: 'mean',
  median: 'p50',
  maximum: 'max',
  p100: 'max',
  rps: 'throughput',
  rate: 'throughput',
  qps: 'throughput',
  thruput: 'throughput',
  errors: 'error_rate',
  error: 'error_rate',
  err_rate: 'error_rate',
  errorrate: 'error_rate',
  failure_rate: 'error_rate',
  failed: 'error_rate',
  http_req_failed: 'error_rate',
  count: 'requests',
  reqs: 'requests',
  http_reqs: 'requests',
};

/**
 * What to tell a user who named a metric that does not exist: the one they most likely meant
 * ("did you mean p95?"), or the metrics there are. Never a guess for a deliberate name such as p75.
 */
export function unknownMetricProblem(name: string): string {
  const lower = name.toLowerCase();
  const normalized = lower.replace(/[-\s]/g, '_').replace(/^(latency|duration)_|_(latency|duration)$/, '');
  const unknown = `unknown metric "${name}"`;
  const same = THRESHOLD_METRICS.find((metric) => metric === normalized) ?? ALIASES[normalized];
  if (same) return `${unknown}: did you mean ${same}?`;
  if (PERCENTILE.test(normalized)) {
    // p59 is a slip for p95; p75 is a percentile faultline does not measure.
    const swapped = PERCENTILES.find((percentile) => isAnagram(percentile, normalized));
    if (swapped) return `${unknown}: did you mean ${swapped}?`;
    return `${unknown}: the percentiles are p50, p90, p95 and p99 (max is the slowest request)`;
  }
  const near = closestName(normalized, THRESHOLD_METRICS);
  if (near) return `${unknown}: did you mean ${near}?`;
  if (/latency|duration|time/.test(lower)) {
    return `${unknown}: name a percentile (p50, p90, p95, p99), max or mean, as in "p95 < 300ms"`;
  }
  return `${unknown}: ${knownMetrics()}`;
}

export function knownMetrics(): string {
  return `the metrics are ${THRESHOLD_METRICS.join(', ')}`;
}
