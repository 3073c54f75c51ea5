import { randomBytes } from 'node:crypto';
import type { DockerClient } from '../docker/client.js';
import { describeEndpoint } from '../docker/endpoint.js';
import { EnvironmentError, FaultlineError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { RUN_DEFAULTS } from '../experiment/schema.js';
import type { InjectedFault } from '../faults/fault.js';
import { requiredFeatures } from '../faults/registry.js';
import type { Outcome, RunResult } from '../model/journal.js';
import { OUTCOME_EXIT_CODES } from '../model/outcomes.js';
import { NetworkContext } from '../network/network-fault.js';
import { chooseRunner, DEFAULT_NETWORK_SETUP, type NetworkSetup, preflight } from '../network/setup.js';
import type { ProbeEnvironment } from '../probes/run-probe.js';
import { retryWindowMs } from '../safety/lease.js';
import { holderLookup } from '../safety/locks.js';
import { RunSafety, type SafetyOptions } from '../safety/run-safety.js';
import { formatDuration } from '../util/duration.js';
import { killPoint } from '../util/kill-points.js';
import { runAction } from './actions.js';
import { FaultRegistry } from './fault-registry.js';
import {
  checkBaseline,
  checkRecovery,
  HypothesisTracker,
  startDuringSampler,
  startSampler,
} from './hypothesis.js';
import { LoadPhases } from './load-phases.js';
import { runMethod } from './method.js';
import {
  allInjections,
  buildPlan,
  describeAction,
  hasNetworkFaults,
  namespaceInjections,
  type Plan,
  type PlannedStep,
} from './plan.js';
import type { Reporter } from './port.js';
import { Recorder } from './recorder.js';

export interface RunOptions {
  docker: DockerClient;
  /** How network faults reach targets; defaults to auto (nsenter as root on the host, else the helper). */
  network?: NetworkSetup | undefined;
  reporter: Reporter;
  seed: number;
  /** Aborted on Ctrl-C / SIGTERM: the run reverts everything and ends as interrupted. */
  signal: AbortSignal;
  /** Opt-in mode: only containers carrying these labels may be faulted. */
  requireLabels?: Record<string, string> | undefined;
  /** Ledger, locks and watchdog; without it (unit tests) the run keeps no record on disk. */
  safety?: SafetyOptions | undefined;
  /** Receives the registry so a forced exit can say what may be left. */
  onRegistry?: (registry: FaultRegistry) => void;
  onSafety?: (safety: RunSafety) => void;
}

class Interrupted extends Error {}
class GuardTripped extends Error {
  constructor(
    readonly probe: string,
    readonly reason: string,
    readonly at: number,
  ) {
    super(`guard "${probe}" failed: ${reason}`);
  }
}
class DeadlineExceeded extends Error {}

/** A fault reached the run's hard maximum hold (`--max-hold`, `safety.max-hold`). */
class HoldLimitReached extends Error {
  constructor(fault: InjectedFault, maxHoldMs: number) {
    super(
      `${fault.kind} on ${fault.target.name} reached max-hold (${formatDuration(maxHoldMs)}) and was reverted; the experiment did not run as written`,
    );
  }
}

function effectiveMaxHold(...limits: (number | undefined)[]): number | undefined {
  const set = limits.filter((limit): limit is number => limit !== undefined);
  return set.length > 0 ? Math.min(...set) : undefined;
}

export class HoldLimitError extends EnvironmentError {
  constructor(problems: string[]) {
    super('HOLD_LIMIT', `${problems.join('; ')}; nothing was injected`, {
      hint: 'Shorten the fault, or raise --max-hold / safety.max-hold: a fault is never held longer than it.',
    });
  }
}

/** A fault whose duration is longer than the hold limit could never run as written: refuse it up front. */
function refuseLongerThan(maxHoldMs: number | undefined, steps: readonly PlannedStep[]): void {
  if (maxHoldMs === undefined) return;
  const problems = faultSteps(steps)
    .filter((step) => step.durationMs !== undefined && step.durationMs > maxHoldMs)
    .map(
      (step) =>
        `${step.path} ${step.faultKind} lasts ${formatDuration(step.durationMs!)}, longer than max-hold (${formatDuration(maxHoldMs)})`,
    );
  if (problems.length > 0) throw new HoldLimitError(problems);
}

function faultSteps(steps: readonly PlannedStep[]): (PlannedStep & { kind: 'fault' })[] {
  return steps.flatMap((step) =>
    step.kind === 'fault' ? [step] : step.kind === 'parallel' ? faultSteps(step.steps) : [],
  );
}

/**
 * The run's own enforcement of the hold limit: a fault still in place when it has been held for
 * max-hold stops the run (everything is reverted at once). The watchdog enforces the same limit from
 * outside, for a run that is frozen.
 */
class HoldLimit {
  private readonly timers = new Set<NodeJS.Timeout>();
  private limit: { ms: number; registry: FaultRegistry; reached: (fault: InjectedFault) => void } | undefined;

  arm(ms: number | undefined, registry: FaultRegistry, reached: (fault: InjectedFault) => void): void {
    if (ms !== undefined) this.limit = { ms, registry, reached };
  }

  start(fault: InjectedFault): void {
    const limit = this.limit;
    if (!limit) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (limit.registry.active().includes(fault)) limit.reached(fault);
      },
      Math.max(0, fault.injectedAt.getTime() + limit.ms - Date.now()),
    );
    this.timers.add(timer);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * Runs one experiment: resolve targets, check the baseline, run the method while sampling the
 * hypothesis, revert every fault (whatever happened), check recovery, run the rollbacks, decide.
 */
export async function runExperiment(loaded: LoadedExperiment, options: RunOptions): Promise<RunResult> {
  const { experiment } = loaded;
  const startedAt = new Date();
  const started = performance.now();
  const recorder = new Recorder((entry) => options.reporter.onEvent?.(entry));
  let safety: RunSafety | undefined;
  const holds = new HoldLimit();
  const registry = new FaultRegistry(
    recorder,
    (fault, outcome) => safety?.reverted(fault.id, outcome),
    (fault) => {
      safety?.injected(fault.id);
      holds.start(fault);
    },
    (fault) => safety?.revertedByOthers(fault.id),
  );
  options.onRegistry?.(registry);
  const tracker = new HypothesisTracker(experiment.hypothesis, recorder);
  const load = new LoadPhases(experiment.hypothesis.filter((probe) => probe.load));
  await safely(() =>
    options.reporter.onRunStart?.({
      file: loaded.file,
      title: experiment.title,
      seed: options.seed,
      startedAt: startedAt.toISOString(),
      engine: options.docker.endpoint ? describeEndpoint(options.docker.endpoint) : undefined,
    }),
  );

  const timeoutMs = experiment.timeout ?? RUN_DEFAULTS.timeout;
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new Interrupted('interrupted'));
  if (options.signal.aborted) onInterrupt();
  options.signal.addEventListener('abort', onInterrupt, { once: true });
  const deadline = setTimeout(
    () =>
      controller.abort(new DeadlineExceeded(`the run exceeded its timeout of ${formatDuration(timeoutMs)}`)),
    timeoutMs,
  );
  const signal = controller.signal;

  let plan: Plan | undefined;
  const runId = randomBytes(4).toString('hex');
  const setup = options.network ?? DEFAULT_NETWORK_SETUP;
  let network: NetworkContext | undefined;
  let error: unknown;
  let baselineMissed = false;
  let methodStarted = false;
  const probeEnv: ProbeEnvironment = {
    docker: options.docker,
    cwd: loaded.directory,
    signal,
    targetsOf: (probe) => plan?.probeTargets.get(probe) ?? [],
  };

  try {
    recorder.record({ type: 'phase', phase: 'resolve' });
    await options.docker.ping();
    plan = await buildPlan(loaded, options.docker, {
      seed: options.seed,
      runId,
      requireLabels: options.requireLabels,
      holderOf: options.safety ? holderLookup(options.safety.stateDir) : undefined,
    });
    recordTargets(plan.steps, recorder);
    if (hasNetworkFaults(plan.steps)) {
      const networkInjections = namespaceInjections(plan.steps);
      const chosen = await chooseRunner(options.docker, setup, runId, {
        targets: networkInjections.map((injection) => injection.target),
      });
      network = new NetworkContext(chosen.runner);
      recorder.log('info', `network faults via ${chosen.runner.via}: ${chosen.why}`);
      const faults = networkInjections.map((injection) => injection.fault);
      await preflight(options.docker, chosen.runner, setup, requiredFeatures(faults));
    }
    signal.throwIfAborted();
    const maxHoldMs = effectiveMaxHold(options.safety?.maxHoldMs, experiment.safety?.['max-hold']);
    refuseLongerThan(maxHoldMs, plan.steps);
    holds.arm(maxHoldMs, registry, (fault) => controller.abort(new HoldLimitReached(fault, maxHoldMs!)));
    if (options.safety) {
      safety = await RunSafety.open(
        { ...options.safety, maxHoldMs },
        {
          runId,
          file: loaded.file,
          via: network?.runner.via,
          helperImage: network?.runner.via === 'helper' ? setup.helperImage : undefined,
          endpoint: options.docker.endpoint,
          targets: allInjections(plan.steps).map((injection) => injection.target),
          runDeadline: Date.now() + timeoutMs,
        },
      );
      recorder.log(
        'info',
        `ledger ${safety.ledgerFile}${safety.watchdogPid ? `, watchdog pid ${safety.watchdogPid}` : ''}`,
      );
      options.onSafety?.(safety);
    }

    recorder.record({ type: 'phase', phase: 'before' });
    if (!load.empty) load.start();
    await checkBaseline(tracker, probeEnv);
    if (!load.empty) for (const sample of await load.baseline(signal)) tracker.record(sample);
    baselineMissed = tracker.phase('before').some((summary) => summary.status !== 'pass');
    signal.throwIfAborted();

    if (!baselineMissed) {
      methodStarted = true;
      recorder.record({ type: 'phase', phase: 'method' });
      const sampler = startDuringSampler(tracker, probeEnv, () => registry.hasActive());
      const guards = startSampler(
        experiment.guards ?? [],
        'guard',
        probeEnv,
        () => registry.hasActive(),
        (sample) => {
          recorder.record({ type: 'probe', sample });
          if (sample.status === 'pass' || signal.aborted) return;
          recorder.record({ type: 'guard', probe: sample.probe, reason: sample.reason });
          controller.abort(new GuardTripped(sample.probe, sample.reason, Date.now()));
        },
      );
      try {
        await runMethod(plan.steps, {
          docker: options.docker,
          announce: (injection, recipe, durationMs) =>
            safety?.announce(injection.faultId, injection.kind, injection.target, recipe, durationMs),
          notInjected: (injection) => safety?.reverted(injection.faultId, { status: 'not-injected' }),
          network: () => network!,
          registry,
          recorder,
          tracker,
          probeEnv,
          cwd: loaded.directory,
          signal,
        });
      } finally {
        await revertEverything(registry, recorder);
        await Promise.all([sampler.stop(), guards.stop()]);
      }
      signal.throwIfAborted();
      recorder.record({ type: 'phase', phase: 'after' });
      killPoint('recovery-started');
      const revertedAt = Date.now();
      // Each fault was in place from the start of its Docker call to the end of its revert.
      const faultIntervals = registry.records().map((record) => ({
        from: Date.parse(record.injectedAt),
        to: record.revertedAt ? Date.parse(record.revertedAt) : revertedAt,
      }));
      const recovery = experiment.recovery ?? RUN_DEFAULTS.recovery;
      await Promise.all([
        checkRecovery(tracker, probeEnv, recovery),
        load.empty
          ? undefined
          : load.finish(faultIntervals, revertedAt, recovery, signal).then((samples) => {
              for (const sample of samples) tracker.record(sample);
            }),
      ]);
      signal.throwIfAborted();
    }
  } catch (caught) {
    error = signal.aborted && signal.reason instanceof Error ? signal.reason : caught;
  } finally {
    // Whatever happened above, nothing stays injected.
    await revertEverything(registry, recorder);
    await load.stop().catch(() => undefined);
    await network
      ?.dispose()
      .catch((caught: unknown) =>
        recorder.log('warn', `could not remove a helper container: ${String(caught)}`),
      );
    clearTimeout(deadline);
    holds.dispose();
    options.signal.removeEventListener('abort', onInterrupt);
  }

  const rollbackErrors =
    methodStarted && plan ? await runRollbacks(plan, loaded, options.docker, recorder) : [];
  const decided = decide({ registry, tracker, error, baselineMissed, rollbackErrors });
  const { outcome } = decided;
  let summary = decided.summary;
  if (outcome === 'revert-failed' && safety?.watchdogPid !== undefined) {
    summary += `; the watchdog (pid ${safety.watchdogPid}) keeps retrying for up to ${formatDuration(retryWindowMs())} (FAULTLINE_RETRY_WINDOW), then \`faultline status\` shows what is left`;
  }
  try {
    safety?.close(outcome, outcome === 'revert-failed');
  } catch (caught) {
    recorder.log('warn', `could not close the run's ledger: ${String(caught)}`);
  }
  if (
    error &&
    !(error instanceof FaultlineError) &&
    !(error instanceof Interrupted) &&
    !(error instanceof DeadlineExceeded) &&
    !(error instanceof GuardTripped) &&
    !(error instanceof HoldLimitReached)
  ) {
    recorder.log('error', error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  const finishedAt = new Date();
  const result: RunResult = {
    file: loaded.file,
    title: experiment.title,
    description: experiment.description,
    tags: experiment.tags ?? [],
    seed: options.seed,
    engine: options.docker.endpoint,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    outcome,
    exitCode: OUTCOME_EXIT_CODES[outcome],
    summary,
    faults: registry.records(),
    probes: tracker.all(),
    load: load.empty ? undefined : load.series(),
    guard: error instanceof GuardTripped ? guardReport(error, registry) : undefined,
    journal: recorder.entries,
  };
  await safely(() => options.reporter.onRunEnd?.(result));
  return result;
}

function guardReport(tripped: GuardTripped, registry: FaultRegistry): NonNullable<RunResult['guard']> {
  const reverted = registry
    .records()
    .map((record) => (record.revertedAt ? Date.parse(record.revertedAt) : tripped.at));
  return {
    probe: tripped.probe,
    reason: tripped.reason,
    trippedAt: new Date(tripped.at).toISOString(),
    revertedWithinMs: Math.max(0, ...reverted.map((at) => at - tripped.at)),
  };
}

async function revertEverything(registry: FaultRegistry, recorder: Recorder): Promise<void> {
  if (registry.active().length === 0) return;
  recorder.record({ type: 'phase', phase: 'revert' });
  await registry.revertAll();
}

function recordTargets(steps: PlannedStep[], recorder: Recorder): void {
  for (const step of steps) {
    if (step.kind === 'fault')
      recorder.record({ type: 'targets', step: step.path, selector: step.selector, targets: step.targets });
    if (step.kind === 'parallel') recordTargets(step.steps, recorder);
  }
}

async function runRollbacks(
  plan: Plan,
  loaded: LoadedExperiment,
  docker: DockerClient,
  recorder: Recorder,
): Promise<string[]> {
  const actions = loaded.experiment.rollbacks ?? [];
  if (actions.length === 0) return [];
  recorder.record({ type: 'phase', phase: 'rollbacks' });
  const errors: string[] = [];
  // Rollbacks run even after an interrupt, with their own signal and timeouts.
  const signal = new AbortController().signal;
  for (const [index, action] of actions.entries()) {
    const path = `rollbacks[${index}]`;
    const label = describeAction(action);
    const started = performance.now();
    recorder.record({ type: 'step-start', step: path, label });
    const result = await runAction(action, plan.rollbackTargets[index] ?? [], {
      docker,
      cwd: loaded.directory,
      signal,
    });
    const durationMs = Math.round(performance.now() - started);
    if (result.ok) recorder.record({ type: 'step-end', step: path, label, status: 'done', durationMs });
    else {
      recorder.record({
        type: 'step-end',
        step: path,
        label,
        status: 'failed',
        durationMs,
        error: result.error,
      });
      errors.push(`${path} ${label}: ${result.error}`);
    }
  }
  return errors;
}

function decide(input: {
  registry: FaultRegistry;
  tracker: HypothesisTracker;
  error: unknown;
  baselineMissed: boolean;
  rollbackErrors: string[];
}): { outcome: Outcome; summary: string } {
  const failedReverts = input.registry.records().filter((record) => record.status === 'failed');
  if (failedReverts.length > 0) {
    const list = failedReverts.map(
      (record) => `${record.fault} on ${record.target.name} (${record.detail}; undo: ${record.remedy})`,
    );
    return {
      outcome: 'revert-failed',
      summary: `could not revert ${failedReverts.length} fault(s): ${list.join('; ')}`,
    };
  }
  if (input.error instanceof GuardTripped) {
    return {
      outcome: 'aborted',
      summary: `aborted by a guard: ${input.error.message}; every fault was reverted`,
    };
  }
  if (input.error instanceof HoldLimitReached) {
    return {
      outcome: 'aborted',
      summary: `aborted by the hold limit: ${input.error.message}; every fault was reverted`,
    };
  }
  if (input.error instanceof Interrupted)
    return { outcome: 'interrupted', summary: 'interrupted; every injected fault was reverted' };
  if (input.error) {
    const message = input.error instanceof Error ? input.error.message : String(input.error);
    const hint = input.error instanceof FaultlineError && input.error.hint ? ` (${input.error.hint})` : '';
    return { outcome: 'errored', summary: `${message}${hint}` };
  }
  if (input.baselineMissed) {
    const missed = input.tracker.phase('before').filter((summary) => summary.status !== 'pass');
    return {
      outcome: 'errored',
      summary: `baseline not met, nothing was injected: the system was not healthy to begin with (${missed.map((summary) => `${summary.probe}: ${summary.reason}`).join('; ')})`,
    };
  }
  const all = input.tracker.all();
  const errored = all.filter((summary) => summary.status === 'error');
  if (errored.length > 0) {
    return {
      outcome: 'errored',
      summary: `a probe could not run: ${errored.map((summary) => `${summary.probe} (${summary.phase}): ${summary.reason}`).join('; ')}`,
    };
  }
  if (input.rollbackErrors.length > 0)
    return { outcome: 'errored', summary: `a rollback failed: ${input.rollbackErrors.join('; ')}` };
  const failed = all.filter((summary) => summary.status === 'fail');
  if (failed.length > 0) {
    return {
      outcome: 'deviated',
      summary: `the hypothesis did not hold: ${failed.map((summary) => `${summary.probe} (${summary.phase}, ${summary.failures}/${summary.samples} failed): ${summary.reason}`).join('; ')}`,
    };
  }
  return { outcome: 'passed', summary: 'the hypothesis held before, during and after the faults' };
}

async function safely(hook: () => unknown): Promise<void> {
  try {
    await hook();
  } catch {
    // The multiplexer records reporter errors; nothing here may stop a run or a revert.
  }
}
