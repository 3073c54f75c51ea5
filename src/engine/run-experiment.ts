import { describeEndpoint } from '../docker/endpoint.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { RunResult } from '../model/journal.js';
import { judge } from './expectation.js';
import { runBaseline } from './phases/baseline.js';
import { runMethodPhase } from './phases/method-phase.js';
import { prepare } from './phases/prepare.js';
import { runRecovery } from './phases/recovery.js';
import { closeLedger, release } from './phases/revert.js';
import { runRollbacks } from './phases/rollbacks.js';
import { RunContext, type RunOptions } from './phases/run-context.js';
import { runSetup } from './phases/setup.js';
import { isExplained } from './run-stops.js';
import { decide, guardReport, type Verdict } from './verdict.js';

export { HoldLimitError } from './hold-limit.js';
export type { RunOptions };

/**
 * Runs one experiment: resolve targets, check the baseline, run the method while sampling the
 * hypothesis, revert every fault (whatever happened), check recovery, run the rollbacks, decide.
 */
export async function runExperiment(loaded: LoadedExperiment, options: RunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const started = performance.now();
  const run = new RunContext(loaded, options);
  await safely(() =>
    options.reporter.onRunStart?.({
      file: loaded.file,
      title: run.experiment.title,
      seed: options.seed,
      startedAt: startedAt.toISOString(),
      engine: options.docker.endpoint ? describeEndpoint(options.docker.endpoint) : undefined,
    }),
  );
  run.stop.begin(options.signal, run.timeoutMs);

  let error: unknown;
  let baselineMissed = false;
  let methodStarted = false;
  try {
    const plan = await prepare(run);
    await runSetup(run, plan);
    baselineMissed = await runBaseline(run);
    if (!baselineMissed) {
      // The watchdog started with the run; nothing is injected before it holds the lease.
      await run.safety?.watched();
      run.signal.throwIfAborted();
      methodStarted = true;
      await runMethodPhase(run, plan);
      await runRecovery(run);
    }
  } catch (caught) {
    error = run.stop.errorOf(caught);
  } finally {
    // Whatever happened above, nothing stays injected.
    await release(run);
  }

  const rollbackErrors = methodStarted && run.plan ? await runRollbacks(run, run.plan) : [];
  const verdict = decide({
    faults: run.registry.records(),
    probes: run.tracker.all(),
    error,
    baselineMissed,
    rollbackErrors,
    watchdogPid: run.safety?.watchdogPid,
  });
  closeLedger(run, verdict.outcome);
  // A run that ended before opening its ledger lets its watchdog go without watching.
  run.watchdog?.release();
  if (error && !isExplained(error)) {
    run.recorder.log('error', error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  const result = toResult(run, verdict, error, startedAt, started);
  await safely(() => options.reporter.onRunEnd?.(result));
  return result;
}

function toResult(
  run: RunContext,
  verdict: Verdict,
  error: unknown,
  startedAt: Date,
  started: number,
): RunResult {
  const { experiment, options } = run;
  const finishedAt = new Date();
  const { exitCode, summary } = judge(verdict, experiment.expect);
  return {
    file: run.loaded.file,
    title: experiment.title,
    description: experiment.description,
    tags: experiment.tags ?? [],
    seed: options.seed,
    engine: options.docker.endpoint,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    outcome: verdict.outcome,
    ...(experiment.expect ? { expected: experiment.expect } : {}),
    exitCode,
    summary,
    faults: run.registry.records(),
    probes: run.tracker.all(),
    load: run.load.empty ? undefined : run.load.series(),
    workload: run.workload.empty ? undefined : run.workload.series(),
    detect: run.detect?.results(),
    guard: guardReport(error, run.registry.records()),
    journal: run.recorder.entries,
  };
}

async function safely(hook: () => unknown): Promise<void> {
  try {
    await hook();
  } catch {
    // The multiplexer records reporter errors; nothing here may stop a run or a revert.
  }
}
