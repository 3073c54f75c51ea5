import { type SeriesView, seriesView } from '../../load/timeline.js';
import type { LoadSeries, LoadStats } from '../../load/types.js';
import type { FaultRecord, ProbeSample, RunPhase, RunResult } from '../../model/journal.js';
import type { Target } from '../../targets/target.js';
import {
  type DetectionMark,
  detectionMarks,
  type WorkloadTrack,
  workloadEnd,
  workloadProbes,
  workloadTracks,
} from './workload-track.js';

/** A run as reporters receive it, with the load probes' requests when it had any. */
export type RunWithLoad = RunResult & { load?: LoadSeries[] | undefined };

/** How long a fault was in place, in milliseconds since the run started. */
export interface FaultSpan {
  faultId: string;
  fault: string;
  target: Target;
  status: FaultRecord['status'];
  startMs: number;
  endMs: number;
  /** No confirmed revert: the fault may still be in place, so the span runs to the end of the chart. */
  left: boolean;
  /** What the chart writes on it, e.g. "pause shop-db-1". */
  label: string;
}

export interface PhaseSpan {
  phase: RunPhase;
  label: string;
  startMs: number;
  endMs: number;
}

export interface SamplePoint {
  sample: ProbeSample;
  /** When the check started, in milliseconds since the run started. */
  atMs: number;
}

export interface ProbeTrack {
  probe: string;
  points: SamplePoint[];
}

export interface GuardMark {
  probe: string;
  reason: string;
  atMs: number;
}

export interface LoadTrack {
  series: LoadSeries;
  /**
   * One per bucket of the chart, from the run's start; latencies are NaN in a bucket without requests.
   * A bucket is a second, or the report's slice when that is longer (runs over 20 minutes).
   */
  buckets: LoadStats[];
  bucketMs: number;
}

/** Everything the timeline draws, in milliseconds since the run started. */
export interface TimelineData {
  /** The chart spans 0 to this: the run rounded up to a whole second. */
  domainMs: number;
  phases: PhaseSpan[];
  faults: FaultSpan[];
  probes: ProbeTrack[];
  guards: GuardMark[];
  load: LoadTrack[];
  workload: WorkloadTrack[];
  /** Detection checks that noticed the fault, where they first passed. */
  detections: DetectionMark[];
}

export const LOAD_BUCKET_MS = 1000;

const PHASE_LABELS: Record<RunPhase, string> = {
  resolve: 'setup',
  setup: 'setup actions',
  before: 'baseline',
  method: 'method',
  revert: 'revert',
  after: 'recovery',
  rollbacks: 'rollbacks',
};

export function phaseLabel(phase: RunPhase): string {
  return PHASE_LABELS[phase];
}

/** Milliseconds since the run started, or undefined for a time that cannot be read. */
type Since = (iso: string | undefined) => number | undefined;

export function timelineData(run: RunWithLoad): TimelineData {
  const origin = Date.parse(run.startedAt);
  const since: Since = (iso) => {
    const ms = iso === undefined ? Number.NaN : Date.parse(iso) - origin;
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  };
  const marks = journalMarks(run, since);
  let latest = marks.latest;

  const origins = faultRecords(run).map((record) => {
    const startMs = marks.injected.get(record.faultId) ?? since(record.injectedAt) ?? 0;
    const confirmed = record.status !== 'active' && record.status !== 'failed';
    const endMs = confirmed ? (marks.reverted.get(record.faultId) ?? since(record.revertedAt)) : undefined;
    if (endMs !== undefined) latest = Math.max(latest, endMs);
    latest = Math.max(latest, startMs);
    return { record, startMs, endMs };
  });

  const load = run.load ?? [];
  const views = load.map((series) => seriesView(series));
  const spans = views.flatMap((view) => (view.span ? [view.span] : []));
  const loadOrigin = Number.isFinite(origin) ? origin : Math.min(...spans.map((span) => span.from));
  for (const span of spans) {
    const end = span.to - loadOrigin;
    if (Number.isFinite(end)) latest = Math.max(latest, end);
  }

  const workload = workloadTracks(run, since);
  latest = Math.max(latest, workloadEnd(workload));
  const firstFaultMs = origins.length > 0 ? Math.min(...origins.map((item) => item.startMs)) : undefined;

  const domainMs = Math.max(1000, Math.ceil(latest / 1000) * 1000);
  return {
    domainMs,
    phases: phaseSpans(marks.phaseStarts, run.durationMs),
    faults: origins.map(({ record, startMs, endMs }) => ({
      faultId: record.faultId,
      fault: record.fault,
      target: record.target,
      status: record.status,
      startMs,
      endMs: endMs === undefined ? domainMs : Math.max(startMs, endMs),
      left: endMs === undefined,
      label: `${record.fault} ${record.target.name}`,
    })),
    probes: [...marks.probes].map(([probe, points]) => ({ probe, points })),
    guards: marks.guards,
    load: load.map((series, i) => {
      const bucketMs = Math.max(LOAD_BUCKET_MS, views[i]!.resolutionMs);
      return {
        series,
        bucketMs,
        buckets: loadBuckets(views[i]!, bucketMs, loadOrigin, loadOrigin + domainMs),
      };
    }),
    workload,
    detections: detectionMarks(run, since, firstFaultMs),
  };
}

