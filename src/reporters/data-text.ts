import { detectName } from '../model/detection-name.js';
import type { Detection, ProbeSample, RunResult } from '../model/journal.js';
import type { PhaseTotals } from '../probes/workload/judge.js';
import type { WorkloadReport, WorkloadSeries } from '../probes/workload/report.js';
import { WORKLOAD_PHASES, type WorkloadPhase } from '../probes/workload/types.js';
import { formatDuration } from '../util/duration.js';
import { attemptsInWords } from './journal-text.js';

/**
 * The words every reporter uses for a workload's data and a run's detection checks, so that the
 * console, Markdown and HTML say the same thing the same way.
 */

/** "1,204": a count with thousands separators, the same in every locale. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Acknowledged / attempted as a percentage ("100%", "41%", "99.5%"); undefined without an attempt. */
export function availability(totals: PhaseTotals): string | undefined {
  if (totals.attempted === 0) return undefined;
  return percent(totals.acknowledged / totals.attempted);
}

/** A share as a percentage with at most one decimal; never rounded up to 100% or down to 0%. */
export function percent(share: number): string {
  const text = String(Number((share * 100).toFixed(1)));
  if (text === '100' && share < 1) return '99.9%';
  if (text === '0' && share > 0) return '0.1%';
  return `${text}%`;
}

/** "1,204 writes, 1,180 acknowledged, 0 lost, 0 duplicates, 12 indeterminate" */
export function writesInWords(report: WorkloadReport): string {
  const all = report.totals.all;
  const parts = [
    `${count(all.attempted)} ${all.attempted === 1 ? 'write' : 'writes'}`,
    `${count(all.acknowledged)} acknowledged`,
    `${count(report.lost.count)} lost`,
    `${count(report.duplicates.ids)} ${report.duplicates.ids === 1 ? 'duplicate' : 'duplicates'}`,
    `${count(report.indeterminate.count)} indeterminate`,
  ];
  if (all.skipped > 0) parts.push(`${count(all.skipped)} skipped`);
  return parts.join(', ');
}

/** "available before 100% during 41% after 100%": only the phases that had writes. */
export function availabilityInWords(report: WorkloadReport): string {
  const phases = WORKLOAD_PHASES.flatMap((phase: WorkloadPhase) => {
    const share = availability(report.totals[phase]);
    return share === undefined ? [] : [`${phase} ${share}`];
  });
  return phases.length === 0 ? 'no write was attempted' : `available ${phases.join(' ')}`;
}

/** Why a workload has no data to show: the probe's own reason when the run recorded one. */
export function noReportReason(run: RunResult, series: WorkloadSeries): string {
  const summary = run.probes.find((probe) => probe.probe === series.probe && probe.phase === 'after');
  if (summary && summary.status !== 'not-run' && summary.reason) return `not judged: ${summary.reason}`;
  return 'not judged: the run ended before the read-back';
}

/** How a detection check ended, in a few words. */
export type DetectionState = 'detected' | 'not-detected' | 'not-checked';

export function detectionState(detection: Detection): DetectionState {
  if (detection.detectedAfterMs !== null) return 'detected';
  return detection.reason === 'no fault' ? 'not-checked' : 'not-detected';
}

/**
 * "detected after 6.2s (within 30s)", "NOT detected within 30s: <why>", "not checked: no fault was
 * injected".
 */
export function detectionInWords(detection: Detection): string {
  const within = formatDuration(detection.withinMs);
  switch (detectionState(detection)) {
    case 'detected':
      return `detected after ${formatDuration(detection.detectedAfterMs ?? 0)} (within ${within})`;
    case 'not-checked':
      return 'not checked: no fault was injected';
    case 'not-detected':
      return `NOT detected within ${within}${detection.reason ? `: ${detection.reason}` : ''}`;
  }
}

/** The name a detection's samples and probe summary carry in the journal. */
export function detectProbeName(detection: Pick<Detection, 'probe'>): string {
  return detectName({ name: detection.probe });
}

/**
 * What a sample covers: a workload's writes and what became of them ("731 writes, 629 acknowledged,
 * 3 lost, …", or only how many when it was not read back), any other probe's attempts.
 */
export function sampleCount(run: RunResult, sample: ProbeSample): string {
  const series = sample.phase === 'after' && run.workload?.find((one) => one.probe === sample.probe);
  if (!series) return attemptsInWords(sample);
  if (series.report) return writesInWords(series.report);
  return `${count(sample.attempts)} ${sample.attempts === 1 ? 'write' : 'writes'}`;
}
