import type { ProbeSpec } from '../experiment/schema.js';
import { PROBE_DEFAULTS } from '../experiment/schema.js';
import { LoadGenerator } from '../load/generator.js';
import { evaluateThreshold, slidingWindows, statsOf } from '../load/stats.js';
import { parseThreshold } from '../load/thresholds.js';
import type { LoadSeries, LoadStats, RequestRecord, Threshold } from '../load/types.js';
import { sleep } from '../util/sleep.js';
import type { Check, ProbeSample } from './journal.js';

export const LOAD_DEFAULTS = { before: 5000, after: 5000 } as const;

/** An interval during which at least one fault was in place (epoch ms). */
export interface Interval {
  from: number;
  to: number;
}

interface Running {
  probe: ProbeSpec;
  generator: LoadGenerator;
  thresholds: Threshold[];
}

/**
 * The load probes of a run: their generators send requests at a fixed rate from the baseline to the
 * end of the recovery window, and their thresholds are judged per phase: before (the baseline window),
 * during (every moment a fault was in place, and each sliding window of it), after (the window that
 * follows the last revert).
 */
export class LoadPhases {
  private readonly running: Running[];
  private startedAt = 0;
  private methodAt = 0;

  constructor(probes: readonly ProbeSpec[]) {
    this.running = probes.map((probe) => {
      const load = probe.load!;
      return {
        probe,
        thresholds: (probe.expect?.thresholds ?? []).map(parseThreshold),
        generator: new LoadGenerator({
          url: load.url,
          method: load.method,
          ...(load.headers ? { headers: load.headers } : {}),
          ...(load.body !== undefined
            ? { body: typeof load.body === 'string' ? load.body : JSON.stringify(load.body) }
            : {}),
          ratePerSecond: load.rate,
          timeoutMs: probe.timeout ?? PROBE_DEFAULTS.timeout,
        }),
      };
    });
  }

  get empty(): boolean {
    return this.running.length === 0;
  }

  start(): void {
    this.startedAt = Date.now();
    for (const { generator } of this.running) generator.start();
  }

  /** Waits out the baseline window and judges it; the method starts when this returns. */
  async baseline(signal: AbortSignal): Promise<ProbeSample[]> {
    const window = Math.max(...this.running.map(({ probe }) => probe.load!.before ?? LOAD_DEFAULTS.before));
    await sleep(Math.max(0, this.startedAt + window - Date.now()), signal);
    this.methodAt = Date.now();
    // Requests of the window that are still in flight are judged with the rest: wait for them.
    await this.settle(this.methodAt);
    return this.running
      .filter(({ probe }) => probePhases(probe).includes('before'))
      .map((item) => this.judge(item, 'before', [{ from: this.startedAt, to: this.methodAt }], undefined));
  }

  /**
   * Measures the recovery window after the last revert, stops every generator, and judges the during
   * and after phases.
   */
  async finish(faultIntervals: Interval[], revertedAt: number, signal: AbortSignal): Promise<ProbeSample[]> {
    const window = Math.max(...this.running.map(({ probe }) => probe.load!.after ?? LOAD_DEFAULTS.after));
    await sleep(Math.max(0, revertedAt + window - Date.now()), signal).catch(() => undefined);
    await this.stop();
    faultIntervals = mergeIntervals(faultIntervals);
    const samples: ProbeSample[] = [];
    for (const item of this.running) {
      const phases = probePhases(item.probe);
      if (phases.includes('during'))
        samples.push(this.judge(item, 'during', faultIntervals, item.probe.load!.window));
      if (phases.includes('after'))
        samples.push(this.judge(item, 'after', [{ from: revertedAt, to: revertedAt + window }], undefined));
    }
    return samples;
  }

  async stop(): Promise<void> {
    await Promise.all(this.running.map(({ generator }) => generator.stop()));
  }

  series(): LoadSeries[] {
    return this.running.map(({ probe, generator, thresholds }) => ({
      probe: probe.name,
      url: probe.load!.url,
      ratePerSecond: probe.load!.rate,
      thresholds: thresholds.map((threshold) => threshold.text),
      records: [...generator.records].sort((a, b) => a.scheduledAt - b.scheduledAt),
    }));
  }

