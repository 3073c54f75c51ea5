import { holderLookup } from '../../safety/locks.js';
import { RunSafety } from '../../safety/run-safety.js';
import { effectiveMaxHold, refuseLongerThan } from '../hold-limit.js';
import {
  allInjections,
  buildPlan,
  hasNetworkFaults,
  namespaceInjections,
  type Plan,
  type PlannedStep,
} from '../plan.js';
import { preflightPlan } from '../preflight.js';
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
  // The ping and the target lookups go out together; when Docker cannot be reached, the ping says so.
  const ping = options.docker.ping();
  const planning = buildPlan(run.loaded, run.platform, {
    seed: options.seed,
    runId: run.runId,
    requireLabels: options.requireLabels,
    holderOf: options.safety ? holderLookup(options.safety.stateDir, options.docker.endpoint) : undefined,
  });
  // Handled below, once the ping has answered: a lookup that fails first is not an unhandled rejection.
  planning.catch(() => undefined);
  await ping;
  const plan = await planning;
  run.plan = plan;
  recordTargets(plan.steps, recorder);
  if (hasNetworkFaults(plan.steps)) await prepareNetwork(run, plan);
  await preflightPlan(plan, run.platform, run.network);
  run.signal.throwIfAborted();
  const maxHoldMs = effectiveMaxHold(options.safety?.maxHoldMs, run.experiment.safety?.['max-hold']);
  refuseLongerThan(maxHoldMs, plan.steps);
  run.holds.arm(maxHoldMs, run.registry, (fault) => run.stop.abort(new HoldLimitReached(fault, maxHoldMs!)));
  if (options.safety) await openLedger(run, plan, maxHoldMs);
  return plan;
}

async function prepareNetwork(run: RunContext, plan: Plan): Promise<void> {
  const targets = namespaceInjections(plan.steps).map((injection) => injection.target);
  const entered = await run.platform.enterNetwork(run.runId, targets);
  run.network = entered.network;
  run.recorder.log('info', `network faults via ${entered.why}`);
}

async function openLedger(run: RunContext, plan: Plan, maxHoldMs: number | undefined): Promise<void> {
  const { options, network } = run;
  const safety = await RunSafety.open(
    { ...options.safety!, maxHoldMs },
    {
      runId: run.runId,
      watchdog: run.watchdog,
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
