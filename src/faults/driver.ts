import type { z } from 'zod';
import type { ContainerSummary, DockerClient } from '../docker/client.js';
import type { TargetSelector } from '../experiment/shapes.js';
import type { Feature } from '../network/capabilities.js';
import type { NetnsRunner, Via } from '../network/netns-runner.js';
import type { NetworkContext } from '../network/network-fault.js';
import type { PeerResolver } from '../network/network-plan.js';
import type { Platform } from '../platform/platform.js';
import type { Target } from '../targets/target.js';
import type { Announce, InjectedFault, RevertOutcome } from './fault.js';

/**
 * How faultline knows a kind of fault. A family (container lifecycle, tc, iptables) owns a plan type
 * and a recipe type and the code that injects and undoes them; a driver is one step kind of a family
 * (`pause`, `delay`, `partition`): its file shape and how a step of it is planned. The registry
 * (registry.ts) lists the drivers; the schema, planner, method, ledger undo, recover scan, preflight
 * and doctor loop over it, so a new kind is a driver (and, for a new family, a folder) plus one line.
 */

/** What a family's fault on one target will do, as data; `type` names the family. */
export interface FamilyPlan {
  type: string;
}

/**
 * How to undo a fault, as data: written to the run's ledger before the fault is injected, so the
 * watchdog or `faultline recover` can undo it even when the run that injected it is gone.
 */
export type FamilyRecipe = {
  type: string;
  /** Whatever the family needs to undo the fault (a plain JSON value: the ledger stores it). */
  [field: string]: unknown;
};

/** Shows a command run in a target's network namespace as a person would type it. */
export type Display = ((target: Target, argv: readonly string[]) => string) & {
  /** The way in the commands are shown for, when it is known (`faultline plan`), and its helper image. */
  way?: { via: Via; image?: string | undefined } | undefined;
};

/** What a run gives a family to inject with. */
export interface InjectContext {
  /** The platform the target was resolved on. */
  platform: Platform;
  /** The run's network state (the way into namespaces, each device's tc state); made on first use. */
  network(): NetworkContext;
}

/** What an undo from a recipe has: the Engine, and a way into namespaces made only when needed. */
export interface UndoContext {
  docker: DockerClient;
  runner(): Promise<NetnsRunner>;
}

/** Something faultline left in a container's network namespace, found by looking, with how to remove it. */
export interface Leftover {
  what: string;
  /** The run that left it, when it can be told (iptables chains carry it). */
  runId: string | undefined;
  commands: string[][];
  /**
   * Removes it another way than by commands in the namespace (e.g. from a helper container), when
   * set: resolves with why it could not, or undefined once it is gone.
   */
  remove?(): Promise<string | undefined>;
}

export interface FaultFamily<
  Plan extends FamilyPlan = FamilyPlan,
  Recipe extends FamilyRecipe = FamilyRecipe,
> {
  /** The `type` of its plans and recipes. */
  type: Plan['type'] & Recipe['type'];
  /** True when its faults act inside network namespaces (a way in is chosen, and the host checked). */
  netns: boolean;
  /**
   * The ways into a namespace its faults can work through, when not all of them: a run whose chosen
   * way is not among them is refused before anything is injected. A family that is not `netns` but
   * lists ways (process/) has a way chosen for its targets too, and reads it from `network().runner`.
   */
  ways?: readonly Via[] | undefined;
  /** The exact commands, as a person would run them: what `plan` prints. */
  describe(plan: Plan, target: Target, display: Display, devices?: readonly string[]): Described;
  /**
   * The addresses whose devices `describe` needs, when they are found only at injection time (the
   * planner looks them up when it can do so without changing anything).
   */
  devicesToFind?(plan: Plan): readonly string[] | undefined;
  /**
   * Checks, before anything of the run is injected, that its fault can be made from here (e.g. the
   * host's view of the target's processes, the Engine's cgroup setup); throws saying why not. `via`
   * is the run's way in, when one was chosen.
   */
  preflight?(plan: Plan, target: Target, platform: Platform, via?: Via): Promise<void>;
  /** Makes the fault; `announce` is called with the recipe before the first change. */
  inject(
    plan: Plan,
    target: Target,
    id: string,
    ctx: InjectContext,
    announce: Announce,
  ): Promise<InjectedFault>;
  /**
   * Undoes a fault from its recipe alone (the watchdog and `recover`, once the run is gone).
   * Idempotent: whatever is already undone is skipped.
   */
  undo(recipe: Recipe, target: Target, ctx: UndoContext): Promise<RevertOutcome>;
  /** How long after its intent a call of an injection may still land, when the run died before it answered. */
  settleMs(recipe: Recipe): number;
  /** How often an undo looks again while a call may still land. */
  settlePollMs: number;
  /** The host features a plan needs (the preflight checks them before anything is injected). */
  features(plan: Plan): Feature[];
  /** Every host feature its plans may need (doctor checks them all). */
  mayNeed: readonly Feature[];
  /** What it may have left in a namespace, found by looking (what `recover` scans for). */
  scan?(runner: NetnsRunner, target: Target, docker?: DockerClient): Promise<Leftover[]>;
}

export interface Described {
  actions: string[];
  reverts: string[];
}

/** One fault on one target, as a driver plans it. */
export interface PlannedFault {
  target: Target;
  faultId: string;
  fault: FamilyPlan;
}

/** What the planner lends a driver to plan one step. */
export interface StepPlanContext {
  /** The step's path, `method[2]`: targets are picked at random from a seed derived from it. */
  path: string;
  /** Where the step's spec is, for messages: `method[2].pause`. */
  where: string;
  runId: string;
  composeScope: string | undefined;
  /**
   * Running containers a selector names, picked with a seed derived from `key`; when there are none a
   * problem is recorded at `where` and none returned.
   */
  resolve(selector: TargetSelector, key: string, where: string): Target[];
  /** How a selector reads in the plan. */
  describeSelector(selector: TargetSelector): string;
  container(target: Target): ContainerSummary;
  peers: PeerResolver;
  nextId(): string;
  /** Records a problem that refuses the plan (before anything is injected). */
  problem(message: string, hint?: string): void;
}

export interface StepPlan {
  /** How the step's targets read: `{service: api}`, `[a] | [b]`. */
  selector: string;
  /** Said after the selector, e.g. ` (to 10.0.0.2/32)`. */
  qualifier?: string | undefined;
  faults: PlannedFault[];
}

/** One step kind: `pause`, `delay`, `partition`, … */
export interface FaultDriver<Kind extends string = string, Spec = unknown> {
  kind: Kind;
  family: FaultFamily;
  /** The step's shape, built on first use: the same as its step kind's (step-kind.ts), which reading a file uses. */
  schema: () => z.ZodType<Spec>;
  /** Resolves a step's targets and what it will do to each. Records problems rather than throwing. */
  plan(spec: Spec, ctx: StepPlanContext): StepPlan;
  /** The fault's duration, whether it runs in the background, and its own target limit. */
  common(spec: Spec): {
    durationMs?: number | undefined;
    background?: boolean | undefined;
    maxTargets?: number | undefined;
  };
}

/** Keeps a driver's literal kind and its spec type when it is declared. */
export function defineDriver<const Kind extends string, Spec>(
  driver: FaultDriver<Kind, Spec>,
): FaultDriver<Kind, Spec> {
  return driver;
}
