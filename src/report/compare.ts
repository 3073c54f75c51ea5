import type { Outcome, RunResult } from '../model/journal.js';
import { errorRateDelta, formatErrorRate, formatLatency, latencyDelta } from './format.js';
import type { FaultImpact, Recovery } from './impact-types.js';
import type { LoadedReport } from './read-reports.js';
import { recoveryInWords } from './summary.js';

type Run = RunResult & { impact: FaultImpact[] };

/** How a value compares with the first report's: worse is what a regression in resilience looks like. */
export type Trend = 'worse' | 'better' | 'same' | 'none';

export interface Cell {
  text: string;
  /** The change against the first report, e.g. "+1.68s"; empty in the first column or without a value. */
  delta: string;
  trend: Trend;
}

export interface MetricRow {
  label: string;
  cells: (Cell | null)[];
}

export interface ExperimentComparison {
  title: string;
  outcomes: (Outcome | null)[];
  verdictTrend: Trend[];
  rows: MetricRow[];
}

export interface Comparison {
  columns: { file: string; startedAt: string; faultlineVersion: string }[];
  experiments: ExperimentComparison[];
  /** Every cell that got worse, as "experiment: row: from → to". */
  regressions: string[];
}

/** Latency changes smaller than this, or than a fifth of the first value, are noise. */
const LATENCY_NOTICE_MS = 20;
const ERROR_RATE_NOTICE = 0.01;
const RECOVERY_NOTICE_MS = 250;

/**
 * The runs of several reports side by side, per experiment (matched by title; when every report holds
 * one run, those runs are compared whatever their titles, e.g. a resilient and a fragile variant), per
 * fault (matched by kind and order) and probe: verdict, p95 and error rate before, during and after, and
 * the time to recover, each against the first report.
 */
export function compareReports(reports: readonly LoadedReport[]): Comparison {
  const single = reports.every((report) => report.runs.length === 1);
  const titles = single
    ? [reports.map((report) => report.runs[0]!.title).join(' / ')]
    : [...new Set(reports.flatMap((report) => report.runs.map((run) => run.title)))];
  const experiments = titles.map((title) => {
    const runs = reports.map((report) =>
      single ? report.runs[0]! : (report.runs.find((run) => run.title === title) ?? null),
    );
    return compareRuns(title, runs);
  });
  const regressions = experiments.flatMap((experiment) => [
    ...experiment.verdictTrend.flatMap((trend, i) =>
      trend === 'worse'
        ? [`${experiment.title}: verdict ${experiment.outcomes[0]} → ${experiment.outcomes[i]}`]
        : [],
    ),
    ...experiment.rows.flatMap((row) =>
      row.cells.flatMap((cell, i) =>
        cell?.trend === 'worse'
          ? [`${experiment.title}: ${row.label}: ${row.cells[0]?.text ?? '-'} → ${cell.text} (#${i + 1})`]
          : [],
      ),
    ),
  ]);
  return {
    columns: reports.map(({ file, startedAt, faultlineVersion }) => ({ file, startedAt, faultlineVersion })),
    experiments,
    regressions,
  };
}

