import type { ContainerSummary, DockerClient } from '../docker/client.js';
import { EnvironmentError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { ActionSpec, Experiment, ProbeSpec } from '../experiment/schema.js';
import type { Display, FamilyPlan } from '../faults/driver.js';
import { type FaultKind, familyOf } from '../faults/registry.js';
import { DockerPlatform } from '../platform/docker/docker-platform.js';
import type { Platform } from '../platform/platform.js';
import type { RunHolder } from '../targets/resolve.js';
import type { Target } from '../targets/target.js';
import { Planner } from './planner.js';

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
  /** Containers each exec setup action runs in. */
  setupTargets: Target[][];
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

/** The injections that need a way into their targets chosen: network faults, and families that list ways. */
export function namespaceInjections(steps: readonly PlannedStep[]): PlannedInjection[] {
  return allInjections(steps).filter((injection) => {
    const family = familyOf(injection.fault);
    return family.netns || family.ways !== undefined;
  });
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
  where: Platform | DockerClient,
  options: PlanOptions,
): Promise<Plan> {
  const platform = 'listTargets' in where ? where : new DockerPlatform(where);
  const containers = await platform.listTargets();
  const planner = new Planner(containers, loaded.experiment.scope?.compose, options, platform);
  const { experiment } = loaded;
  for (const [index, probe] of experiment.hypothesis.entries()) {
    planner.resolveProbe(probe, `hypothesis[${index}] "${probe.name}"`);
  }
  for (const [index, probe] of (experiment.guards ?? []).entries()) {
    planner.resolveProbe(probe, `guards[${index}] "${probe.name}"`);
  }
  for (const [index, probe] of (experiment.detect ?? []).entries()) {
    planner.resolveProbe(probe, `detect[${index}] "${probe.name}"`);
  }
  const steps = experiment.method.map((step, index) => planner.planStep(step, `method[${index}]`));
  const rollbackTargets = (experiment.rollbacks ?? []).map((action, index) =>
    action.exec
      ? planner.resolve(action.exec.target, `rollbacks[${index}]`, true, `rollbacks[${index}]`)
      : [],
  );
  const setupTargets = (experiment.setup ?? []).map((action, index) =>
    action.exec ? planner.resolve(action.exec.target, `setup[${index}]`, true, `setup[${index}]`) : [],
  );
  await planner.settled();
  const byId = new Map(containers.map((container) => [container.id, container]));
  const blast = blastRadiusProblems(steps, experiment.safety, options.requireLabels, byId);
  if (planner.problems.length > 0 || blast.length > 0) {
    throw new PlanError([...planner.problems, ...blast], blast.length > 0 ? [] : planner.hints);
  }
  const { seed, runId } = options;
  const { probeTargets } = planner;
  return { loaded, seed, runId, steps, probeTargets, rollbackTargets, setupTargets };
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
