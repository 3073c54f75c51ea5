import type { Target } from '../../targets/target.js';
import type { FaultFamily } from '../driver.js';
import { inPlace, type RevertOutcome } from '../fault.js';
import { type HostProcess, readProcess } from './host-process.js';
import { describeMatch, type ProcessMatch } from './select.js';
import { continueAll, findProcesses, HostProcessUnavailable, signalAll } from './signal.js';

/** A signal to processes of one target, as data. */
export interface ProcessPlan {
  type: 'process';
  signal: NodeJS.Signals;
  match: ProcessMatch;
}

export type ProcessRecipe = {
  type: 'process';
  signal: string;
  /** SIGSTOP: the processes stopped (host PID and start time), continued by the undo. */
  stopped: HostProcess[];
};

/** Only SIGSTOP is held (and undone with SIGCONT); every other signal takes effect at once. */
const held = (signal: string) => signal === 'SIGSTOP';

const instantaneous = (signal: string): RevertOutcome => ({
  status: 'already-reverted',
  detail: `nothing to undo: ${signal} takes effect at once`,
});

/** Signals to processes inside a container, found with the Engine's top API and sent from the host. */
export const processFamily: FaultFamily<ProcessPlan, ProcessRecipe> = {
  type: 'process',
  netns: false,
  describe(plan: ProcessPlan, target: Target) {
    const flag = plan.signal.replace(/^SIG/, '');
    return {
      actions: [
        `kill -${flag} <host PIDs of ${describeMatch(plan.match)} in ${target.name}> (found with docker top ${target.name} -o pid,comm,args; sent on the Docker host)`,
      ],
      reverts: held(plan.signal)
        ? ['kill -CONT <those PIDs> (each only if it is still the same process, by its start time)']
        : [`nothing: ${plan.signal} takes effect at once`],
    };
  },
  async preflight(_plan, target, platform) {
    const details = await platform.engine.inspect(target.id);
    // The Engine's host PIDs name the target's processes here only if this is its host's PID view.
    if (!readProcess(details.pid)?.cgroups.includes(details.id)) {
      throw new HostProcessUnavailable(
        `the processes of ${target.name} are not visible from here (its first process, host PID ${details.pid}, is not in its cgroup as this host sees it)`,
      );
    }
  },
  async inject(plan, target, id, ctx, announce) {
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
  undo: async (recipe) => (held(recipe.signal) ? continueAll(recipe.stopped) : instantaneous(recipe.signal)),
  settleMs: () => 0,
  settlePollMs: 100,
  mayNeed: [],
  features: () => [],
};
