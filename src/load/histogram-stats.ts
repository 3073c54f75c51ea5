import type { Histogram } from './histogram.js';
import type { LoadStats } from './types.js';

/** LoadStats from a histogram of the interval's latencies and its error count. */
export function histogramStats(
  histogram: Histogram,
  errors: number,
  interval: { from: number; to: number },
  throughput: number,
): LoadStats {
  const requests = histogram.count;
  const [p50, p90, p95, p99] = histogram.percentiles([50, 90, 95, 99]) as [number, number, number, number];
  return {
    from: interval.from,
    to: interval.to,
    requests,
    errors,
    p50,
    p90,
    p95,
    p99,
    max: histogram.max,
    mean: histogram.mean,
    errorRate: requests ? errors / requests : 0,
    throughput,
  };
}