/** What the journal marks on the time axis; `latest` is the last moment the run or its journal reaches. */
interface JournalMarks {
  phaseStarts: { phase: RunPhase; at: number }[];
  probes: Map<string, SamplePoint[]>;
  guards: GuardMark[];
  injected: Map<string, number>;
  reverted: Map<string, number>;
  latest: number;
}

function journalMarks(run: RunWithLoad, since: Since): JournalMarks {
  const marks: JournalMarks = {
    phaseStarts: [],
    probes: new Map(),
    guards: [],
    injected: new Map(),
    reverted: new Map(),
    latest: Math.max(0, run.durationMs),
  };
  // A load probe's journal entries are whole-phase judgements, not timed checks: its own panels
  // (latency percentiles, errors) show it, so it gets no sample panel.
  // Nor does a workload's: its judgement after the read-back is the workload panel's.
  const loadProbes = new Set([...(run.load ?? []).map((series) => series.probe), ...workloadProbes(run)]);
  for (const entry of run.journal) {
    marks.latest = Math.max(marks.latest, entry.t);
    switch (entry.type) {
      case 'phase':
        marks.phaseStarts.push({ phase: entry.phase, at: Math.max(0, entry.t) });
        break;
      case 'probe': {
        if (loadProbes.has(entry.sample.probe)) break;
        const atMs = since(entry.sample.startedAt) ?? Math.max(0, entry.t - entry.sample.durationMs);
        marks.latest = Math.max(marks.latest, atMs + entry.sample.durationMs);
        const points = marks.probes.get(entry.sample.probe) ?? [];
        points.push({ sample: entry.sample, atMs });
        marks.probes.set(entry.sample.probe, points);
        break;
      }
      case 'guard':
        marks.guards.push({ probe: entry.probe, reason: entry.reason, atMs: Math.max(0, entry.t) });
        break;
      case 'fault-injected':
        if (!marks.injected.has(entry.faultId)) marks.injected.set(entry.faultId, Math.max(0, entry.t));
        break;
      case 'fault-reverted':
        if (entry.status !== 'failed') marks.reverted.set(entry.faultId, Math.max(0, entry.t));
        break;
    }
  }
  if (run.guard && marks.guards.length === 0) {
    const atMs = since(run.guard.trippedAt);
    if (atMs !== undefined) marks.guards.push({ probe: run.guard.probe, reason: run.guard.reason, atMs });
  }
  return marks;
}

/** Each phase runs from its start to the next one's, the last to the end of the run. */
function phaseSpans(starts: readonly { phase: RunPhase; at: number }[], durationMs: number): PhaseSpan[] {
  const sorted = [...starts].sort((a, b) => a.at - b.at);
  return sorted.map((start, i) => ({
    phase: start.phase,
    label: phaseLabel(start.phase),
    startMs: start.at,
    endMs: sorted[i + 1]?.at ?? Math.max(start.at, durationMs),
  }));
}

/**
 * The run's faults: its records, plus any the journal shows injected without a record (a run cut
 * short), which then count as possibly left in place.
 */
function faultRecords(run: RunResult): FaultRecord[] {
  const records = [...run.faults];
  const known = new Set(records.map((record) => record.faultId));
  for (const entry of run.journal) {
    if (entry.type !== 'fault-injected' || known.has(entry.faultId)) continue;
    known.add(entry.faultId);
    const revert = run.journal.find(
      (other) => other.type === 'fault-reverted' && other.faultId === entry.faultId,
    );
    records.push({
      faultId: entry.faultId,
      fault: entry.fault,
      target: entry.target,
      injectedAt: entry.at,
      ...(revert?.type === 'fault-reverted'
        ? { revertedAt: revert.at, status: revert.status, detail: revert.detail }
        : { status: 'active', detail: entry.detail }),
    });
  }
  return records;
}

/** Buckets of a second (or of the report's slices, when longer) from `from` to `to`, for the chart. */
function loadBuckets(view: SeriesView, width: number, from: number, to: number): LoadStats[] {
  const buckets: LoadStats[] = [];
  for (let start = from; start < to; start += width) {
    buckets.push(view.stats(start, Math.min(start + width, to)));
  }
  return buckets;
}
