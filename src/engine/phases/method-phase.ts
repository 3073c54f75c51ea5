import type { ProbeSample } from '../../model/journal.js';
import { runProbe } from '../../probes/run-probe.js';
import { DetectWatch } from '../detect.js';
import { startDuringSampler, startSampler } from '../hypothesis.js';
import { runMethod } from '../method.js';
import type { Plan } from '../plan.js';
import { GuardTripped } from '../run-stops.js';
import { revertEverything } from './revert.js';
import type { RunContext } from './run-context.js';

/**
 * Runs the method's steps while the `during` probes and the guards sample (only while a fault is in
 * place). A guard that fails, or cannot be checked, stops the run; each is checked once before the
 * first fault too, so that a guard already failing stops the run before anything is injected. Every
 * fault is reverted before this returns or throws.
 */
export async function runMethodPhase(run: RunContext, plan: Plan): Promise<void> {
  const { options, recorder, registry, signal } = run;
  recorder.record({ type: 'phase', phase: 'method' });
  const detect = run.experiment.detect ?? [];
  if (detect.length > 0)
    run.detect = new DetectWatch(
      detect,
      run.probeEnv,
      () => run.firstFaultAt(),
      (sample) => run.tracker.record(sample),
    );
  const onGuard = (sample: ProbeSample) => {
    recorder.record({ type: 'probe', sample });
    if (sample.status === 'pass' || signal.aborted) return;
    const errored = sample.status === 'error';
    const beforeFaults = !registry.hasActive() && run.firstFaultAt() === undefined;
    recorder.record({ type: 'guard', probe: sample.probe, reason: sample.reason, errored, beforeFaults });
    run.stop.abort(new GuardTripped(sample.probe, sample.reason, Date.now(), errored));
  };
  // Each detection is sampled once before any fault (one already passing could not show it noticed),
  // and so is each guard.
  const guardsBefore = Promise.all(
    (run.experiment.guards ?? []).map(async (guard) => onGuard(await runProbe(guard, 'guard', run.probeEnv))),
  );
  await Promise.all([run.detect?.ready, guardsBefore]);
  const sampler = startDuringSampler(run.tracker, run.probeEnv, () => registry.hasActive());
  const guards = startSampler(
    run.experiment.guards ?? [],
    'guard',
    run.probeEnv,
    () => registry.hasActive(),
    onGuard,
  );
  try {
    // A guard that failed before the first fault: nothing is injected.
    signal.throwIfAborted();
    await runMethod(plan.steps, {
      docker: options.docker,
      platform: run.platform,
      announce: (injection, recipe, durationMs) =>
        run.safety?.announce(injection.faultId, injection.kind, injection.target, recipe, durationMs),
      notInjected: (injection) => run.safety?.reverted(injection.faultId, { status: 'not-injected' }),
      network: () => run.network!,
      registry,
      recorder,
      tracker: run.tracker,
      probeEnv: run.probeEnv,
      cwd: run.loaded.directory,
      signal,
    });
  } finally {
    await revertEverything(run);
    await Promise.all([sampler.stop(), guards.stop()]);
  }
  signal.throwIfAborted();
}
