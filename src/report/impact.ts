import { evaluateThreshold, statsOf } from '../load/stats.js';
import { parseThreshold } from '../load/thresholds.js';
import { seriesView } from '../load/timeline.js';
import type { LoadStats, RequestRecord } from '../load/types.js';
import { detectName } from '../model/detection-name.js';
import type { RunResult } from '../model/journal.js';
import type { FaultImpact, Recovery, SourceImpact, WindowImpact } from './impact-types.js';
import { recoveryOf, type TimedCheck } from './recovery.js';
import { worstChange } from './worst-change.js';

export type { FaultImpact, Recovery, SourceImpact, WindowImpact } from './impact-types.js';

/** One probe's or load probe's timed samples, in milliseconds since the run started. */
interface Source {
  probe: string;
  kind: 'probe' | 'load';
  /** What the source saw in [from, to) (epoch ms). */
  stats(from: number, to: number): LoadStats;
  /** The checks the recovery is measured on after a revert that ends at `revertedMs`. */
  checksAfter(revertedMs: number, untilMs: number): TimedCheck[];
}

interface Span {
  faultId: string;
  fault: string;
  target: string;
  injectedMs: number;
  revertedMs: number | null;
}

/**
 * What each fault of a run did to users: per probe, the samples that started before any fault (the
 * baseline), while the fault was in place (from its Docker call to the end of its revert) and after it
 * (from the end of its revert to the next fault's injection or the end of the run), and how long after
 * the revert the hypothesis was met again. Bounded: a few numbers per fault and probe, whatever the
 * number of samples.
 */
export function faultImpacts(run: RunResult): FaultImpact[] {
  const origin = Date.parse(run.startedAt);
  if (!Number.isFinite(origin)) return [];
  const sources = [...probeSources(run, origin), ...loadSources(run, origin)];
  const spans = faultSpans(run, origin);
  const methodStart = run.journal.find((entry) => entry.type === 'phase' && entry.phase === 'method')?.t;
  const end = Math.max(run.durationMs, ...run.journal.map((entry) => entry.t));
  return spans.map((span) => {
    const baselineEnd = methodStart ?? span.injectedMs;
    const faultEnd = span.revertedMs ?? end;
    const next = spans
      .map((other) => other.injectedMs)
      .filter((start) => start >= faultEnd)
      .sort((a, b) => a - b)[0];
    const afterEnd = Math.max(faultEnd, next ?? end);
    const probes: SourceImpact[] = sources.map((source) => ({
      probe: source.probe,
      kind: source.kind,
      before: windowOf(source, origin, 0, baselineEnd),
      during: windowOf(source, origin, span.injectedMs, faultEnd),
      after: windowOf(source, origin, faultEnd, afterEnd),
      recovery:
        span.revertedMs === null
          ? { status: 'not-reverted', ms: null }
          : recoveryOf(source.checksAfter(span.revertedMs, afterEnd), span.revertedMs),
    }));
    return { ...span, probes, recovery: overallRecovery(span, probes), worst: worstChange(probes) };
  });
}

/** The hypothesis is met when every probe meets it: the slowest probe to recover decides. */
function overallRecovery(span: Span, probes: SourceImpact[]): Recovery {
  if (span.revertedMs === null) return { status: 'not-reverted', ms: null };
  if (probes.some((probe) => probe.recovery.status === 'not-recovered'))
    return { status: 'not-recovered', ms: null };
  const measured = probes.filter((probe) => probe.recovery.status === 'recovered');
  if (measured.length === 0) return { status: 'not-measured', ms: null };
  return { status: 'recovered', ms: Math.max(...measured.map((probe) => probe.recovery.ms ?? 0)) };
}

function windowOf(source: Source, origin: number, from: number, to: number): WindowImpact {
  const stats = source.stats(origin + from, origin + to);
  const value = (n: number) => (stats.requests > 0 && Number.isFinite(n) ? round(n) : null);
  return {
    from: round(from),
    to: round(to),
    samples: stats.requests,
    p50: value(stats.p50),
    p95: value(stats.p95),
    p99: value(stats.p99),
    errorRate: stats.requests > 0 ? Math.round(stats.errorRate * 10_000) / 10_000 : null,
  };
}

/**
 * Hypothesis probes checked sample by sample (not method steps, guards, load probes' phase judgements,
 * a workload's one judgement of its data, nor the detection checks).
 */
