import type { DockerClient } from '../../docker/client.js';
import { TargetGoneError } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { RevertOutcome } from '../fault.js';
import { type HelperWay, HelperWayError, type NsHelper, withHelper } from './helper-way.js';
import type { HostProcess } from './host-process.js';
import { initTakes, type NsProcess } from './ns-listing.js';
import { NoProcessMatched, type ProcessMatch, pickProcesses } from './select.js';
import { continuedOutcome, show } from './signal.js';

/**
 * A signal step through the helper way: the processes are picked by the same rules as through the
 * host (name or pattern, count or all, PID 1 only when asked), among the target's processes as the
 * helper lists them, with their PIDs inside the target's namespace; each is signalled only while its
 * start time is the one listed, so a process that exited meanwhile is skipped and no other is hit.
 */

/** The kernel ignores, from inside a PID namespace, a signal to its init that the init does not handle. */
function checkInit(picked: readonly NsProcess[], signal: string, target: Target): void {
  const init = picked.find((entry) => entry.pid === 1);
  if (!init || initTakes(init, signal)) return;
  throw new NoProcessMatched(
    `the helper way cannot send ${signal} to the main process of ${target.name} (${init.comm}, PID 1 in the container): the kernel lets processes inside a PID namespace signal its first process only with signals it handles${signal === 'SIGSTOP' || signal === 'SIGKILL' ? `, and ${signal} is never handled` : ''}. Use a pause or kill step for the main process, or --via nsenter`,
  );
}

export interface HelperSignalled {
  detail: string;
  /** Held signals: the processes stopped, PIDs inside the target's namespace. */
  stopped: HostProcess[];
}

/**
 * Lists and picks the target's processes in a helper, calls `announce` with what will be stopped, then
 * signals them. On a refusal, continues those already stopped and throws.
 */
export async function signalViaHelper(
  docker: DockerClient,
  way: HelperWay,
  target: Target,
  request: { signal: string; match: ProcessMatch; held: boolean },
  announce: (stopped: HostProcess[]) => void,
): Promise<HelperSignalled> {
  return withHelper(docker, way, target, async (helper) => {
    const listed = (await helper.list()).filter((entry) => entry.inTarget);
    const picked = pickProcesses(listed, 1, request.match, target.name) as NsProcess[];
    checkInit(picked, request.signal, target);
    const stopped = request.held
      ? picked.map(({ pid, startTicks, comm }) => ({ pid, startTicks, comm }))
      : [];
    announce(stopped);
    const result = await helper.signal(request.signal, picked);
    const sent = picked.filter((entry) => result.sent.includes(entry.pid));
    const refused = result.refused[0];
    if (refused) {
      if (request.held) await helper.signal('SIGCONT', sent, true).catch(() => undefined);
      const entry = picked.find((candidate) => candidate.pid === refused.pid);
      throw new HelperWayError(
        `the kernel refused ${request.signal} to ${show([entry ?? refused])} (from the helper): ${refused.why}`,
      );
    }
    return {
      detail:
        sent.length === 0
          ? 'the processes exited before the signal'
          : `${request.signal} sent to ${show(sent)} (PIDs in the container, from a helper)`,
      stopped: stopped.filter((entry) => result.sent.includes(entry.pid)),
    };
  });
}

async function continueIn(helper: NsHelper, stopped: readonly HostProcess[]): Promise<RevertOutcome> {
  const result = await helper.signal('SIGCONT', stopped, true);
  const refused = result.refused[0];
  if (refused) return { status: 'failed', detail: `SIGCONT to ${refused.pid} refused: ${refused.why}` };
  const pick = (pids: number[]) => stopped.filter((entry) => pids.includes(entry.pid));
  return continuedOutcome(pick(result.sent), pick(result.gone), stopped.length);
}

/**
 * Continues, from a helper in the target's PID namespace, the processes a held signal stopped that are
 * still the same and still stopped. Idempotent; a target that is gone took its processes with it.
 */
export async function continueViaHelper(
  docker: DockerClient,
  way: HelperWay,
  target: Target,
  stopped: readonly HostProcess[],
): Promise<RevertOutcome> {
  if (stopped.length === 0)
    return { status: 'already-reverted', detail: 'no process of the fault is stopped' };
  try {
    return await withHelper(docker, way, target, (helper) => continueIn(helper, stopped));
  } catch (error) {
    if (error instanceof TargetGoneError) {
      return { status: 'target-gone', detail: `${error.message}: the stopped processes are gone with it` };
    }
    return {
      status: 'failed',
      detail: `could not continue ${show(stopped)} (PIDs in ${target.name}) from a helper: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
