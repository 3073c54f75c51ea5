import type { Detection, RunResult } from '../../model/journal.js';
import type { WorkloadSeries } from '../../probes/workload/report.js';
import { detectProbeName } from '../data-text.js';

/** A workload probe on the timeline: its seconds start `originMs` after the run started. */
export interface WorkloadTrack {
  series: WorkloadSeries;
  originMs: number;
}

/** A detection check that noticed the fault: where on the time axis it first passed. */
export interface DetectionMark {
  detection: Detection;
  atMs: number;
}

/** Milliseconds since the run started, or undefined for a time that cannot be read. */
type Since = (iso: string | undefined) => number | undefined;

export function workloadTracks(run: RunResult, since: Since): WorkloadTrack[] {
  return (run.workload ?? []).map((series) => ({ series, originMs: since(series.startedAt) ?? 0 }));
}

/** Where the last second of any workload ends, in milliseconds since the run started. */
export function workloadEnd(tracks: readonly WorkloadTrack[]): number {
  return Math.max(
    0,
    ...tracks.map((track) => track.originMs + (track.series.report?.timeline.length ?? 0) * 1000),
  );
}

/**
 * Each detection that passed, at the start of its passing sample; without that sample, its time to
 * detect after the first fault's start.
 */
export function detectionMarks(
  run: RunResult,
  since: Since,
  firstFaultMs: number | undefined,
): DetectionMark[] {
  return (run.detect ?? []).flatMap((detection) => {
    if (detection.detectedAfterMs === null) return [];
    const name = detectProbeName(detection);
    const passed = run.journal.find(
      (entry) => entry.type === 'probe' && entry.sample.probe === name && entry.sample.status === 'pass',
    );
    const atMs =
      (passed?.type === 'probe' ? since(passed.sample.startedAt) : undefined) ??
      (firstFaultMs === undefined ? undefined : firstFaultMs + detection.detectedAfterMs);
    return atMs === undefined ? [] : [{ detection, atMs }];
  });
}

/** Probes whose journal samples are whole-run judgements, drawn as panels of their own. */
export function workloadProbes(run: RunResult): Set<string> {
  return new Set((run.workload ?? []).map((series) => series.probe));
}
