import type { ProbeSpec } from '../experiment/schema.js';
import type { ProbeSample } from '../model/journal.js';
import { observeExec } from '../probes/container/observe.js';
import { ProbeFailure } from '../probes/observation.js';
import type { ProbeEnvironment } from '../probes/runtime.js';
import type { WorkloadReport, WorkloadSeries } from '../probes/workload/report.js';
import { DEFAULT_WORKLOAD_THRESHOLDS, parseWorkloadThreshold } from '../probes/workload/thresholds.js';
import type { WorkloadPhase, WorkloadRun } from '../probes/workload/types.js';
import { judgeWorkloadRun, startWorkload } from '../probes/workload/workload-probe.js';
import type { WorkloadWriter } from '../probes/workload/writer.js';
import { sleep } from '../util/sleep.js';

interface Running {
  probe: ProbeSpec;
  thresholds: string[];
  writer: WorkloadWriter;
  startedAt: number;
  report?: WorkloadReport | undefined;
}

/**
 * The workload probes of a run: each writes from the start of the baseline to the end of recovery
 * (its writes marked before; during from the first fault's start until the hypothesis holds again;
 * after from then), then
 * reads back what the system holds and is judged once, as an `after` sample: lost, duplicated and
 * indeterminate writes, and availability per phase.
 */
export class WorkloadPhases {
  private readonly running: Running[] = [];
  private phase: WorkloadPhase = 'before';
  /** When the first fault started (epoch ms), once one has. */
  private duringAt: number | undefined;

  constructor(
    private readonly probes: readonly ProbeSpec[],
    private readonly env: ProbeEnvironment,
  ) {}

  get empty(): boolean {
    return this.probes.length === 0;
  }

  /** Starts every workload's writes (at the start of the baseline). */
  start(): void {
    for (const probe of this.probes) {
      const writer = startWorkload(probe.workload!, {
        cwd: this.env.cwd,
        execInTarget: (argv, timeoutMs, signal) => {
          const target = this.env.targetsOf(probe)[0];
          if (!target) throw new ProbeFailure('the container of the write was not resolved', 'error');
          return observeExec(this.env.docker, target, argv, timeoutMs, signal);
        },
      });
      const thresholds = [...(probe.expect?.thresholds ?? DEFAULT_WORKLOAD_THRESHOLDS)];
      this.running.push({ probe, thresholds, writer, startedAt: Date.now() });
    }
  }

  /** Waits until every workload has written for its `before` time (the method starts then). */
  async baseline(signal: AbortSignal): Promise<void> {
    const until = Math.max(
      ...this.running.map((item) => item.startedAt + (item.probe.workload!.before ?? 0)),
    );
    await sleep(Math.max(0, until - Date.now()), signal);
  }

  /** The phase the next writes belong to: `during` from the first fault's start, `after` once recovered. */
  mark(phase: WorkloadPhase): void {
    if (phase === this.phase || (phase === 'during' && this.phase === 'after')) return;
    this.phase = phase;
    if (phase === 'during') this.duringAt = Date.now();
    for (const { writer } of this.running) writer.mark(phase);
  }

  /** Stops the writes (the run ended early): nothing is judged. */
  async stop(): Promise<void> {
    await Promise.all(this.running.map(({ writer }) => writer.stop()));
  }

  /**
   * Once the hypothesis holds again: writes for each workload's `after` time, then stops the writes,
   * reads back and judges each workload.
   */
  async finish(signal: AbortSignal, faultStartedAt?: number): Promise<ProbeSample[]> {
    const recoveredAt = Date.now();
    return Promise.all(
      this.running.map(async (item) => {
        await sleep(Math.max(0, recoveredAt + (item.probe.workload!.after ?? 0) - Date.now()), signal);
        const run = inFlightAtTheFault(await item.writer.stop(), faultStartedAt ?? this.duringAt);
        const started = Date.now();
        const result = await judgeWorkloadRun(
          item.probe.workload!,
          run,
          item.thresholds.map(parseWorkloadThreshold),
          { cwd: this.env.cwd, signal },
        );
        item.report = result.report;
        const writes = run.records.length;
        return {
          probe: item.probe.name,
          phase: 'after' as const,
          status: result.status,
          reason: result.reason,
          checks: result.checks,
          attempts: writes,
          startedAt: new Date(started).toISOString(),
          durationMs: Date.now() - started,
        };
      }),
    );
  }

  series(): WorkloadSeries[] {
    return this.running.map((item) => ({
      probe: item.probe.name,
      thresholds: item.thresholds,
      startedAt: new Date(item.startedAt).toISOString(),
      report: item.report,
    }));
  }
}

/**
 * A write sent before the first fault but answered after it started met the fault: it counts as
 * `during`, so a write refused because of the fault never lowers the baseline's availability.
 */
export function inFlightAtTheFault(run: WorkloadRun, duringAt: number | undefined): WorkloadRun {
  if (duringAt === undefined) return run;
  return {
    ...run,
    records: run.records.map((record) =>
      record.phase === 'before' && record.startedAt + record.durationMs > duringAt
        ? { ...record, phase: 'during' }
        : record,
    ),
  };
}
