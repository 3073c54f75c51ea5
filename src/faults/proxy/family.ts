import { RULE_GONE } from '../../network/gone.js';
import { quote } from '../../network/netns-runner.js';
import { type NetworkContext, NetworkInjectionError } from '../../network/network-fault.js';
import type { Target } from '../../targets/target.js';
import type { Display, FaultFamily, InjectContext, UndoContext } from '../driver.js';
import { type Announce, type InjectedFault, inPlace, type RevertOutcome } from '../fault.js';
import { NETWORK_SETTLE_MS, runRemoval } from '../netns-undo.js';
import { describeHttp, describeToxic } from './actions.js';
import type { ProxyConfig } from './config.js';
import { describeExisting, type ExistingMode, resetExisting } from './existing.js';
import { stopMarked } from './find.js';
import { type ProxyContainer, proxyContainer, removeProxyContainers } from './helper-start.js';
import { prepareLaunch, refuseExec, removeDir } from './launch.js';
import { notHttpProblem } from './problems.js';
import { type NatRuleSet, natApplyCommands, natRevertCommands } from './rules.js';
import { proxyScan } from './scan.js';
import { proxyMarker, type StartedProxy } from './start.js';

/** A proxy fault on one target: the proxy's configuration, and the nat rules that steer traffic to it. */
export interface ProxyPlan {
  type: 'proxy';
  kind: string;
  faultId: string;
  config: ProxyConfig;
  sets: NatRuleSet[];
  /** Connections opened before the fault: reset (the default when absent) or kept. */
  existing?: ExistingMode | undefined;
}

export type ProxyRecipe = {
  type: 'proxy';
  /** The iptables binary of the namespace's backend (IPv4: proxy faults reach IPv4 peers only). */
  ipv4: string;
  sets: NatRuleSet[];
  /** The last arguments of the proxy's command line: `faultline-proxy <run> <fault>`. */
  marker: string[];
  /** The nsenter way: the folder holding the proxy's configuration and output, removed once it is stopped. */
  dir?: string | undefined;
  /** The helper way: the proxy's container, named before it is created. */
  container?: ProxyContainer | undefined;
};

/** One line for the plan: where the proxy listens, where it forwards, and what it does. */
export function describeConfig(config: ProxyConfig): string {
  const routes = config.listeners.map(
    (listener) =>
      `${listener.listen.host}:${listener.listen.port} -> ${listener.upstream.host}:${listener.upstream.port}`,
  );
  const first = config.listeners[0];
  const does =
    first?.http?.map(describeHttp) ??
    first?.toxics?.map((toxic) => describeToxic(toxic, first.percent ?? 100)) ??
    [];
  return `faultline-proxy ${first?.protocol ?? 'tcp'} ${routes.join(', ')}: ${does.join('; ')}`;
}

function describe(plan: ProxyPlan, target: Target, display: Display) {
  const marker = proxyMarker(plan.config.runId, plan.faultId).join(' ');
  return {
    actions: [
      `start ${describeConfig(plan.config)} (${marker})`,
      ...plan.sets.flatMap((set) =>
        natApplyCommands(set).map((argv) => display(target, ['iptables', ...argv])),
      ),
      ...describeExisting(plan.config, plan.existing, target, display),
    ],
    reverts: [
      ...plan.sets.flatMap((set) =>
        natRevertCommands(set).map((argv) => display(target, ['iptables', ...argv])),
      ),
      `stop the proxy: SIGTERM to the process whose command line ends with ${marker} (--via helper: docker stop and rm ${proxyContainer(plan.config.runId, plan.faultId).name})`,
    ],
  };
}

const removalGroups = (recipe: ProxyRecipe) =>
  recipe.sets.map((set) => natRevertCommands(set).map((argv) => [recipe.ipv4, ...argv]));