function probeSources(run: RunResult, origin: number): Source[] {
  const loadProbes = new Set([
    ...(run.load ?? []).map((series) => series.probe),
    ...(run.workload ?? []).map((series) => series.probe),
    ...(run.detect ?? []).map((detection) => detectName({ name: detection.probe })),
  ]);
  const byProbe = new Map<string, { atMs: number; latencyMs: number; ok: boolean }[]>();
  for (const entry of run.journal) {
    if (entry.type !== 'probe' || loadProbes.has(entry.sample.probe)) continue;
    const { sample } = entry;
    if (sample.phase !== 'before' && sample.phase !== 'during' && sample.phase !== 'after') continue;
    const started = Date.parse(sample.startedAt);
    if (!Number.isFinite(started)) continue;
    const list = byProbe.get(sample.probe) ?? [];
    list.push({ atMs: started - origin, latencyMs: sample.durationMs, ok: sample.status === 'pass' });
    byProbe.set(sample.probe, list);
  }
  return [...byProbe].map(([probe, samples]) => {
    const records: RequestRecord[] = samples.map((s) => ({
      scheduledAt: origin + s.atMs,
      startedAt: origin + s.atMs,
      latencyMs: s.latencyMs,
      ok: s.ok,
    }));
    return {
      probe,
      kind: 'probe',
      stats: (from, to) => statsOf(records, from, to),
      checksAfter: (from, until) =>
        samples.filter((s) => s.atMs >= from && s.atMs < until).map((s) => ({ atMs: s.atMs, ok: s.ok })),
    };
  });
}

function loadSources(run: RunResult, origin: number): Source[] {
  return (run.load ?? []).map((series) => {
    const { stats } = seriesView(series);
    return {
      probe: series.probe,
      kind: 'load',
      stats,
      checksAfter: (from, until) => loadChecks(stats, series.thresholds, origin, from, until),
    };
  });
}

/** A second of load, every quarter second from the revert, judged on the probe's thresholds. */
export const LOAD_RECOVERY_WINDOW_MS = 1000;
const LOAD_RECOVERY_STEP_MS = 250;

function loadChecks(
  statsIn: (from: number, to: number) => LoadStats,
  thresholds: string[],
  origin: number,
  from: number,
  until: number,
): TimedCheck[] {
  const checks: TimedCheck[] = [];
  const judge = thresholdJudge(thresholds);
  for (let start = from; start + LOAD_RECOVERY_WINDOW_MS <= until; start += LOAD_RECOVERY_STEP_MS) {
    const stats = statsIn(origin + start, origin + start + LOAD_RECOVERY_WINDOW_MS);
    if (stats.requests > 0) checks.push({ atMs: start, ok: judge(stats) });
  }
  return checks;
}

/** Every threshold met; without thresholds (or with one that cannot be read), every request succeeded. */
function thresholdJudge(texts: string[]): (stats: LoadStats) => boolean {
  const parsed = texts.flatMap((text) => {
    try {
      return [parseThreshold(text)];
    } catch {
      return [];
    }
  });
  if (parsed.length === 0 || parsed.length < texts.length) return (stats) => stats.errors === 0;
  return (stats) => parsed.every((threshold) => evaluateThreshold(threshold, stats).ok);
}

/** Each fault on each target: from the start of its Docker call to the end of its revert. */
function faultSpans(run: RunResult, origin: number): Span[] {
  const since = (iso: string | undefined) => {
    const ms = iso === undefined ? Number.NaN : Date.parse(iso) - origin;
    return Number.isFinite(ms) ? Math.max(0, ms) : null;
  };
  return run.faults.map((record) => {
    const injected = run.journal.find(
      (entry) => entry.type === 'fault-injected' && entry.faultId === record.faultId,
    );
    const reverted = run.journal.find(
      (entry) => entry.type === 'fault-reverted' && entry.faultId === record.faultId,
    );
    const confirmed = record.status !== 'active' && record.status !== 'failed';
    const revertedMs = confirmed ? (reverted?.t ?? since(record.revertedAt)) : null;
    const heldFrom =
      reverted?.type === 'fault-reverted' && confirmed ? reverted.t - reverted.heldMs : undefined;
    const injectedMs = heldFrom ?? injected?.t ?? since(record.injectedAt) ?? 0;
    return {
      faultId: record.faultId,
      fault: record.fault,
      target: record.target.name,
      injectedMs: round(Math.max(0, injectedMs)),
      revertedMs: revertedMs === null ? null : round(revertedMs),
    };
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
