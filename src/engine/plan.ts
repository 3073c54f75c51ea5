import type { ContainerSummary, DockerClient } from '../docker/client.js';
import { EnvironmentError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/load.js';
import {
  type ActionSpec,
  CONTAINER_FAULT_KINDS,
  type ContainerFaultKind,
  type Experiment,
  NETWORK_FAULT_KINDS,
  type NetworkFaultKind,
  type PartitionSpec,
  type PeerSelector,
  type ProbeSpec,
  type Step,
  type TargetSelector,
  TC_FAULT_KINDS,
} from '../experiment/schema.js';
import { type ContainerFaultSpec, describeContainerFault } from '../faults/container-faults.js';
import { applyCommands, revertCommands } from '../network/iptables-plan.js';
import type { NetworkFaultPlan } from '../network/network-fault.js';
import { PeerError, partitionTargets, planNetworkFault } from '../network/network-plan.js';
import { describeScope } from '../network/scope.js';
import {
  bandsFor,
  ifbName,
  ingressSetupCommands,
  ingressTeardownCommands,
  transitionCommands,
} from '../network/tc-plan.js';
import { probeKind } from '../probes/run-probe.js';
import {
  describeSelector,
  type RunHolder,
  selectTargets,
  TargetSelectionError,
  toTarget,
} from '../targets/resolve.js';
import type { Target } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import { deriveSeed } from '../util/random.js';

/**
 * A plan is data: the resolved targets and every action a run would take. `faultline plan` prints it,
 * the engine executes it, and tests read it. Computing it changes nothing in Docker.
 */
export type FaultPlan = { type: 'container'; spec: ContainerFaultSpec } | NetworkFaultPlan;

/** One fault on one target. */
export interface PlannedInjection {
  target: Target;
  faultId: string;
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
      faultKind: ContainerFaultKind | NetworkFaultKind;
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

/** The fields fault steps may carry. */
interface FaultStepFields {
  target?: TargetSelector;
  duration?: number | undefined;
  background?: boolean | undefined;
  signal?: string | undefined;
  grace?: number | undefined;
  to?: PeerSelector[] | undefined;
  'max-targets'?: number | undefined;
}

export interface PlanOptions {
  seed: number;
  /** Opt-in mode: only containers carrying these labels may be faulted (adds to safety.require-label). */
  requireLabels?: Record<string, string> | undefined;
  runId: string;
  /** The live faultline run holding a container's lock, so a refusal names it (see safety/locks). */
  holderOf?: ((containerId: string) => RunHolder | undefined) | undefined;
  /** How a command in a target's network namespace is shown (depends on the way in). */
  display?: ((target: Target, argv: readonly string[]) => string) | undefined;
  /** The devices a tc fault will shape, when they can be read without changing anything. */
  devicesOf?: ((target: Target, cidrs: readonly string[]) => Promise<string[]>) | undefined;
}

export function hasNetworkFaults(steps: readonly PlannedStep[]): boolean {
  return steps.some(
    (step) =>
      (step.kind === 'fault' && step.injections.some((injection) => injection.fault.type !== 'container')) ||
      (step.kind === 'parallel' && hasNetworkFaults(step.steps)),
  );
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
    const kind = [...CONTAINER_FAULT_KINDS, ...NETWORK_FAULT_KINDS].find((name) => name in step)!;
    const spec = (step as unknown as Record<string, FaultStepFields>)[kind]!;
    const durationMs = spec.duration;
    const where = `${path}.${kind}`;
    const nextId = () => `${kind}-${++faultSequence}`;
    let selector: string;
    let injections: PlannedInjection[] = [];

    if (kind === 'partition') {
      const partition = spec as unknown as PartitionSpec;
      const groups = partition.groups.map((group, groupIndex) =>
        group.flatMap((member, memberIndex) =>
          resolve(
            member,
            `${path}.${groupIndex}.${memberIndex}`,
            true,
            `${where}.groups[${groupIndex}][${memberIndex}]`,
          ).map((target) => byId.get(target.id)!),
        ),
      );
      selector = partition.groups
        .map((group) => `[${group.map((member) => describeSelector(member, composeScope)).join(', ')}]`)
        .join(partition.direction === 'one-way' ? ' -> ' : ' | ');
      try {
        injections = partitionTargets(groups, partition).map((member) => {
          const target = toTarget(member.container);
          const faultId = nextId();
          const fault = planNetworkFault({
            kind,
            spec: spec as Record<string, unknown>,
            target,
            faultId,
            runId,
            peers,
            partition: member,
          });
          return { target, faultId, fault, ...describeNetwork(fault, target) };
        });
        if (injections.length === 0 && groups.every((group) => group.length > 0)) {
          problems.push(`${where}: the groups share no network, so there is nothing to cut`);
        }
      } catch (error) {
        if (!(error instanceof PeerError)) throw error;
        problems.push(`${where}: ${error.message}`);
      }
    } else {
      const selectorSpec = spec.target!;
      selector = describeSelector(selectorSpec, composeScope);
      const targets = resolve(selectorSpec, path, true, where);
      for (const target of targets) {
        const faultId = nextId();
        if ((CONTAINER_FAULT_KINDS as readonly string[]).includes(kind)) {
          const container: ContainerFaultSpec = {
            kind: kind as ContainerFaultKind,
            signal: spec.signal,
            graceMs: spec.grace,
          };
          const described = describeContainerFault(container, target);
          injections.push({
            target,
            faultId,
            fault: { type: 'container', spec: container },
            actions: [described.action],
            reverts: [described.revert],
          });
          continue;
        }
        try {
          const fault = planNetworkFault({
            kind: kind as NetworkFaultKind,
            spec: spec as Record<string, unknown>,
            target,
            faultId,
            runId,
            peers,
          });
          const injection: PlannedInjection = { target, faultId, fault, ...describeNetwork(fault, target) };
          injections.push(injection);
          if (fault.type === 'tc' && !fault.device && options.devicesOf) {
            pendingDevices.push(
              options.devicesOf(target, fault.scope.cidrs).then(
                (devices) => {
                  Object.assign(injection, describeNetwork(fault, target, devices));
                },
                () => undefined,
              ),
            );
          }
        } catch (error) {
          if (!(error instanceof PeerError) && !(error instanceof TargetSelectionError)) throw error;
          problems.push(`${where}: ${error.message}`);
          if (error instanceof TargetSelectionError && error.hint) hints.push(error.hint);
        }
      }
    }
    const touched = new Set(injections.map((injection) => injection.target.id)).size;
    if (spec['max-targets'] !== undefined && touched > spec['max-targets']) {
      problems.push(`${where}: would touch ${touched} containers; its max-targets is ${spec['max-targets']}`);
    }
    const isTc = (TC_FAULT_KINDS as readonly string[]).includes(kind);
    const scope =
      isTc && injections[0]?.fault.type === 'tc' ? ` (${describeScope(injections[0].fault.scope)})` : '';
    return {
      kind: 'fault',
      path,
      label: `${kind} ${selector}${scope}${durationMs ? ` for ${formatDuration(durationMs)}` : ''}`,
      faultKind: kind,
      durationMs,
      background: spec.background ?? false,
      selector,
      targets: injections.map((injection) => injection.target),
      injections,
    };
  };

  /** The exact commands of a network fault, shown as a person would run them. */
  function describeNetwork(
    fault: NetworkFaultPlan,
    target: Target,
    devices?: string[],
  ): { actions: string[]; reverts: string[] } {
    if (fault.type === 'iptables') {
      const binary = (family: string) => (family === 'ipv6' ? 'ip6tables' : 'iptables');
      return {
        actions: fault.sets.flatMap((set) =>
          applyCommands(set).map((argv) => display(target, [binary(set.family), ...argv])),
        ),
        reverts: fault.sets.flatMap((set) =>
          revertCommands(set).map((argv) => display(target, [binary(set.family), ...argv])),
        ),
      };
    }
    const names = fault.device ? [fault.device] : (devices ?? ['<device>']);
    const bands = bandsFor([{ faultId: 'plan', scope: fault.scope, netem: fault.netem, tbf: fault.tbf }]);
    const actions: string[] = [];
    const reverts: string[] = [];
    for (const name of names) {
      if (fault.direction !== 'ingress') {
        actions.push(...transitionCommands(name, [], bands).map((argv) => display(target, ['tc', ...argv])));
        reverts.push(...transitionCommands(name, bands, []).map((argv) => display(target, ['tc', ...argv])));
      }
      if (fault.direction !== 'egress') {
        const ifb = ifbName(name);
        actions.push(...ingressSetupCommands(name, ifb).map((argv) => display(target, argv)));
        actions.push(
          ...transitionCommands(ifb, [], bands, 'src').map((argv) => display(target, ['tc', ...argv])),
        );
        reverts.push(...ingressTeardownCommands(name, ifb).map((argv) => display(target, argv)));
      }
    }
    return { actions, reverts };
  }

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
      if (injection.fault.type !== 'container' && byId.get(injection.target.id)?.networkMode === 'host') {
        problems.push(
          `${injection.target.name} shares the host's network: a ${injection.fault.kind} fault there would hit the host itself (set safety.allow-host-network: true to allow it)`,
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
