import type { Check } from '../../model/journal.js';
import { compare } from '../../util/comparison.js';
import { hasPrefix, seqOf } from './ids.js';
import { isCountMetric, type WorkloadMetric, type WorkloadThreshold } from './thresholds.js';
import type { WorkloadPhase, WorkloadRun, WriteRecord } from './types.js';

export interface PhaseTotals {
  /** Writes sent (acknowledged + refused + indeterminate). */
  attempted: number;
  acknowledged: number;
  refused: number;
  indeterminate: number;
  /** Writes due while `concurrency` were in flight: never sent, not attempted. */
  skipped: number;
}

export interface Duplicate {
  id: string;
  /** How many times the read-back holds it (2 or more). */
  copies: number;
  /** The write that sent it (absent only for an unexpected value). */
  record?: WriteRecord | undefined;
}

/** What the writes and the read-back add up to. */
export interface WorkloadFindings {
  /** Every metric a threshold can name; an availability is undefined when its phase had no writes. */
  metrics: Record<WorkloadMetric, number | undefined>;
  totals: Record<WorkloadPhase | 'all', PhaseTotals>;
  /** Acknowledged writes the read-back does not hold, in write order. */
  lost: WriteRecord[];
  /** Values of this run the read-back holds more than once, in write order. */
  duplicates: Duplicate[];
  /** Indeterminate writes the read-back holds (they went through after all). */
  indeterminatePresent: WriteRecord[];
  /** Refused writes the read-back holds: the system said no, and did it anyway. */
  refusedPresent: WriteRecord[];
  /** Values with this run's prefix that no write sent, each once. */
  unexpected: string[];
}

export function emptyTotals(): PhaseTotals {
  return { attempted: 0, acknowledged: 0, refused: 0, indeterminate: 0, skipped: 0 };
}

/**
 * Compares the writes with what the system holds. Only this run's values count: a store shared with
 * other clients or earlier runs holds values of theirs, which are neither duplicates nor unexpected.
 * An indeterminate write is never lost, whether the read-back holds it or not.
 */
export function judgeWorkload(run: WorkloadRun, values: readonly string[]): WorkloadFindings {
  const copies = new Map<string, number>();
  for (const value of values) {
    if (hasPrefix(run.prefix, value)) copies.set(value, (copies.get(value) ?? 0) + 1);
  }
  const totals = totalsOf(run);
  const written = new Map(run.records.map((record) => [record.id, record]));
  const held = (record: WriteRecord): boolean => (copies.get(record.id) ?? 0) > 0;
  const lost = run.records.filter((record) => record.outcome === 'acknowledged' && !held(record));
  const indeterminatePresent = run.records.filter(
    (record) => record.outcome === 'indeterminate' && held(record),
  );
  const refusedPresent = run.records.filter((record) => record.outcome === 'refused' && held(record));
  const duplicates: Duplicate[] = [...copies]
    .filter(([, count]) => count > 1)
    .map(([id, count]) => ({ id, copies: count, record: written.get(id) }))
    .sort((a, b) => (seqOf(run.prefix, a.id) ?? Infinity) - (seqOf(run.prefix, b.id) ?? Infinity));
  const unexpected = [...copies.keys()].filter((value) => !written.has(value));
  const ratio = (phase: WorkloadPhase | 'all'): number | undefined => {
    const { attempted, acknowledged } = totals[phase];
    return attempted === 0 ? undefined : acknowledged / attempted;
  };
  const metrics: Record<WorkloadMetric, number | undefined> = {
    lost: lost.length,
    duplicates: duplicates.length,
    duplicate_copies: duplicates.reduce((sum, duplicate) => sum + duplicate.copies - 1, 0),
    indeterminate: totals.all.indeterminate,
    indeterminate_present: indeterminatePresent.length,
    unexpected: unexpected.length,
    refused: totals.all.refused,
    acknowledged: totals.all.acknowledged,
    writes: totals.all.attempted,
    skipped: totals.all.skipped,
    available: ratio('all'),
    'available.before': ratio('before'),
    'available.during': ratio('during'),
    'available.after': ratio('after'),
  };
  return { metrics, totals, lost, duplicates, indeterminatePresent, refusedPresent, unexpected };
}

function totalsOf(run: WorkloadRun): Record<WorkloadPhase | 'all', PhaseTotals> {
  const totals = { before: emptyTotals(), during: emptyTotals(), after: emptyTotals(), all: emptyTotals() };
  for (const record of run.records) {
    for (const bucket of [totals[record.phase], totals.all]) {
      bucket.attempted++;
      bucket[record.outcome]++;
    }
  }
  for (const skip of run.skipped) {
    totals[skip.phase].skipped++;
    totals.all.skipped++;
  }
  return totals;
}

/** One check per threshold, in the shape every probe's checks take. */
export function workloadChecks(
  findings: WorkloadFindings,
  thresholds: readonly WorkloadThreshold[],
): Check[] {
  return thresholds.map((threshold) => {
    const actual = findings.metrics[threshold.metric];
    const expected = `${threshold.op} ${formatMetric(threshold.metric, threshold.value)}`;
    if (actual === undefined) {
      const phase = threshold.metric.split('.')[1] ?? 'the run';
      return {
        name: threshold.metric,
        expected,
        actual: `no writes were attempted ${phase === 'the run' ? 'in the run' : phase}`,
        ok: false,
      };
    }
    return {
      name: threshold.metric,
      expected,
      actual: formatMetric(threshold.metric, actual),
      ok: compare(actual, threshold),
    };
  });
}

export function formatMetric(metric: WorkloadMetric, value: number): string {
  return isCountMetric(metric) ? String(value) : `${Number((value * 100).toFixed(2))}%`;
}

export interface WorkloadVerdict {
  status: 'pass' | 'fail' | 'error';
  /** One line: the checks that failed, or why the probe could not judge. */
  reason: string;
  checks: Check[];
}

/**
 * Pass when every threshold holds. A write that could not be attempted for the tool's reason (no such
 * program, a header that cannot be sent) makes the whole probe an error: its availability would blame
 * the system for the tool.
 */
export function workloadVerdict(
  run: WorkloadRun,
  findings: WorkloadFindings,
  thresholds: readonly WorkloadThreshold[],
): WorkloadVerdict {
  const checks = workloadChecks(findings, thresholds);
  const toolError = run.records.find((record) => record.toolError);
  if (toolError) {
    const told =
      toolError.told.kind === 'error' ? toolError.told.message : 'the write could not be attempted';
    return { status: 'error', reason: `a write could not be attempted: ${told}`, checks };
  }
  const failed = checks.filter((check) => !check.ok);
  if (failed.length === 0) {
    const { attempted, acknowledged } = findings.totals.all;
    return {
      status: 'pass',
      reason: `${acknowledged} of ${attempted} writes acknowledged; ${checks.map((c) => `${c.name} ${c.actual}`).join(', ')}`,
      checks,
    };
  }
  const reason = failed
    .map((check) => `${check.name} ${check.actual} (expected ${check.expected})`)
    .join('; ');
  return { status: 'fail', reason, checks };
}
