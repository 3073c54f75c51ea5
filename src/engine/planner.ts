import type { ContainerSummary } from '../docker/client.js';
import type { PeerSelector, ProbeSpec, Step, TargetSelector } from '../experiment/schema.js';
import type { StepPlanContext } from '../faults/driver.js';
import { driverFor, type FaultKind, familyOf } from '../faults/registry.js';
import type { PeerResolver } from '../network/network-plan.js';
import { onPlatform, type Platform } from '../platform/platform.js';
import { describeSelector, selectTargets, TargetSelectionError } from '../targets/resolve.js';
import type { Target } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import { deriveSeed } from '../util/random.js';
import { describeAction } from './describe.js';
import type { PlannedInjection, PlannedStep, PlanOptions } from './plan.js';

const showInTarget = (target: Target, argv: readonly string[]) => `[${target.name}] ${argv.join(' ')}`;

/**
 * Plans an experiment against one listing of the Engine's containers: resolves selectors (recording
 * each problem rather than stopping at the first), and asks each fault's driver what it will do.
 */
export class Planner {
  readonly problems: string[] = [];
  readonly hints: string[] = [];
  /** Containers each exec/container probe (hypothesis or method) looks at. */
  readonly probeTargets = new Map<ProbeSpec, Target[]>();
  private readonly byId: Map<string, ContainerSummary>;
  private readonly pendingDevices: Promise<void>[] = [];
  private faultSequence = 0;
  private readonly peers: PeerResolver;

  constructor(
    private readonly containers: readonly ContainerSummary[],
    private readonly composeScope: string | undefined,
    private readonly options: PlanOptions,
    private readonly platform: Platform,
  ) {
    this.byId = new Map(containers.map((container) => [container.id, container]));
    this.peers = {
      select: (selector: PeerSelector) => {
        const { cidr: _cidr, ...rest } = selector;
        const { seed, holderOf } = options;
        return selectTargets(containers, rest, {
          scope: composeScope,
          seed,
          runningOnly: true,
          holderOf,
        }).map((target) => this.byId.get(target.id)!);
      },
      container: (target: Target) => this.byId.get(target.id)!,
    };
  }

  /** The containers a selector names; none (and a problem recorded at `where`) when it names none. */
  resolve(selector: TargetSelector, key: string, runningOnly: boolean, where: string): Target[] {
    try {
      const targets = selectTargets(this.containers, selector, {
        scope: this.composeScope,
        seed: deriveSeed(this.options.seed, key),
        runningOnly,
        holderOf: this.options.holderOf,
      });
      return targets.map((target) => onPlatform(target, this.platform));
    } catch (error) {
      if (!(error instanceof TargetSelectionError)) throw error;
      this.problem(`${where}: ${error.message}`, error.hint);
      return [];
    }
  }

  resolveProbe(probe: ProbeSpec, where: string): void {
    const selector = probe.exec?.target ?? probe.container?.target ?? probe.workload?.write.exec?.target;
    if (selector) this.probeTargets.set(probe, this.resolve(selector, where, false, where));
  }

  planStep(step: Step, path: string): PlannedStep {
    switch (step.kind) {
      case 'wait':
        return { kind: 'wait', path, label: `wait ${formatDuration(step.spec)}`, durationMs: step.spec };
      case 'probe':
        this.resolveProbe(step.spec, path);
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
          targets: step.spec.exec ? this.resolve(step.spec.exec.target, path, true, path) : [],
          background: step.spec.background ?? false,
        };
      case 'parallel': {
        const steps = step.spec.map((child, index) => this.planStep(child, `${path}.parallel[${index}]`));
        return { kind: 'parallel', path, label: `in parallel: ${steps.length} steps`, steps };
      }
      default:
        return this.planFault(step.kind, step.spec, path);
    }
  }

  /** Waits for the device look-ups that make tc commands exact in the plan. */
  async settled(): Promise<void> {
    await Promise.all(this.pendingDevices);
  }

  private problem(message: string, hint?: string): void {
    this.problems.push(message);
    if (hint) this.hints.push(hint);
  }

  private planFault(kind: FaultKind, spec: unknown, path: string): PlannedStep {
    const driver = driverFor(kind);
    const where = `${path}.${kind}`;
    const planned = driver.plan(spec, this.stepContext(kind, path, where));
    const injections = planned.faults.map(({ target, faultId, fault }) =>
      this.describe({ target, faultId, kind, fault, actions: [], reverts: [] }),
    );
    const { durationMs, background, maxTargets } = driver.common(spec);
    const touched = new Set(injections.map((injection) => injection.target.id)).size;
    if (maxTargets !== undefined && touched > maxTargets) {
      this.problem(`${where}: would touch ${touched} containers; its max-targets is ${maxTargets}`);
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
  }

  private stepContext(kind: FaultKind, path: string, where: string): StepPlanContext {
    return {
      path,
      where,
      runId: this.options.runId,
      composeScope: this.composeScope,
      resolve: (selector, key, at) => this.resolve(selector, key, true, at),
      describeSelector: (selector) => describeSelector(selector, this.composeScope),
      container: (target) => this.byId.get(target.id)!,
      peers: this.peers,
      nextId: () => `${kind}-${++this.faultSequence}`,
      problem: (message, hint) => this.problem(message, hint),
    };
  }

  /** Fills in the commands a person would run; for tc, once the devices are known, if they can be read. */
  private describe(injection: PlannedInjection): PlannedInjection {
    const { target, fault } = injection;
    onPlatform(target, this.platform);
    const display = this.options.display ?? showInTarget;
    const family = familyOf(fault);
    Object.assign(injection, family.describe(fault, target, display));
    const cidrs = family.devicesToFind?.(fault);
    if (cidrs && this.options.devicesOf) {
      this.pendingDevices.push(
        this.options.devicesOf(target, cidrs).then(
          (devices) => {
            Object.assign(injection, family.describe(fault, target, display, devices));
          },
          () => undefined,
        ),
      );
    }
    return injection;
  }
}
