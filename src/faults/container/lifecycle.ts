import { type DockerClient, isNotFound } from '../../docker/client.js';
import type { Target } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { type Announce, type InjectedFault, inPlace, type RevertOutcome } from '../fault.js';
import { withRetry } from '../retry.js';
import type { ContainerRecipe } from './family.js';

export type ContainerFaultKind = 'kill' | 'stop' | 'pause' | 'restart';

export interface ContainerFaultSpec {
  kind: ContainerFaultKind;
  /** kill: the signal to send (default SIGKILL). */
  signal?: string | undefined;
  /** stop, restart: time between SIGTERM and SIGKILL. */
  graceMs?: number | undefined;
}

export const DEFAULT_GRACE_MS = 10_000;
const KILL_SETTLE_MS = 3000;

async function exited(docker: DockerClient, target: Target, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const state = await docker.inspect(target.id).catch(() => undefined);
    if (!state?.running) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Time the Engine needs past the call's own work to report the container's new state. */
const ENGINE_MARGIN_MS = 2000;

/**
 * How long after a fault's Docker call was sent it may still change the container if nobody waits
 * for its answer: a stop or restart takes up to its grace (then SIGKILL), a kill with a signal the
 * process handles is given KILL_SETTLE_MS to take effect, a pause and a SIGKILL land at once.
 */
export function settleMs(spec: ContainerFaultSpec): number {
  const requested = spec.graceMs ?? DEFAULT_GRACE_MS;
  // Docker takes the grace in whole seconds.
  const graceMs = Math.max(requested, Math.round(requested / 1000) * 1000);
  switch (spec.kind) {
    case 'stop':
      return graceMs + ENGINE_MARGIN_MS;
    case 'restart':
      return graceMs + 2 * ENGINE_MARGIN_MS;
    case 'kill':
      return (signal(spec) === 'SIGKILL' ? 0 : KILL_SETTLE_MS) + ENGINE_MARGIN_MS;
    case 'pause':
      return ENGINE_MARGIN_MS;
  }
}

/** The Docker call a fault makes, as data: `plan` prints it, the engine performs it. */
export function describeContainerFault(
  spec: ContainerFaultSpec,
  target: Target,
): { action: string; revert: string } {
  const grace = Math.round((spec.graceMs ?? DEFAULT_GRACE_MS) / 1000);
  switch (spec.kind) {
    case 'kill':
      return {
        action: `docker kill --signal ${signal(spec)} ${target.name}`,
        revert: `docker start ${target.name} (if not running)`,
      };
    case 'stop':
      return {
        action: `docker stop -t ${grace} ${target.name}`,
        revert: `docker start ${target.name} (if not running)`,
      };
    case 'pause':
      return { action: `docker pause ${target.name}`, revert: `docker unpause ${target.name} (if paused)` };
    case 'restart':
      return {
        action: `docker restart -t ${grace} ${target.name}`,
        revert: `docker start ${target.name} (if not running)`,
      };
  }
}

function signal(spec: ContainerFaultSpec): string {
  const name = (spec.signal ?? 'SIGKILL').toUpperCase();
  return name.startsWith('SIG') ? name : `SIG${name}`;
}

/** Injects one container fault into one target and returns its handle. Throws if Docker refuses. */
export async function injectContainerFault(
  docker: DockerClient,
  spec: ContainerFaultSpec,
  target: Target,
  id: string,
  announce: Announce = () => {},
): Promise<InjectedFault> {
  const recipe: ContainerRecipe = {
    type: 'container',
    action: spec.kind === 'pause' ? 'unpause' : 'start',
    settleMs: settleMs(spec),
  };
  announce(recipe);
  // Every target of a step announces (a flushed ledger write each) before any Docker call leaves, so
  // the time stamped below is when this target's call really starts, not when the last one announced.
  await new Promise((resolve) => setImmediate(resolve));
  // The fault is in effect from the moment its call starts: a restart's downtime, a stop's grace
  // period and a kill's wait for the exit all count as time the fault was in place.
  const injectedAt = new Date();
  const graceSeconds = Math.round((spec.graceMs ?? DEFAULT_GRACE_MS) / 1000);
  let detail: string;
  switch (spec.kind) {
    case 'kill':
      await docker.kill(target.id, signal(spec));
      detail = `killed with ${signal(spec)}`;
      // Docker returns before a catchable signal has taken effect; a revert that came too soon would
      // see "running" and leave the container to exit afterwards. Wait until it has exited, or say so.
      if (signal(spec) !== 'SIGKILL' && !(await exited(docker, target, KILL_SETTLE_MS))) {
        detail += ` (still running after ${formatDuration(KILL_SETTLE_MS)}: the process handled the signal)`;
      }
      break;
    case 'stop':
      await docker.stop(target.id, graceSeconds);
      detail = `stopped (grace ${formatDuration(graceSeconds * 1000)})`;
      break;
    case 'pause':
      await docker.pause(target.id);
      detail = 'paused';
      break;
    case 'restart':
      await docker.restart(target.id, graceSeconds);
      detail = 'restarted';
      break;
  }
  const action = spec.kind === 'pause' ? 'unpause' : 'start';
  const revert = () => revertWith(() => undoContainer(action, target, docker));
  return inPlace({
    id,
    kind: spec.kind,
    target,
    injectedAt,
    detail,
    remedy: spec.kind === 'pause' ? `docker unpause ${target.name}` : `docker start ${target.name}`,
    revert,
  });
}

/**
 * Undoes a container fault from the container's state alone (used by the run, its watchdog and
 * `faultline recover`): unpause what is paused, start what is not running. Throws Docker errors.
 */
export async function undoContainer(
  action: 'unpause' | 'start',
  target: Target,
  docker: DockerClient,
): Promise<RevertOutcome> {
  const state = await docker.inspect(target.id);
  if (action === 'unpause') {
    if (!state.paused) return { status: 'already-reverted', detail: `not paused (${state.state})` };
    await docker.unpause(target.id);
    return { status: 'reverted', detail: 'unpaused' };
  }
  if (state.running || state.restarting) {
    return { status: 'already-reverted', detail: state.restarting ? 'restarting on its own' : 'running' };
  }
  await docker.start(target.id);
  return { status: 'reverted', detail: 'started' };
}

/** Retries transient Docker errors; a container that is gone has nothing left to revert. */
export async function revertWith(operation: () => Promise<RevertOutcome>): Promise<RevertOutcome> {
  try {
    return await withRetry(operation);
  } catch (error) {
    if (isNotFound(error))
      return { status: 'target-gone', detail: 'the container was removed; nothing to revert' };
    return { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}
