import { EnvironmentError, errorMessage, FaultlineError } from '../../errors.js';
import { familyOf, requiredFeatures } from '../../faults/registry.js';
import { NetnsUnavailableError, type Via } from '../../network/netns-runner.js';
import { platformOf } from '../../platform/platform.js';
import { holderLookup } from '../../safety/locks.js';
import { RunSafety } from '../../safety/run-safety.js';
import { effectiveMaxHold, refuseLongerThan } from '../hold-limit.js';
import {
  allInjections,
  buildPlan,
  hasNetworkFaults,
  namespaceInjections,
  type Plan,
  type PlannedInjection,
  type PlannedStep,
} from '../plan.js';
import type { Recorder } from '../recorder.js';
import { HoldLimitReached } from '../run-stops.js';
import type { RunContext } from './run-context.js';

/**
 * The first phase: reach Docker, resolve the targets into a plan, choose and check the way network
 * faults reach them, refuse faults longer than the hold limit, and open the ledger. Nothing is
 * injected yet.
 */
export async function prepare(run: RunContext): Promise<Plan> {
  const { options, recorder } = run;
  recorder.record({ type: 'phase', phase: 'resolve' });
  await options.docker.ping();
  const plan = await buildPlan(run.loaded, run.platform, {
    seed: options.seed,
    runId: run.runId,
    requireLabels: options.requireLabels,
    holderOf: options.safety ? holderLookup(options.safety.stateDir, options.docker.endpoint) : undefined,
  });
  run.plan = plan;
  recordTargets(plan.steps, recorder);
  if (hasNetworkFaults(plan.steps)) await prepareNetwork(run, plan);
  await preflightFaults(run, plan);
  run.signal.throwIfAborted();
  const maxHoldMs = effectiveMaxHold(options.safety?.maxHoldMs, run.experiment.safety?.['max-hold']);
  refuseLongerThan(maxHoldMs, plan.steps);
  run.holds.arm(maxHoldMs, run.registry, (fault) => run.stop.abort(new HoldLimitReached(fault, maxHoldMs!)));
  if (options.safety) await openLedger(run, plan, maxHoldMs);
  return plan;
}

async function prepareNetwork(run: RunContext, plan: Plan): Promise<void> {
  const networkInjections = namespaceInjections(plan.steps);
  const targets = networkInjections.map((injection) => injection.target);
  const entered = await run.platform.enterNetwork(run.runId, targets);
  run.network = entered.network;
  run.recorder.log('info', `network faults via ${entered.why}`);
  refuseUnreachable(networkInjections, entered.network.runner.via);
  const features = requiredFeatures(networkInjections.map((injection) => injection.fault));
  await run.platform.checkFeatures(entered.network, features);
}

async function openLedger(run: RunContext, plan: Plan, maxHoldMs: number | undefined): Promise<void> {
  const { options, network } = run;
  const safety = await RunSafety.open(
    { ...options.safety!, maxHoldMs },
    {
      runId: run.runId,
      file: run.loaded.file,
      via: network?.runner.via,
      helperImage: network?.runner.via === 'helper' ? run.setup.helperImage : undefined,
      endpoint: options.docker.endpoint,
      targets: allInjections(plan.steps).map((injection) => injection.target),
      runDeadline: Date.now() + run.timeoutMs,
    },
  );
  run.safety = safety;
  run.recorder.log(
    'info',
    `ledger ${safety.ledgerFile}${safety.watchdogPid ? `, watchdog pid ${safety.watchdogPid}` : ''}`,
  );
  options.onSafety?.(safety);
}

function recordTargets(steps: PlannedStep[], recorder: Recorder): void {
  for (const step of steps) {
    if (step.kind === 'fault')
      recorder.record({ type: 'targets', step: step.path, selector: step.selector, targets: step.targets });
    if (step.kind === 'parallel') recordTargets(step.steps, recorder);
  }
}

/** Each fault's own check that it can be made from here, before anything of the run is injected. */
async function preflightFaults(run: RunContext, plan: Plan): Promise<void> {
  for (const injection of allInjections(plan.steps)) {
    const family = familyOf(injection.fault);
    if (!family.preflight) continue;
    const platform = platformOf(injection.target) ?? run.platform;
    try {
      await family.preflight(injection.fault, injection.target, platform, run.network?.runner.via);
    } catch (error) {
      const known = error instanceof FaultlineError ? error : undefined;
      throw new EnvironmentError(
        known?.code ?? 'FAULT_PREFLIGHT_FAILED',
        `${injection.kind} on ${injection.target.name} cannot be made from here: ${errorMessage(error)} (nothing was injected)`,
        { hint: known?.hint, cause: error },
      );
    }
  }
}

/** Faults whose family cannot work through the chosen way in are refused before anything is injected. */
function refuseUnreachable(injections: readonly PlannedInjection[], via: Via): void {
  for (const injection of injections) {
    const ways = familyOf(injection.fault).ways;
    if (ways && !ways.includes(via)) {
      throw new NetnsUnavailableError(
        `${injection.kind} on ${injection.target.name} works only through the ${ways.join(' or ')} way into its target, and this run goes in via ${via} (nothing was injected)`,
        `Run faultline as root on the Docker host with --via ${ways[0]!}.`,
      );
    }
  }
}
