import type { ContainerSummary, DockerClient } from '../docker/client.js';
import { EnvironmentError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type {
  ActionSpec,
  Experiment,
  PeerSelector,
  ProbeSpec,
  Step,
  TargetSelector,
} from '../experiment/schema.js';
import type { Display, FamilyPlan, StepPlanContext } from '../faults/driver.js';
import { driverFor, type FaultKind, familyOf } from '../faults/registry.js';
import { probeKind } from '../probes/run-probe.js';
import { describeSelector, type RunHolder, selectTargets, TargetSelectionError } from '../targets/resolve.js';
import type { Target } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import { deriveSeed } from '../util/random.js';

/**
 * A plan is data: the resolved targets and every action a run would take. `faultline plan` prints it,
 * the engine executes it, and tests read it. Computing it changes nothing in Docker.
 */
export type FaultPlan = FamilyPlan;

/** One fault on one target. */
export interface PlannedInjection {
  target: Target;
  faultId: string;
  /** The step kind: pause, delay, partition, … */
  kind: FaultKind;
  /** What its family will do, as data (the family is named by its `type`). */
  fault: FaultPlan;
  /** What will be run, one command per line, as a person would type it. */
  actions: string[];
  reverts: string[];
}

export type PlannedStep =
  | {
      kind: 'fault';
      path: string;
      label: string;
      faultKind: FaultKind;
      durationMs: number | undefined;
      background: boolean;
      selector: string;
      targets: Target[];
      injections: PlannedInjection[];
    }
  | { kind: 'wait'; path: string; label: string; durationMs: number }
  | { kind: 'probe'; path: string; label: string; probe: ProbeSpec; background: false }
  | {
      kind: 'action';
      path: string;
      label: string;
      action: ActionSpec;
      targets: Target[];
      background: boolean;
    }
  | { kind: 'parallel'; path: string; label: string; steps: PlannedStep[] };

export interface Plan {
  loaded: LoadedExperiment;
  seed: number;
  /** Names this run's rules and helpers, so they can be told apart from any other run's. */
  runId: string;
  steps: PlannedStep[];
  /** Containers each exec/container probe (hypothesis or method) looks at. */
  probeTargets: Map<ProbeSpec, Target[]>;
  /** Containers each exec rollback runs in. */
  rollbackTargets: Target[][];
}

const PLAN_HINT =
  'Is the stack up? `docker ps` lists containers; scope.compose or target.project names the compose project; `faultline plan` shows what each step resolves to.';

export class PlanError extends EnvironmentError {
  /** `hints`: what to do about each kind of problem found (the general hint when none is given). */
  constructor(
    readonly problems: string[],
    hints: readonly string[] = [],
  ) {
    super(
      'PLAN_REFUSED',
      problems.length === 1
        ? `${problems[0]!}; nothing was injected`
        : `${problems.length} problems, found before anything was injected:\n  ${problems.join('\n  ')}`,
      { hint: hints.length > 0 ? [...new Set(hints)].join(' ') : PLAN_HINT },
    );
  }
}

export interface PlanOptions {
  seed: number;
  /** Opt-in mode: only containers carrying these labels may be faulted (adds to safety.require-label). */
  requireLabels?: Record<string, string> | undefined;
  runId: string;
  /** The live faultline run holding a container's lock, so a refusal names it (see safety/locks). */
  holderOf?: ((containerId: string) => RunHolder | undefined) | undefined;
  /** How a command in a target's network namespace is shown (depends on the way in). */
  display?: Display | undefined;
  /** The devices a tc fault will shape, when they can be read without changing anything. */
  devicesOf?: ((target: Target, cidrs: readonly string[]) => Promise<string[]>) | undefined;
}

/** The injections whose faults act inside network namespaces (a way in must be chosen for them). */
export function namespaceInjections(steps: readonly PlannedStep[]): PlannedInjection[] {
  return allInjections(steps).filter((injection) => familyOf(injection.fault).netns);
}

export function hasNetworkFaults(steps: readonly PlannedStep[]): boolean {
  return namespaceInjections(steps).length > 0;
}

export function allInjections(steps: readonly PlannedStep[]): PlannedInjection[] {
  return steps.flatMap((step) =>
    step.kind === 'fault' ? step.injections : step.kind === 'parallel' ? allInjections(step.steps) : [],
  );
}

export async function buildPlan(
  loaded: LoadedExperiment,
  docker: DockerClient,
  options: PlanOptions,
): Promise<Plan> {
  const { seed, runId } = options;
  const display =
    options.display ?? ((target: Target, argv: readonly string[]) => `[${target.name}] ${argv.join(' ')}`);
  const containers = await docker.listContainers({ all: true });
  const byId = new Map(containers.map((container) => [container.id, container]));
  let faultSequence = 0;
  const pendingDevices: Promise<void>[] = [];
  const composeScope = loaded.experiment.scope?.compose;
  const problems: string[] = [];
  const hints: string[] = [];
  const holderOf = options.holderOf;
  const probeTargets = new Map<ProbeSpec, Target[]>();

  const resolve = (selector: TargetSelector, key: string, runningOnly: boolean, where: string): Target[] => {
    try {
      return selectTargets(containers, selector, {
        scope: composeScope,
        seed: deriveSeed(seed, key),
        runningOnly,
        holderOf,
      });
    } catch (error) {
      if (error instanceof TargetSelectionError) {
        problems.push(`${where}: ${error.message}`);
        if (error.hint) hints.push(error.hint);
        return [];
      }
      throw error;
    }
  };
  const resolveProbe = (probe: ProbeSpec, where: string) => {
    const selector = probe.exec?.target ?? probe.container?.target;
    if (selector) probeTargets.set(probe, resolve(selector, where, false, where));
  };

  const peers = {
    select: (selector: PeerSelector) => {
      const { cidr: _cidr, ...rest } = selector;
      return selectTargets(containers, rest, { scope: composeScope, seed, runningOnly: true, holderOf }).map(
        (target) => byId.get(target.id)!,
      );
    },
    container: (target: Target) => byId.get(target.id)!,
  };

  for (const [index, probe] of loaded.experiment.hypothesis.entries()) {
    resolveProbe(probe, `hypothesis[${index}] "${probe.name}"`);
  }
  for (const [index, probe] of (loaded.experiment.guards ?? []).entries()) {
    resolveProbe(probe, `guards[${index}] "${probe.name}"`);
  }

  const planStep = (step: Step, path: string): PlannedStep => {
    switch (step.kind) {
      case 'wait':
        return { kind: 'wait', path, label: `wait ${formatDuration(step.spec)}`, durationMs: step.spec };
      case 'probe':
        resolveProbe(step.spec, path);
        return {
          kind: 'probe',
          path,
          label: `probe "${step.spec.name}"`,
          probe: step.spec,
          background: false,
        };
      case 'action':
        return {
          kind: 'action',
          path,
          label: describeAction(step.spec),
          action: step.spec,
          targets: step.spec.exec ? resolve(step.spec.exec.target, path, true, path) : [],
          background: step.spec.background ?? false,
        };
      case 'parallel': {
        const steps = step.spec.map((child, index) => planStep(child, `${path}.parallel[${index}]`));
        return { kind: 'parallel', path, label: `in parallel: ${steps.length} steps`, steps };
      }
      default:
        return planFault(step.kind, step.spec, path);
    }
  };

  const planFault = (kind: FaultKind, spec: unknown, path: string): PlannedStep => {
    const driver = driverFor(kind);
    const where = `${path}.${kind}`;
    const ctx: StepPlanContext = {
      path,
      where,
      runId,
      composeScope,
      resolve: (selector, key, at) => resolve(selector, key, true, at),
      describeSelector: (selector) => describeSelector(selector, composeScope),
      container: (target) => byId.get(target.id)!,
      peers,
      nextId: () => `${kind}-${++faultSequence}`,
      problem: (message, hint) => {
        problems.push(message);
        if (hint) hints.push(hint);
      },
    };
    const planned = driver.plan(spec, ctx);
    const injections = planned.faults.map(({ target, faultId, fault }): PlannedInjection => {
      const injection: PlannedInjection = { target, faultId, kind, fault, actions: [], reverts: [] };
      const family = familyOf(fault);
      Object.assign(injection, family.describe(fault, target, display));
      const cidrs = family.devicesToFind?.(fault);
      if (cidrs && options.devicesOf) {
        pendingDevices.push(
          options.devicesOf(target, cidrs).then(
            (devices) => {
              Object.assign(injection, family.describe(fault, target, display, devices));
            },
            () => undefined,
          ),
        );
      }
      return injection;
    });
    const { durationMs, background, maxTargets } = driver.common(spec);
    const touched = new Set(injections.map((injection) => injection.target.id)).size;
    if (maxTargets !== undefined && touched > maxTargets) {
      problems.push(`${where}: would touch ${touched} containers; its max-targets is ${maxTargets}`);
    }
    return {
      kind: 'fault',
      path,
      label: `${kind} ${planned.selector}${planned.qualifier ?? ''}${durationMs ? ` for ${formatDuration(durationMs)}` : ''}`,
      faultKind: kind,
      durationMs,
      background: background ?? false,
      selector: planned.selector,
      targets: injections.map((injection) => injection.target),
      injections,
    };
  };

  const steps = loaded.experiment.method.map((step, index) => planStep(step, `method[${index}]`));
  const rollbackTargets = (loaded.experiment.rollbacks ?? []).map((action, index) =>
    action.exec ? resolve(action.exec.target, `rollbacks[${index}]`, true, `rollbacks[${index}]`) : [],
  );
  await Promise.all(pendingDevices);
  const blast = blastRadiusProblems(steps, loaded.experiment.safety, options.requireLabels, byId);
  if (problems.length > 0 || blast.length > 0) {
    throw new PlanError([...problems, ...blast], blast.length > 0 ? [] : hints);
  }
  return { loaded, seed, runId, steps, probeTargets, rollbackTargets };
}

/** Limits checked before anything is injected: how many containers, which ones, and never the host's network. */
function blastRadiusProblems(
  steps: readonly PlannedStep[],
  safety: Experiment['safety'],
  requireLabels: Record<string, string> | undefined,
  byId: Map<string, ContainerSummary>,
): string[] {
  const problems: string[] = [];
  const injections = allInjections(steps);
  const targets = new Map(injections.map((injection) => [injection.target.id, injection.target]));
  const max = safety?.['max-targets'];
  if (max !== undefined && targets.size > max) {
    problems.push(`the faults would touch ${targets.size} containers in all; safety.max-targets is ${max}`);
  }
  const required = { ...safety?.['require-label'], ...requireLabels };
  if (Object.keys(required).length > 0) {
    const wanted = Object.entries(required);
    for (const target of targets.values()) {
      const labels = byId.get(target.id)?.labels ?? {};
      const missing = wanted
        .filter(([key, value]) => labels[key] !== value)
        .map(([key, value]) => `${key}=${value}`);
      if (missing.length > 0)
        problems.push(`${target.name} does not carry ${missing.join(', ')}, so it may not be faulted`);
    }
  }
  if (!safety?.['allow-host-network']) {
    for (const injection of injections) {
      if (familyOf(injection.fault).netns && byId.get(injection.target.id)?.networkMode === 'host') {
        problems.push(
          `${injection.target.name} shares the host's network: a ${injection.kind} fault there would hit the host itself (set safety.allow-host-network: true to allow it)`,
        );
      }
    }
  }
  return problems;
}

export function describeAction(action: ActionSpec): string {
  if (action.name) return action.name;
  if (action.command) return `run ${action.command.join(' ')}`;
  if (action.exec) return `exec ${action.exec.command.join(' ')}`;
  return `${action.http!.method} ${action.http!.url}`;
}

export function describeProbe(probe: ProbeSpec): string {
  switch (probeKind(probe)) {
    case 'http':
      return `${probe.http!.method} ${probe.http!.url}`;
    case 'tcp':
      return `tcp ${probe.tcp!.host}:${probe.tcp!.port}`;
    case 'command':
      return `run ${probe.command!.join(' ')}`;
    case 'exec':
      return `exec ${probe.exec!.command.join(' ')}`;
    case 'container':
      return 'inspect container';
    case 'load':
      return `${probe.load!.method} ${probe.load!.url} at ${probe.load!.rate}/s`;
  }
}
