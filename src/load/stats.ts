import type { Check } from '../model/journal.js';
import { compare } from '../util/comparison.js';
import { exactDurationMs } from './exact-duration.js';
import { formatMetric } from './format-metric.js';
import { metricKind } from './metrics.js';
import type { LoadMetric, LoadStats, RequestRecord, Threshold } from './types.js';

/**
 * The load seen in [from, to): every request scheduled in the interval counts, whatever its outcome.
 * Percentiles are nearest-rank over all their latencies (failed requests included: a user waited for
 * them too). Throughput counts successful responses that arrived in the interval, per second, so a
 * stalled service shows a dip even when its requests eventually succeed. With no requests, the latency
 * fields are NaN (JSON null): there is nothing to chart, and nothing compares as passing.
 */
export function statsOf(records: readonly RequestRecord[], from: number, to: number): LoadStats {
  return statsIn(indexRecords(records), from, to);
}

/** Every window of `windowMs` that lies fully inside [from, to), starting at from and every `stepMs`. */
export function slidingWindows(
  records: readonly RequestRecord[],
  from: number,
  to: number,
  windowMs: number,
  stepMs: number,
): LoadStats[] {
  const index = indexRecords(records);
  return windowStarts(from, to, windowMs, stepMs).map((start) => statsIn(index, start, start + windowMs));
}

/** Where each window of `windowMs` that lies fully inside [from, to) starts: at from, then every `stepMs`. */
export function windowStarts(from: number, to: number, windowMs: number, stepMs: number): number[] {
  checkSpan('windowMs', windowMs);
  checkSpan('stepMs', stepMs);
  const starts: number[] = [];
  for (let k = 0; from + k * stepMs + windowMs <= to; k++) starts.push(from + k * stepMs);
  return starts;
}

/** Consecutive buckets of `bucketMs` covering [from, to) for charts; the last one may be shorter. */
export function timeBuckets(
  records: readonly RequestRecord[],
  from: number,
  to: number,
  bucketMs: number,
): LoadStats[] {
  checkSpan('bucketMs', bucketMs);
  const index = indexRecords(records);
  const buckets: LoadStats[] = [];
  for (let k = 0; from + k * bucketMs < to; k++) {
    const start = from + k * bucketMs;
    buckets.push(statsIn(index, start, Math.min(start + bucketMs, to)));
  }
  return buckets;
}

/**
 * Judges one threshold against what was seen, as a journal check: name "p95", expected "< 300ms",
 * actual "412ms". Latency and error-rate thresholds fail when there were no requests to judge.
 */
export function evaluateThreshold(threshold: Threshold, stats: LoadStats): Check {
  const { metric, op, value } = threshold;
  const name = metric;
  const expected = `${op} ${shownValue(metric, value, (shown) => Math.abs(shown - value) <= 1e-9 * Math.max(1, value))}`;
  const kind = metricKind(metric);
  if (stats.requests === 0 && (kind === 'latency' || kind === 'ratio')) {
    return { name, expected, actual: 'no requests', ok: false };
  }
  const seen = metricValue(stats, metric);
  const bound = { op, value, text: expected };
  const ok = compare(seen, bound);
  return { name, expected, actual: shownValue(metric, seen, (shown) => compare(shown, bound) === ok), ok };
}

export function metricValue(stats: LoadStats, metric: LoadMetric): number {
  switch (metric) {
    case 'error_rate':
      return stats.errorRate;
    default:
      return stats[metric];
  }
}

interface RecordIndex {
  /** Sorted by scheduledAt. */
  scheduled: readonly RequestRecord[];
  scheduledAt: Float64Array;
  /** When each successful request's answer arrived, sorted. */
  okArrivals: Float64Array;
}

function indexRecords(records: readonly RequestRecord[]): RecordIndex {
  const scheduled = [...records].sort((a, b) => a.scheduledAt - b.scheduledAt);
  const okArrivals = Float64Array.from(
    records.filter((record) => record.ok).map((record) => record.scheduledAt + record.latencyMs),
  ).sort();
  return { scheduled, scheduledAt: Float64Array.from(scheduled, (record) => record.scheduledAt), okArrivals };
}

function statsIn(index: RecordIndex, from: number, to: number): LoadStats {
  const first = lowerBound(index.scheduledAt, from);
  const end = Math.max(first, lowerBound(index.scheduledAt, to));
  const requests = end - first;
  const latencies = new Float64Array(requests);
  let errors = 0;
  let sum = 0;
  for (let i = first; i < end; i++) {
    const record = index.scheduled[i]!;
    latencies[i - first] = record.latencyMs;
    sum += record.latencyMs;
    if (!record.ok) errors++;
  }
  latencies.sort();
  const seconds = (to - from) / 1000;
  const arrived = Math.max(0, lowerBound(index.okArrivals, to) - lowerBound(index.okArrivals, from));
  return {
    from,
    to,
    requests,
    errors,
    p50: nearestRank(latencies, 50),
    p90: nearestRank(latencies, 90),
    p95: nearestRank(latencies, 95),
    p99: nearestRank(latencies, 99),
    max: requests ? latencies[requests - 1]! : Number.NaN,
    mean: requests ? sum / requests : Number.NaN,
    errorRate: requests ? errors / requests : 0,
    throughput: seconds > 0 ? arrived / seconds : 0,
  };
}

/** The smallest value with at least p% of the values at or below it. */
function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The first position whose value is >= target. */
function lowerBound(sorted: Float64Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The short form, unless its rounding misleads: a bound must show exactly ("50.5ms", not "51ms"), a
 * measured value must not contradict the verdict ("300ms" failing "<= 300ms" is shown as "300.4ms").
 */
function shownValue(metric: LoadMetric, value: number, agrees: (shown: number) => boolean): string {
  const kind = metricKind(metric);
  if (kind === 'count') return String(value);
  let text = formatMetric(metric, value);
  for (const digits of [1, 2, 3, 4, 6]) {
    if (agrees(readBack(text))) return text;
    text = formatMetric(metric, value, kind === 'ratio' ? digits + 2 : digits);
  }
  return text;
}

/** The number a formatted value shows, in the metric's own unit (ms, fraction, per second). */
function readBack(text: string): number {
  if (text.endsWith('%')) return Number(text.slice(0, -1)) / 100;
  if (text.endsWith('/s')) return Number(text.slice(0, -2));
  return exactDurationMs(text);
}

function checkSpan(name: string, ms: number): void {
  if (!(ms > 0 && Number.isFinite(ms))) throw new RangeError(`${name} must be a positive number, got ${ms}`);
}
