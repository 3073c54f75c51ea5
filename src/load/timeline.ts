import { Histogram, type HistogramJson } from './histogram.js';
import { histogramStats } from './histogram-stats.js';
import { statsOf } from './stats.js';
import type { LoadStats, RequestRecord } from './types.js';

/** What one slice of a load probe's time saw: the requests due in it, and the answers that arrived in it. */
export interface LoadSlice {
  requests: number;
  errors: number;
  /** Failed requests whose error was a timeout (counted in `errors` too). */
  timeouts: number;
  /** Successful answers that arrived in the slice, whenever their request was due. */
  okArrived: number;
  /** Responses per HTTP status ("200": 998, "503": 2); requests without a response are not counted. */
  statuses: Record<string, number>;
  latency: HistogramJson;
}

/** A load probe's run in consecutive slices of `sliceMs` from `from` (epoch ms): what reports draw. */
export interface LoadTimeline {
  from: number;
  sliceMs: number;
  slices: LoadSlice[];
}

/** Slices a report may use; the smallest that keeps a run within MAX_SLICES is taken. */
const SLICE_WIDTHS = [250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 300_000];
const MAX_SLICES = 1200;

export function sliceWidthFor(spanMs: number): number {
  return SLICE_WIDTHS.find((width) => spanMs / width <= MAX_SLICES) ?? SLICE_WIDTHS.at(-1)!;
}

/**
 * The load in [from, to) from a report's slices: each end is moved to the nearest slice boundary, so a
 * window is off by at most half a slice at each end; latencies within the histograms' 0.1%.
 */
export function timelineStats(timeline: LoadTimeline, from: number, to: number): LoadStats {
  const { sliceMs, slices } = timeline;
  const first = Math.round((from - timeline.from) / sliceMs);
  const end = Math.max(first, Math.round((to - timeline.from) / sliceMs));
  const histogram = new Histogram();
  let errors = 0;
  let arrived = 0;
  for (let k = Math.max(0, first); k < Math.min(end, slices.length); k++) {
    const slice = slices[k]!;
    histogram.merge(Histogram.fromJson(slice.latency));
    errors += slice.errors;
    arrived += slice.okArrived;
  }
  const seconds = ((end - first) * sliceMs) / 1000;
  return histogramStats(histogram, errors, { from, to }, seconds > 0 ? arrived / seconds : 0);
}

/** Where the timeline ends: the end of its last slice. */
export function timelineEnd(timeline: LoadTimeline): number {
  return timeline.from + timeline.slices.length * timeline.sliceMs;
}

/** A load probe's series as a report holds it: a timeline, or every raw record (earlier versions). */
interface StoredSeries {
  timeline?: LoadTimeline | undefined;
  records?: RequestRecord[] | undefined;
}

/** What a report can tell of its load in [from, to): from the timeline, or exactly from every record. */
export interface SeriesView {
  stats(from: number, to: number): LoadStats;
  /** The first request due and the last answer, in epoch ms; undefined without requests. */
  span: { from: number; to: number } | undefined;
  /** The finest bucket worth drawing. */
  resolutionMs: number;
}

export function seriesView(series: StoredSeries): SeriesView {
  const { timeline } = series;
  if (timeline) {
    const requests = timeline.slices.some((slice) => slice.requests > 0);
    return {
      stats: (from, to) => timelineStats(timeline, from, to),
      span: requests ? { from: timeline.from, to: timelineEnd(timeline) } : undefined,
      resolutionMs: timeline.sliceMs,
    };
  }
  const records = series.records ?? [];
  return {
    stats: (from, to) => statsOf(records, from, to),
    span: records.length
      ? {
          from: Math.min(...records.map((record) => record.scheduledAt)),
          to: Math.max(...records.map((record) => record.scheduledAt + record.latencyMs)),
        }
      : undefined,
    resolutionMs: 1,
  };
}
