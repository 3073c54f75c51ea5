import type { DockerClient } from '../../docker/client.js';
import type { Target } from '../../targets/target.js';
import type { RevertOutcome } from '../fault.js';
import { type HostProcess, readProcess, sameProcess, sendSignal } from './host-process.js';
import { type ListedProcess, type ProcessMatch, PS_ARGS, parseTop, pickProcesses } from './select.js';

/** Why a signal step cannot send its signal from here; nothing has been signalled. */
export class HostProcessUnavailable extends Error {
  constructor(message: string) {
    super(
      `${message}. Through the nsenter way a signal step finds the processes with the Engine's top API and signals them with kill(2) on the Docker host: run faultline there (a local socket, not in a container) as root, or use --via helper to signal them from a helper container in the target's PID namespace.`,
    );
    this.name = 'HostProcessUnavailable';
  }
}

export const show = (processes: readonly { pid: number; comm?: string | undefined }[]) =>
  processes.map((entry) => (entry.comm ? `${entry.comm}[${entry.pid}]` : String(entry.pid))).join(', ');

/** The processes a step picks in a target, checked to be the target's processes on this host. */
export async function findProcesses(
  docker: DockerClient,
  match: ProcessMatch,
  target: Target,
): Promise<(ListedProcess & HostProcess)[]> {
  const details = await docker.inspect(target.id);
  const picked = pickProcesses(
    parseTop(await docker.top(target.id, PS_ARGS)),
    details.pid,
    match,
    target.name,
  );
  return picked.map((entry) => {
    const here = readProcess(entry.pid);
    // The Engine's host PID names the same process here only if it is in the target's cgroup.
    if (!here?.cgroups.includes(details.id)) {
      throw new HostProcessUnavailable(
        `process ${entry.comm}[${entry.pid}] of ${target.name} is not visible from here as a process of that container`,
      );
    }
    return { ...entry, startTicks: here.startTicks };
  });
}

/** Sends `signal` to each process; on a refusal, continues those already stopped and throws. */
export function signalAll(
  processes: readonly (ListedProcess & HostProcess)[],
  signal: NodeJS.Signals,
): string {
  const sent: (ListedProcess & HostProcess)[] = [];
  for (const entry of processes) {
    if (!sameProcess(entry)) continue;
    const refused = sendSignal(entry.pid, signal);
    if (refused === 'ESRCH') continue;
    if (refused !== undefined) {
      if (signal === 'SIGSTOP') continueAll(sent);
      throw new HostProcessUnavailable(`the kernel refused ${signal} to ${show([entry])}: ${refused}`);
    }
    sent.push(entry);
  }
  return sent.length === 0 ? 'the processes exited before the signal' : `${signal} sent to ${show(sent)}`;
}

/**
 * Continues the stopped processes of a recipe that are still the same processes and still stopped.
 * Idempotent: a process running again, or gone, is left alone.
 */
export function continueAll(processes: readonly HostProcess[]): RevertOutcome {
  const continued: HostProcess[] = [];
  const gone: HostProcess[] = [];
  for (const entry of processes) {
    const now = sameProcess(entry);
    if (!now) {
      gone.push(entry);
      continue;
    }
    // Not stopped (yet): SIGCONT all the same, which also clears a SIGSTOP it has not taken yet.
    if (now.state !== 'T') {
      sendSignal(entry.pid, 'SIGCONT');
      continue;
    }
    const refused = sendSignal(entry.pid, 'SIGCONT');
    if (refused === 'ESRCH') gone.push(entry);
    else if (refused !== undefined)
      return { status: 'failed', detail: `SIGCONT to ${entry.pid} refused: ${refused}` };
    else continued.push(entry);
  }
  return continuedOutcome(continued, gone, processes.length);
}

/** What continuing a fault's stopped processes came to: some continued, all gone, or nothing to do. */
export function continuedOutcome(
  continued: readonly { pid: number; comm?: string | undefined }[],
  gone: readonly { pid: number; comm?: string | undefined }[],
  total: number,
): RevertOutcome {
  if (continued.length > 0) return { status: 'reverted', detail: `continued ${show(continued)}` };
  if (total > 0 && gone.length === total) {
    return { status: 'target-gone', detail: `the stopped processes are gone (${show(gone)})` };
  }
  return { status: 'already-reverted', detail: 'no process of the fault is stopped' };
}
