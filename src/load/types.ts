import type { LoadTimeline } from './timeline.js';

/** One request of a load probe, as the generator saw it. Times are epoch milliseconds (fractional). */
export interface RequestRecord {
  /** When the request was due by the schedule (open model: it is sent then, whatever came before). */
  scheduledAt: number;
  /** When it actually left (scheduledAt plus the generator's own lag). */
  startedAt: number;
  /** From scheduledAt to the end of the response (or the error): what a user would have waited. */
  latencyMs: number;
  status?: number | undefined;
  /** Why it failed: timeout, refused, reset, or "status 503". */
  error?: string | undefined;
  ok: boolean;
}

export type LoadMetric =
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'max'
  | 'mean'
  | 'error_rate'
  | 'throughput'
  | 'requests';

/** A parsed threshold such as `p95 < 300ms`: latency in ms, error_rate as a fraction, throughput per second. */
export interface Threshold {
  text: string;
  metric: LoadMetric;
  op: '<' | '<=' | '>' | '>=';
  value: number;
}

/** The load a probe saw in one interval, for reports and charts. */
export interface LoadStats {
  from: number;
  to: number;
  requests: number;
  errors: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  errorRate: number;
  /** Completed requests per second. */
  throughput: number;
}

/**
 * Everything a load probe recorded in a run: reports draw from its timeline (per-slice counts and
 * latency histograms). Raw records only when the probe asked for them (`load.records: true`), at most
 * the first MAX_KEPT_RECORDS; reports written before timelines existed have only records.
 */
export interface LoadSeries {
  probe: string;
  url: string;
  ratePerSecond: number;
  thresholds: string[];
  /** Absent only in reports of earlier versions, which have every record instead. */
  timeline?: LoadTimeline | undefined;
  records?: RequestRecord[] | undefined;
  /** Requests finished but not kept in `records` (over the limit). */
  recordsDropped?: number | undefined;
}
