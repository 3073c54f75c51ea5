import { HelperRunner, type Via } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { Display, FaultFamily, InjectContext } from '../driver.js';
import { inPlace, type RevertOutcome } from '../fault.js';
import { continueViaHelper, signalViaHelper } from './helper-signal.js';
import { describeHelper, type HelperWay } from './helper-way.js';
import { type HostProcess, readProcess } from './host-process.js';
import { describeMatch, type ProcessMatch } from './select.js';
import { continueAll, findProcesses, HostProcessUnavailable, signalAll } from './signal.js';

/** A signal to processes of one target, as data. */
export interface ProcessPlan {
  type: 'process';
  signal: NodeJS.Signals;
  match: ProcessMatch;
  /** The run's id, which a helper container of the helper way is labelled with. */
  runId: string;
}

export type ProcessRecipe = {
  type: 'process';
  signal: string;
  /**
   * SIGSTOP: the processes stopped (PID and start time), continued by the undo. Their PIDs are the
   * Docker host's, or with `helper` the ones inside the target's PID namespace.
   */
  stopped: HostProcess[];
  /** Set when they were signalled from a helper container: its image and labels, for the undo. */
  helper?: HelperWay | undefined;
};

/** How long after its intent a helper's signal may still land when the run died meanwhile. */
const HELPER_SETTLE_MS = 3_000;

/** Only SIGSTOP is held (and undone with SIGCONT); every other signal takes effect at once. */
const held = (signal: string) => signal === 'SIGSTOP';

const instantaneous = (signal: string): RevertOutcome => ({
  status: 'already-reverted',
  detail: `nothing to undo: ${signal} takes effect at once`,
});

function describeWay(plan: ProcessPlan, target: Target, display: Display): string {
  const flag = plan.signal.replace(/^SIG/, '');
  const what = describeMatch(plan.match);
  const way = display.way;
  if (way?.via === 'helper') {
    return `kill -${flag} <PIDs of ${what} in ${target.name}, inside its PID namespace> (listed from /proc and sent from a helper: ${describeHelper(way.image ?? '<helper image>', target.name)})`;
  }
  const host = `kill -${flag} <host PIDs of ${what} in ${target.name}> (found with docker top ${target.name} -o pid,comm,args; sent on the Docker host`;
  return way
    ? `${host})`
    : `${host} with --via nsenter, or from a helper in its PID namespace with --via helper)`;
}

/** The run's way in for this fault, and the helper it would use. */
function wayOf(ctx: InjectContext): { via: Via; image?: string | undefined } {
  const runner = ctx.network()?.runner;
  if (runner instanceof HelperRunner) return { via: 'helper', image: runner.image };
  return { via: runner?.via ?? 'nsenter' };
}

/**
 * Signals to processes inside a container: through the nsenter way found with the Engine's top API and
 * sent from the Docker host; through the helper way listed and sent from a helper container sharing the
 * target's PID namespace.
 */
export const processFamily: FaultFamily<ProcessPlan, ProcessRecipe> = {
  type: 'process',
  netns: false,
  ways: ['nsenter', 'helper'],
  describe(plan: ProcessPlan, target: Target, display: Display) {
    return {
      actions: [describeWay(plan, target, display)],
      reverts: held(plan.signal)
        ? ['kill -CONT <those PIDs> (each only if it is still the same process, by its start time)']
        : [`nothing: ${plan.signal} takes effect at once`],
    };
  },
  async preflight(_plan, target, platform, via) {
    if (via === 'helper') return;
    const details = await platform.engine.inspect(target.id);
    // The Engine's host PIDs name the target's processes here only if this is its host's PID view.
    if (!readProcess(details.pid)?.cgroups.includes(details.id)) {
      throw new HostProcessUnavailable(
        `the processes of ${target.name} are not visible from here (its first process, host PID ${details.pid}, is not in its cgroup as this host sees it)`,
      );
    }
  },
  async inject(plan, target, id, ctx, announce) {
    const way = wayOf(ctx);
    if (way.via === 'helper') {
      const helper = { image: way.image!, runId: plan.runId, faultId: id };
      const done = await signalViaHelper(
        ctx.platform.engine,
        helper,
        target,
        { signal: plan.signal, match: plan.match, held: held(plan.signal) },
        (stopped) => announce({ type: 'process', signal: plan.signal, stopped, helper }),
      );
      return inPlace({
        id,
        kind: 'signal',
        target,
        injectedAt: new Date(),
        detail: done.detail,
        remedy: held(plan.signal)
          ? `${describeHelper(helper.image, target.name)} kill -CONT ${done.stopped.map((entry) => entry.pid).join(' ')}`
          : 'nothing to undo',
        revert: async () =>
          held(plan.signal)
            ? continueViaHelper(ctx.platform.engine, helper, target, done.stopped)
            : instantaneous(plan.signal),
      });
    }
    const processes = await findProcesses(ctx.platform.engine, plan.match, target);
    const stopped = held(plan.signal)
      ? processes.map(({ pid, startTicks, comm }) => ({ pid, startTicks, comm }))
      : [];
    announce({ type: 'process', signal: plan.signal, stopped });
    const injectedAt = new Date();
    const detail = signalAll(processes, plan.signal);
    const pids = stopped.map((entry) => entry.pid).join(' ');
    return inPlace({
      id,
      kind: 'signal',
      target,
      injectedAt,
      detail,
      remedy: held(plan.signal) ? `kill -CONT ${pids} (on the Docker host)` : 'nothing to undo',
      revert: async () => (held(plan.signal) ? continueAll(stopped) : instantaneous(plan.signal)),
    });
  },
  async undo(recipe, target, ctx) {
    if (!held(recipe.signal)) return instantaneous(recipe.signal);
    if (recipe.helper) return continueViaHelper(ctx.docker, recipe.helper, target, recipe.stopped);
    return continueAll(recipe.stopped);
  },
  // A helper's kill, once asked for, runs on in the helper even when the run died waiting for it.
  settleMs: (recipe) => (recipe.helper ? HELPER_SETTLE_MS : 0),
  settlePollMs: 100,
  mayNeed: [],
  features: () => [],
};