function compareRuns(title: string, runs: (Run | null)[]): ExperimentComparison {
  const outcomes = runs.map((run) => run?.outcome ?? null);
  const base = outcomes[0] ?? null;
  const verdictTrend = outcomes.map((outcome, i): Trend => {
    if (i === 0 || outcome === null || base === null || outcome === base) return 'none';
    if (base === 'passed' && outcome === 'deviated') return 'worse';
    if (base === 'deviated' && outcome === 'passed') return 'better';
    return 'none';
  });
  const rows: MetricRow[] = [];
  const keys = faultKeys(runs);
  for (const key of keys) {
    const faults = runs.map((run) => (run ? faultByKey(run, key) : null));
    // "pause" alone when the runs have one pause, "pause #2" to tell several apart.
    const kind = key.replace(/ #\d+$/, '');
    const label = key.endsWith(' #1') && !keys.includes(`${kind} #2`) ? kind : key;
    rows.push(row(`${label}: time to recover`, faults, (fault) => recoveryCell(fault.recovery)));
    const probes = [...new Set(faults.flatMap((fault) => fault?.probes.map((probe) => probe.probe) ?? []))];
    for (const probe of probes) {
      const of = (fault: FaultImpact) => fault.probes.find((source) => source.probe === probe);
      const prefix = `${label}: ${probe}`;
      rows.push(row(`${prefix}: p95 before`, faults, (f) => latencyCell(of(f)?.before.p95)));
      rows.push(row(`${prefix}: p95 during`, faults, (f) => latencyCell(of(f)?.during.p95)));
      rows.push(row(`${prefix}: errors during`, faults, (f) => errorCell(of(f)?.during.errorRate)));
      rows.push(row(`${prefix}: p95 after`, faults, (f) => latencyCell(of(f)?.after.p95)));
      rows.push(row(`${prefix}: errors after`, faults, (f) => errorCell(of(f)?.after.errorRate)));
    }
  }
  return { title, outcomes, verdictTrend, rows };
}

/** A fault is known by its kind and how many of that kind came before it in the run: "pause #1". */
function faultKeys(runs: readonly (Run | null)[]): string[] {
  return [...new Set(runs.flatMap((run) => (run ? run.impact.map((_, i) => keyOf(run, i)) : [])))];
}

function keyOf(run: Run, index: number): string {
  const kind = run.impact[index]!.fault;
  const nth = run.impact.slice(0, index + 1).filter((impact) => impact.fault === kind).length;
  return `${kind} #${nth}`;
}

function faultByKey(run: Run, key: string): FaultImpact | null {
  const index = run.impact.findIndex((_, i) => keyOf(run, i) === key);
  return index === -1 ? null : run.impact[index]!;
}

/** A measured value and how it compares with the first column's. */
interface Measure {
  text: string;
  value: number | null;
  delta: (base: number, now: number) => string;
  worse: (base: number, now: number) => boolean;
}

function row(
  label: string,
  faults: (FaultImpact | null)[],
  measure: (fault: FaultImpact) => Measure,
): MetricRow {
  const measures = faults.map((fault) => (fault ? measure(fault) : null));
  const base = measures[0]?.value ?? null;
  const cells = measures.map((m, i): Cell | null => {
    if (!m) return null;
    if (i === 0 || base === null || m.value === null) return { text: m.text, delta: '', trend: 'none' };
    const trend: Trend = m.worse(base, m.value) ? 'worse' : m.worse(m.value, base) ? 'better' : 'same';
    return { text: m.text, delta: m.delta(base, m.value), trend };
  });
  return { label, cells };
}

function latencyCell(value: number | null | undefined): Measure {
  return {
    text: formatLatency(value ?? null),
    value: value ?? null,
    delta: latencyDelta,
    worse: (base, now) => now - base > Math.max(LATENCY_NOTICE_MS, base / 5),
  };
}

function errorCell(value: number | null | undefined): Measure {
  return {
    text: formatErrorRate(value ?? null),
    value: value ?? null,
    delta: errorRateDelta,
    worse: (base, now) => now - base >= ERROR_RATE_NOTICE,
  };
}

/** A fault that never recovered counts as taking forever: any time is better than that. */
function recoveryCell(recovery: Recovery): Measure {
  const value =
    recovery.status === 'recovered'
      ? (recovery.ms ?? 0)
      : recovery.status === 'not-measured'
        ? null
        : Number.POSITIVE_INFINITY;
  return {
    text: recoveryInWords(recovery),
    value,
    delta: (base, now) => (Number.isFinite(base) && Number.isFinite(now) ? latencyDelta(base, now) : ''),
    worse: (base, now) =>
      now === Number.POSITIVE_INFINITY ? base !== now : now - base > Math.max(RECOVERY_NOTICE_MS, base / 2),
  };
}