async function inject(
  plan: ProxyPlan,
  target: Target,
  id: string,
  ctx: InjectContext,
  announce: Announce,
): Promise<InjectedFault> {
  const context = ctx.network();
  refuseExec(context.runner);
  const backend = await context.backend(target);
  const marker = proxyMarker(plan.config.runId, plan.faultId);
  const launch = await prepareLaunch(plan.config, plan.faultId, target, ctx, context.runner, marker);
  const recipe: ProxyRecipe = {
    type: 'proxy',
    ipv4: backend.ipv4,
    sets: plan.sets,
    marker,
    ...launch.recipe,
  };
  announce(recipe);
  let proxy: StartedProxy | undefined;
  const applied: NatRuleSet[] = [];
  try {
    proxy = await launch.start();
    for (const set of plan.sets) {
      applied.push(set);
      for (const argv of natApplyCommands(set)) {
        const result = await context.runner.run(target, [backend.ipv4, ...argv]);
        if (result.exitCode !== 0) {
          throw new NetworkInjectionError(
            `${backend.ipv4} ${quote(argv)} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
          );
        }
      }
    }
  } catch (error) {
    const partial = { ...recipe, sets: applied.reverse() };
    await runRemoval(context.runner, target, removalGroups(partial), RULE_GONE, { keepGoing: true });
    await proxy?.stop().catch(() => undefined);
    await launch.cleanup();
    throw error instanceof Error && !(error instanceof NetworkInjectionError)
      ? new NetworkInjectionError(error.message)
      : error;
  }
  const existing = await resetExisting(context.runner, target, plan.config, plan.existing);
  const started = proxy;
  const revert = () => liveRevert(context, target, recipe, started, plan.config);
  return inPlace({
    id,
    kind: plan.kind,
    target,
    injectedAt: new Date(),
    detail: `proxy ${started.where} on port ${plan.config.listeners.map((listener) => listener.listen.port).join(', ')}; nat chain ${plan.sets.map((set) => set.chain).join(', ')}${existing.detail && `; ${existing.detail}`}`,
    warnings: existing.warnings,
    remedy: [
      ...removalGroups(recipe)
        .flat()
        .map((argv) => context.runner.display(target, argv)),
      started.remedy,
    ].join(' && '),
    revert,
  });
}

/**
 * The run's own revert: the rules first (traffic flows directly again), then the proxy drains and stops.
 * Traffic the proxy could not fault (not HTTP) is the outcome's problem.
 */
async function liveRevert(
  context: NetworkContext,
  target: Target,
  recipe: ProxyRecipe,
  proxy: StartedProxy,
  config: ProxyConfig,
): Promise<RevertOutcome> {
  const outcome = await stopAll(context, target, recipe, proxy);
  const problem = notHttpProblem(config, await proxy.events().catch(() => []));
  if (outcome.status !== 'failed') await removeDir(recipe.dir);
  return problem ? { ...outcome, problem } : outcome;
}

async function stopAll(
  context: NetworkContext,
  target: Target,
  recipe: ProxyRecipe,
  proxy: StartedProxy,
): Promise<RevertOutcome> {
  const removal = await runRemoval(context.runner, target, removalGroups(recipe), RULE_GONE, {
    keepGoing: true,
    show: (argv) => `${argv[0]!} ${quote(argv.slice(1))}`,
  });
  const failures = [...removal.failures];
  const stopped = await proxy.stop().catch((error: Error) => {
    failures.push(error.message);
    return undefined;
  });
  if (failures.length > 0) return { status: 'failed', detail: failures.join('; ') };
  if (removal.missing)
    return {
      status: 'target-gone',
      detail: 'its rules were already gone (the container stopped or restarted)',
    };
  return {
    status: 'reverted',
    detail: `removed chain ${recipe.sets.map((set) => set.chain).join(', ')}; proxy ${stopped === 'stopped' ? 'stopped' : 'had already exited'}`,
  };
}

/**
 * Undo from the recipe: the nat chains first (traffic flows directly again), then the proxy: its
 * container (the helper way, whatever way the undo goes in by), or every process carrying the fault's
 * marker (the nsenter way).
 */
async function undo(recipe: ProxyRecipe, target: Target, ctx: UndoContext): Promise<RevertOutcome> {
  const runner = await ctx.runner();
  const removal = await runRemoval(runner, target, removalGroups(recipe), RULE_GONE, { retry: true });
  if (removal.failures.length > 0) return { status: 'failed', detail: removal.failures[0]! };
  if (recipe.container) return undoContainer(recipe.container, removal.removed, ctx);
  if (runner.via !== 'nsenter') {
    return {
      status: 'failed',
      detail: `removed its nat rules, but the proxy (${recipe.marker.join(' ')}) runs on the Docker host, which the ${runner.via} way cannot see: run \`faultline recover --via nsenter\` as root on the Docker host`,
    };
  }
  const stop = await stopMarked(runner, target, recipe.marker, { graceMs: 3000 });
  if (stop.failures.length > 0) return { status: 'failed', detail: stop.failures[0]! };
  await removeDir(recipe.dir);
  if (removal.removed === 0 && stop.stopped.length === 0)
    return { status: 'already-reverted', detail: 'nothing of it was left' };
  const what = [
    ...(removal.removed > 0 ? ['removed nat rules'] : []),
    ...(stop.stopped.length > 0 ? [`stopped proxy pid ${stop.stopped.join(', ')}`] : []),
  ];
  return { status: 'reverted', detail: what.join('; ') };
}

async function undoContainer(
  container: ProxyContainer,
  rulesRemoved: number,
  ctx: UndoContext,
): Promise<RevertOutcome> {
  let removed: string[];
  try {
    removed = await removeProxyContainers(ctx.docker, container);
  } catch (error) {
    return {
      status: 'failed',
      detail: `${rulesRemoved > 0 ? 'removed nat rules, but ' : ''}could not remove the proxy container ${container.name}: ${(error as Error).message}`,
    };
  }
  if (rulesRemoved === 0 && removed.length === 0)
    return { status: 'already-reverted', detail: 'nothing of it was left' };
  const what = [
    ...(rulesRemoved > 0 ? ['removed nat rules'] : []),
    ...(removed.length > 0 ? [`removed proxy container ${removed.join(', ')}`] : []),
  ];
  return { status: 'reverted', detail: what.join('; ') };
}

/** HTTP faults and TCP toxics through a proxy in the target's namespace, steered by nat rules. */
export const proxyFamily: FaultFamily<ProxyPlan, ProxyRecipe> = {
  type: 'proxy',
  netns: true,
  // Not exec: the target's own image rarely has node.
  ways: ['nsenter', 'helper'],
  describe,
  inject,
  undo,
  // iptables waits up to 5 s for its lock; a proxy spawned by a dead run comes up within its ready timeout.
  settleMs: () => NETWORK_SETTLE_MS,
  settlePollMs: 250,
  // The preflight checks no nat table or REDIRECT target yet: a host without them fails the injection
  // with iptables' own message (and nothing left behind).
  features: (plan) => [
    'iptables',
    'comment',
    'redirect',
    ...(plan.existing === 'keep' ? [] : (['ss'] as const)),
  ],
  mayNeed: ['iptables', 'comment', 'redirect', 'ss'],
  scan: proxyScan,
};
