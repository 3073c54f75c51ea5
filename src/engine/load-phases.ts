import type { ProbeSpec } from '../experiment/schema.js';
import { PROBE_DEFAULTS } from '../experiment/schema.js';
import { LoadGenerator } from '../load/generator.js';
import { LoadRecorder, MAX_KEPT_RECORDS } from '../load/recorder.js';
import { evaluateThreshold, windowStarts } from '../load/stats.js';
import { parseThreshold } from '../load/thresholds.js';
import type { LoadSeries, Threshold } from '../load/types.js';
import { formatRate, LOAD_DEFAULTS, requestIntervalMs } from '../load/window-check.js';
import type { Check, ProbeSample } from '../model/journal.js';
import { probePhases } from '../probes/run-probe.js';
import { formatDuration } from '../util/duration.js';
import { sleep } from '../util/sleep.js';

export { LOAD_DEFAULTS };

/** How far the after-window moves each time it misses, while the service has recovery time left. */
const RECOVERY_STEP_MS = 250;

/** An interval during which at least one fault was in place (epoch ms). */
export interface Interval {
  from: number;
  to: number;
}

interface Running {
  probe: ProbeSpec;
  generator: LoadGenerator;
  recorder: LoadRecorder;
  thresholds: Threshold[];
}

/**
 * The load probes of a run: their generators send requests at a fixed rate from the baseline to the
 * end of the recovery window, and their thresholds are judged per phase: before (the baseline window),
 * during (every moment a fault was in place, from the start of its Docker call to the end of its
 * revert, and each sliding window of it), after (the first window that meets every threshold and starts
 * within the experiment's recovery time of the last revert).
 */
export class LoadPhases {
  private readonly running: Running[];
  private startedAt = 0;
  private methodAt = 0;

