import { type ContainerDetails, type DockerClient, isNotFound } from '../docker/client.js';
import { EnvironmentError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { describePidMismatch, type PidView, PROC_ROOT, viewPid } from './target-pid.js';

/** The target is not running (stopped, restarted into a new namespace, removed): its rules are gone. */
export class TargetGoneError extends Error {}

export class NetnsUnavailableError extends EnvironmentError {
  constructor(message: string, hint: string) {
    super('NETNS_UNAVAILABLE', message, { hint });
  }
}

export async function inspectRunning(docker: DockerClient, target: Target): Promise<ContainerDetails> {
  try {
    const details = await docker.inspect(target.id);
    if (!details.running || details.pid <= 0) throw new TargetGoneError(`${target.name} is ${details.state}`);
    return details;
  } catch (error) {
    if (isNotFound(error)) throw new TargetGoneError(`${target.name} no longer exists`);
    throw error;
  }
}

export async function pidOf(docker: DockerClient, target: Target): Promise<number> {
  return (await inspectRunning(docker, target)).pid;
}

export const PID_NAMESPACE_HINT =
  "Use --via helper, or run faultline's container with --pid=host so that it sees the containers' processes.";

/** nsenter cannot be trusted with this target's pid: it would enter another process's namespace. */
export function pidMismatchError(
  view: Exclude<PidView, { kind: 'own' }>,
  target: Target,
  doing: string,
): NetnsUnavailableError {
  return new NetnsUnavailableError(
    `${doing}: ${describePidMismatch(view, target)}; inside a container?`,
    PID_NAMESPACE_HINT,
  );
}

/**
 * The Engine's pid for a running target, once this process has seen that the pid is the target's own
 * (its cgroup names the container). A target that stopped meanwhile is gone; one that restarted is
 * looked at again under its new pid; any other mismatch is refused, never entered.
 */
export async function verifiedPid(
  docker: DockerClient,
  target: Target,
  procRoot = PROC_ROOT,
): Promise<number> {
  let details = await inspectRunning(docker, target);
  for (let attempt = 0; ; attempt++) {
    const view = await viewPid(details.pid, details.id, procRoot);
    if (view.kind === 'own') return view.pid;
    const again = await inspectRunning(docker, target);
    if (again.pid === details.pid || attempt > 0) {
      throw pidMismatchError(view, target, `refusing to run nsenter for ${target.name}`);
    }
    details = again;
  }
}

/**
 * Each target's verified pid, kept for the run so that a command does not cost an Engine call. Before
 * each use the pid is looked at again here, one read of /proc/<pid>/cgroup: while the process there is
 * still in the target's cgroup it is the target's (a container's first process lives as long as its
 * namespace). Otherwise (the target stopped, restarted under a new pid, or its pid went to another
 * process) the Engine is asked again, exactly as without the cache: gone, new pid, or refused.
 */
export class TargetPids {
  private readonly pids: Map<string, number>;

  /** `known`: pids found earlier (by target id), used only once /proc confirms them as for any other. */
  constructor(
    private readonly docker: DockerClient,
    private readonly procRoot = PROC_ROOT,
    known: ReadonlyMap<string, number> = new Map(),
  ) {
    this.pids = new Map(known);
  }

  async pidOf(target: Target): Promise<number> {
    const known = this.pids.get(target.id);
    if (known !== undefined) {
      if ((await viewPid(known, target.id, this.procRoot)).kind === 'own') return known;
      this.pids.delete(target.id);
    }
    const pid = await verifiedPid(this.docker, target, this.procRoot);
    this.pids.set(target.id, pid);
    return pid;
  }
}
