import type { DockerClient } from '../docker/client.js';
import { EnvironmentError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/load.js';
import {
  type ActionSpec,
  CONTAINER_FAULT_KINDS,
  type ContainerFaultKind,
  type ProbeSpec,
  type Step,
  type TargetSelector,
} from '../experiment/schema.js';
import { type ContainerFaultSpec, describeContainerFault } from '../faults/container-faults.js';
import { probeKind } from '../probes/run-probe.js';
import { describeSelector, NoTargetError, selectTargets } from '../targets/resolve.js';
import type { Target } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import { deriveSeed } from '../util/random.js';

/**
 * A plan is data: the resolved targets and every action a run would take. `faultline plan` prints it,
 * the engine executes it, and tests read it. Computing it changes nothing in Docker.
 */
export type PlannedStep =
  | {
      kind: 'fault';
      path: string;
      label: string;
      fault: ContainerFaultSpec;
      durationMs: number | undefined;
      background: boolean;
      selector: string;
      targets: Target[];
      /** The Docker actions, one line each, and how each is reverted. */
      actions: { action: string; revert: string }[];
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
  steps: PlannedStep[];
  /** Containers each exec/container probe (hypothesis or method) looks at. */
  probeTargets: Map<ProbeSpec, Target[]>;
  /** Containers each exec rollback runs in. */
  rollbackTargets: Target[][];
}

export class PlanError extends EnvironmentError {
  constructor(readonly problems: string[]) {
    super(
      'NO_TARGET',
      problems.length === 1
        ? problems[0]!
        : `${problems.length} targets could not be resolved:\n  ${problems.join('\n  ')}`,
      {
        hint: 'Is the stack up? `docker ps` lists containers; scope.compose or target.project names the compose project.',
      },
    );
  }
}

/** The fields every container fault step may carry. */
interface FaultStepFields {
  target: TargetSelector;
  duration?: number | undefined;
  background?: boolean | undefined;
  signal?: string | undefined;
  grace?: number | undefined;
}

export async function buildPlan(loaded: LoadedExperiment, docker: DockerClient, seed: number): Promise<Plan> {
  const containers = await docker.listContainers({ all: true });
  const defaultProject = loaded.experiment.scope?.compose;
  const problems: string[] = [];
  const probeTargets = new Map<ProbeSpec, Target[]>();

  const resolve = (selector: TargetSelector, key: string, runningOnly: boolean, where: string): Target[] => {
    try {
      return selectTargets(containers, selector, {
        defaultProject,
        seed: deriveSeed(seed, key),
        runningOnly,
      });
    } catch (error) {
      if (error instanceof NoTargetError) {
        problems.push(`${where}: ${error.message}`);
        return [];
      }
      throw error;
    }
  };
  const resolveProbe = (probe: ProbeSpec, where: string) => {
    const selector = probe.exec?.target ?? probe.container?.target;
    if (selector) probeTargets.set(probe, resolve(selector, where, false, where));
  };

  for (const [index, probe] of loaded.experiment.hypothesis.entries()) {
    resolveProbe(probe, `hypothesis[${index}] "${probe.name}"`);
  }

  const planStep = (step: Step, path: string): PlannedStep => {
    if ('wait' in step)
      return { kind: 'wait', path, label: `wait ${formatDuration(step.wait)}`, durationMs: step.wait };
    if ('probe' in step) {
      resolveProbe(step.probe, path);
      return {
        kind: 'probe',
        path,
        label: `probe "${step.probe.name}"`,
        probe: step.probe,
        background: false,
      };
    }
    if ('action' in step) {
      const targets = step.action.exec ? resolve(step.action.exec.target, path, true, path) : [];
      return {
        kind: 'action',
        path,
        label: describeAction(step.action),
        action: step.action,
        targets,
        background: step.action.background ?? false,
      };
    }
    if ('parallel' in step) {
      const steps = step.parallel.map((child, index) => planStep(child, `${path}.parallel[${index}]`));
      return { kind: 'parallel', path, label: `in parallel: ${steps.length} steps`, steps };
    }
    const kind = CONTAINER_FAULT_KINDS.find((name) => name in step) as ContainerFaultKind;
    const spec = (step as unknown as Record<ContainerFaultKind, FaultStepFields>)[kind];
    const selectorSpec = spec.target;
    const fault: ContainerFaultSpec = { kind, signal: spec.signal, graceMs: spec.grace };
    const durationMs = spec.duration;
    const targets = resolve(selectorSpec, path, true, `${path}.${kind}`);
    const selector = describeSelector(selectorSpec, defaultProject);
    return {
      kind: 'fault',
      path,
      label: `${kind} ${selector}${durationMs ? ` for ${formatDuration(durationMs)}` : ''}`,
      fault,
      durationMs,
      background: spec.background ?? false,
      selector,
      targets,
      actions: targets.map((target) => describeContainerFault(fault, target)),
    };
  };

  const steps = loaded.experiment.method.map((step, index) => planStep(step, `method[${index}]`));
  const rollbackTargets = (loaded.experiment.rollbacks ?? []).map((action, index) =>
    action.exec ? resolve(action.exec.target, `rollbacks[${index}]`, true, `rollbacks[${index}]`) : [],
  );
  if (problems.length > 0) throw new PlanError(problems);
  return { loaded, seed, steps, probeTargets, rollbackTargets };
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
  }
}