  constructor(probes: readonly ProbeSpec[]) {
    this.running = probes.map((probe) => {
      const load = probe.load!;
      const recorder = new LoadRecorder(load.rate, load.records ? MAX_KEPT_RECORDS : 0);
      return {
        probe,
        recorder,
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
          onRecord: (record, index) => recorder.add(index, record),
        }),
      };
    });
  }

  get empty(): boolean {
    return this.running.length === 0;
  }

  start(): void {
    this.startedAt = Date.now();
    for (const { generator, recorder } of this.running) {
      generator.start();
      recorder.start(generator.startedAt);
    }
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
   * Judges the during phase over the fault intervals, and the after phase on the first window of
   * `after` that meets every threshold and starts within `recoveryMs` of the last revert: requests in
   * between are the service recovering, judged by neither phase. Stops every generator.
   */
  async finish(
    faultIntervals: Interval[],
    revertedAt: number,
    recoveryMs: number,
    signal: AbortSignal,
  ): Promise<ProbeSample[]> {
    const afterSamples = await this.recover(revertedAt, recoveryMs, signal);
    await this.stop();
    faultIntervals = mergeIntervals(faultIntervals);
    const samples: ProbeSample[] = [];
    for (const item of this.running) {
      if (probePhases(item.probe).includes('during'))
        samples.push(this.judge(item, 'during', faultIntervals, item.probe.load!.window));
      const after = afterSamples.get(item);
      if (after) samples.push(after);
    }
    return samples;
  }

  /**
   * Slides each probe's after-window forward from the revert, in steps, until one meets every
   * threshold or the recovery deadline has passed; returns each probe's deciding window.
   */
  private async recover(
    revertedAt: number,
    recoveryMs: number,
    signal: AbortSignal,
  ): Promise<Map<Running, ProbeSample>> {
    const starts: number[] = [];
    for (let offset = 0; offset < recoveryMs; offset += RECOVERY_STEP_MS) starts.push(revertedAt + offset);
    starts.push(revertedAt + recoveryMs);
    const windowOf = (item: Running) => item.probe.load!.after ?? LOAD_DEFAULTS.after;
    const next = new Map(
      this.running.filter(({ probe }) => probePhases(probe).includes('after')).map((item) => [item, 0]),
    );
    const decided = new Map<Running, ProbeSample>();
    while (next.size > 0) {
      const due = Math.min(...[...next].map(([item, index]) => starts[index]! + windowOf(item)));
      const cut = await sleep(Math.max(0, due - Date.now()), signal).then(
        () => false,
        () => true,
      );
      // Requests of the window that are still in flight are judged with the rest: wait for them.
      if (!cut) await this.settle(due);
      for (const [item, index] of next) {
        const from = starts[index]!;
        if (!cut && from + windowOf(item) > due) continue;
        const sample = this.judge(item, 'after', [{ from, to: from + windowOf(item) }], undefined);
        const last = index === starts.length - 1;
        if (sample.status === 'fail' && !last && !cut) {
          next.set(item, index + 1);
          continue;
        }
        if (sample.status === 'pass' && from > revertedAt)
          sample.reason = `recovered ${formatDuration(from - revertedAt)} after the revert (recovery ${formatDuration(recoveryMs)}): ${sample.reason}`;
        if (sample.status === 'fail' && recoveryMs > 0)
          sample.reason = `not recovered within ${formatDuration(recoveryMs)}: ${sample.reason}`;
        decided.set(item, sample);
        next.delete(item);
      }
    }
    return decided;
  }

  async stop(): Promise<void> {
    await Promise.all(this.running.map(({ generator }) => generator.stop()));
  }

  series(): LoadSeries[] {
    return this.running.map(({ probe, recorder, thresholds }) => ({
      probe: probe.name,
      url: probe.load!.url,
      ratePerSecond: probe.load!.rate,
      thresholds: thresholds.map((threshold) => threshold.text),
      timeline: recorder.timeline(),
      ...(probe.load!.records
        ? {
            records: [...recorder.kept].sort((a, b) => a.scheduledAt - b.scheduledAt),
            recordsDropped: recorder.dropped,
          }
        : {}),
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
    // Requests i = 0, 1, ... are due at t0 + i/rate: those due before `until` number ceil(...).
    const due = (item: Running) =>
      Math.ceil(((until - item.generator.startedAt) * item.probe.load!.rate) / 1000);
    const finished = (item: Running) => item.recorder.finishedBefore(until);
    while (Date.now() < deadline && this.running.some((item) => finished(item) < due(item))) await sleep(20);
  }

  private judge(
    item: Running,
    phase: 'before' | 'during' | 'after',
    intervals: Interval[],
    windowMs: number | undefined,
  ): ProbeSample {
    const { recorder } = item;
    const span = intervals.reduce((total, interval) => total + Math.max(0, interval.to - interval.from), 0);
    const stats =
      intervals.length === 1
        ? recorder.statsIn(intervals[0]!.from, intervals[0]!.to)
        : recorder.statsOver(intervals, span);
    const requests = stats.requests;
    const checks: Check[] = [];
    if (span > 0) {
      for (const threshold of item.thresholds) checks.push(evaluateThreshold(threshold, stats));
      if (windowMs !== undefined) {
        const windows = intervals.flatMap((interval) =>
          windowStarts(interval.from, interval.to, windowMs, Math.max(250, windowMs / 4)).map((start) =>
            recorder.statsIn(start, start + windowMs),
          ),
        );
        for (const threshold of item.thresholds) {
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
    const empty = span > 0 && requests === 0;
    const status: ProbeSample['status'] = empty
      ? 'error'
      : span === 0 || failed.length === 0
        ? 'pass'
        : 'fail';
    const reason =
      span === 0
        ? phase === 'during'
          ? 'no fault was in place: nothing to judge'
          : `no ${phase} window (load.${phase} is 0): nothing to judge`
        : empty
          ? noRequests(item.probe, phase, span)
          : failed.length > 0
            ? failed
                .map((check) => `${check.name}: expected ${check.expected}, saw ${check.actual}`)
                .join('; ')
            : `${requests} requests: ${checks.map((check) => `${check.name} ${check.actual}`).join(', ')}`;
    return {
      probe: item.probe.name,
      phase,
      status,
      reason,
      checks,
      attempts: requests,
      startedAt: new Date(intervals[0]?.from ?? Date.now()).toISOString(),
      durationMs: Math.round(span),
    };
  }
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

/**
 * Why a window without requests cannot be judged, and what to change: an empty window says nothing
 * about the system, so it is an error of the experiment, never a pass or a fail.
 */
function noRequests(probe: ProbeSpec, phase: 'before' | 'during' | 'after', span: number): string {
  const rate = probe.load!.rate;
  const every = `one every ${formatDuration(requestIntervalMs(rate))} at ${formatRate(rate)}`;
  if (phase === 'during')
    return `no request of the load was due while a fault was in place (${formatDuration(span)} in all; ${every}): nothing to judge; hold the faults longer or raise the rate`;
  return `no request of the load was due in the ${phase} window (${formatDuration(span)}; ${every}): nothing to judge; lengthen load.${phase} or raise the rate`;
}