  /**
   * Waits until every request due before `until` has finished (they end by their timeout at the
   * latest), so a slow request of the window is judged, not left out.
   */
  private async settle(until: number): Promise<void> {
    const deadline =
      Date.now() +
      Math.max(...this.running.map(({ probe }) => probe.timeout ?? PROBE_DEFAULTS.timeout)) +
      100;
    const due = (item: Running) => Math.floor(((until - this.startedAt) * item.probe.load!.rate) / 1000);
    const finished = (item: Running) =>
      item.generator.records.filter((record) => record.scheduledAt < until).length;
    while (Date.now() < deadline && this.running.some((item) => finished(item) < due(item))) await sleep(20);
  }

  private judge(
    item: Running,
    phase: 'before' | 'during' | 'after',
    intervals: Interval[],
    windowMs: number | undefined,
  ): ProbeSample {
    const records = item.generator.records.filter((record) =>
      intervals.some((interval) => record.scheduledAt >= interval.from && record.scheduledAt < interval.to),
    );
    const span = intervals.reduce((total, interval) => total + Math.max(0, interval.to - interval.from), 0);
    const checks: Check[] = [];
    if (span > 0) {
      const stats = combine(records, intervals, span);
      for (const threshold of item.thresholds) checks.push(evaluateThreshold(threshold, stats));
      if (windowMs !== undefined) {
        for (const threshold of item.thresholds) {
          const windows = intervals.flatMap((interval) =>
            slidingWindows(records, interval.from, interval.to, windowMs, Math.max(250, windowMs / 4)),
          );
          const failing = windows
            .map((window) => ({ window, check: evaluateThreshold(threshold, window) }))
            .filter(({ check }) => !check.ok);
          if (windows.length > 0) {
            const worst = failing[0];
            checks.push({
              name: `${threshold.metric} in every ${Math.round(windowMs / 100) / 10}s window`,
              expected: `${threshold.op} ${threshold.text.replace(/^\S+\s*(<=|>=|<|>)\s*/, '')}`,
              actual: worst
                ? `${worst.check.actual} in the window at +${((worst.window.from - this.startedAt) / 1000).toFixed(1)}s`
                : `${windows.length} windows met it`,
              ok: failing.length === 0,
            });
          }
        }
      }
    }
    const failed = checks.filter((check) => !check.ok);
    const status: ProbeSample['status'] = span === 0 ? 'pass' : failed.length === 0 ? 'pass' : 'fail';
    const reason =
      span === 0
        ? 'no fault was in place: nothing to judge'
        : failed.length > 0
          ? failed.map((check) => `${check.name}: expected ${check.expected}, saw ${check.actual}`).join('; ')
          : `${records.length} requests: ${checks.map((check) => `${check.name} ${check.actual}`).join(', ')}`;
    return {
      probe: item.probe.name,
      phase,
      status,
      reason,
      checks,
      attempts: records.length,
      startedAt: new Date(intervals[0]?.from ?? Date.now()).toISOString(),
      durationMs: Math.round(span),
    };
  }
}

/** Stats over several intervals at once: the requests of all of them, the throughput over their total length. */
function combine(records: RequestRecord[], intervals: Interval[], span: number): LoadStats {
  if (intervals.length === 1) return statsOf(records, intervals[0]!.from, intervals[0]!.to);
  const first = Math.min(...intervals.map((interval) => interval.from));
  const last = Math.max(...intervals.map((interval) => interval.to));
  const stats = statsOf(records, first, last + 1);
  const completed = records.filter((record) => record.ok).length;
  return { ...stats, from: first, to: last, throughput: completed / (span / 1000) };
}

/** Overlapping fault intervals (faults held in parallel) count once. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.from <= last.to) last.to = Math.max(last.to, interval.to);
    else merged.push({ ...interval });
  }
  return merged;
}

function probePhases(probe: ProbeSpec): readonly string[] {
  return probe.when ?? ['before', 'during', 'after'];
}
