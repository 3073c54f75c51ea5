import { emptyTotals, type PhaseTotals, type WorkloadFindings } from './judge.js';
import type { Told, WorkloadPhase, WorkloadRun, WriteOutcome, WriteRecord } from './types.js';

/** How many lost and duplicated ids the report names, each. */
export const REPORT_EXAMPLES = 10;

/** One write, as a report shows it: when it was sent, how long it took, what it was told. */
export interface WriteExample {
  id: string;
  phase: WorkloadPhase;
  /** ISO time the write left. */
  at: string;
  /** Milliseconds from the workload's start to the write's. */
  offsetMs: number;
  durationMs: number;
  outcome: WriteOutcome;
  told: string;
}

/** Writes by what became of them, in one second of the run (second 0 starts with the first write). */
export interface OutcomeBucket extends Omit<PhaseTotals, 'attempted'> {
  second: number;
}

/** A workload probe's section of the run's result: what it wrote and what became of it. */
export interface WorkloadSeries {
  probe: string;
  thresholds: string[];
  /** When write 0 was due (ISO), for timelines. */
  startedAt: string;
  report?: WorkloadReport | undefined;
}

/** The workload's section of a report. */
export interface WorkloadReport {
  prefix: string;
  totals: Record<WorkloadPhase | 'all', PhaseTotals>;
  lost: { count: number; examples: WriteExample[] };
  duplicates: { ids: number; extraCopies: number; examples: (WriteExample & { copies: number })[] };
  indeterminate: { count: number; present: number };
  refusedPresent: { count: number; examples: WriteExample[] };
  unexpected: { count: number; examples: string[] };
  timeline: OutcomeBucket[];
}

export function workloadReport(run: WorkloadRun, findings: WorkloadFindings): WorkloadReport {
  const example = (record: WriteRecord): WriteExample => describeWrite(run, record);
  return {
    prefix: run.prefix,
    totals: findings.totals,
    lost: { count: findings.lost.length, examples: findings.lost.slice(0, REPORT_EXAMPLES).map(example) },
    duplicates: {
      ids: findings.duplicates.length,
      extraCopies: findings.duplicates.reduce((sum, duplicate) => sum + duplicate.copies - 1, 0),
      examples: findings.duplicates
        .filter((duplicate) => duplicate.record !== undefined)
        .slice(0, REPORT_EXAMPLES)
        .map((duplicate) => ({ ...example(duplicate.record!), copies: duplicate.copies })),
    },
    indeterminate: {
      count: findings.totals.all.indeterminate,
      present: findings.indeterminatePresent.length,
    },
    refusedPresent: {
      count: findings.refusedPresent.length,
      examples: findings.refusedPresent.slice(0, REPORT_EXAMPLES).map(example),
    },
    unexpected: {
      count: findings.unexpected.length,
      examples: findings.unexpected.slice(0, REPORT_EXAMPLES),
    },
    timeline: outcomeTimeline(run),
  };
}

export function describeWrite(run: WorkloadRun, record: WriteRecord): WriteExample {
  return {
    id: record.id,
    phase: record.phase,
    at: new Date(record.startedAt).toISOString(),
    offsetMs: Math.round(record.startedAt - run.startedAt),
    durationMs: Math.round(record.durationMs),
    outcome: record.outcome,
    told: describeTold(record.told),
  };
}

/** "201 stored", "exit 1: disk full", "no answer within 1s". */
export function describeTold(told: Told): string {
  switch (told.kind) {
    case 'http':
      return `${told.status}${told.body.trim() ? ` ${oneLine(told.body)}` : ''}`;
    case 'process':
      return `exit ${told.exitCode}${told.output ? `: ${oneLine(told.output)}` : ''}`;
    case 'error':
      return told.message;
  }
}

/** Outcomes per second of the run, every second from the first write to the last, for a timeline chart. */
export function outcomeTimeline(run: WorkloadRun): OutcomeBucket[] {
  const buckets: OutcomeBucket[] = [];
  const bucket = (at: number): OutcomeBucket => {
    const second = Math.max(0, Math.floor((at - run.startedAt) / 1000));
    while (buckets.length <= second) {
      const { attempted: _, ...empty } = emptyTotals();
      buckets.push({ second: buckets.length, ...empty });
    }
    return buckets[second]!;
  };
  for (const record of run.records) bucket(record.startedAt)[record.outcome]++;
  for (const skip of run.skipped) bucket(skip.dueAt).skipped++;
  return buckets;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}
