import path from 'node:path';
import { type DockerClient, isNotFound } from '../../docker/client.js';
import { errorMessage } from '../../errors.js';
import { verifiedPid } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { RevertOutcome } from '../fault.js';
import type { DiskRecipe } from './family.js';
import { removeFill } from './fill.js';
import { formatBytes, hostPath, resolveInRoot } from './locate.js';

/** The command that removes a fill file by hand, from the Docker host. */
export function removeCommand(target: Target, file: string): string {
  return `rm -f "/proc/$(docker inspect -f '{{.State.Pid}}' ${target.name})/root${file}"`;
}

function failed(recipe: DiskRecipe, target: Target, why: string): RevertOutcome {
  return {
    status: 'failed',
    detail: `fill file ${recipe.file} (${formatBytes(recipe.bytes)}) left in ${target.name}: ${why}`,
  };
}

/** A file-system error in a few words, without the host path it was reached by. */
const shortly = (error: unknown) => errorMessage(error).split(', ')[0]!;

/**
 * Removes a fill file from its recipe alone (the run's revert, the watchdog and `recover`). A target
 * that was removed took a file on its own filesystem with it, but not one on a volume.
 */
export async function undoFill(
  docker: DockerClient,
  target: Target,
  recipe: DiskRecipe,
): Promise<RevertOutcome> {
  let pid: number;
  try {
    const details = await docker.inspect(target.id);
    if (!details.running) return failed(recipe, target, `${target.name} is ${details.state}; start it first`);
    pid = await verifiedPid(docker, target);
  } catch (error) {
    if (!isNotFound(error)) return failed(recipe, target, errorMessage(error));
    if (recipe.mount === '/')
      return { status: 'target-gone', detail: 'the container was removed, and its fill file with it' };
    return {
      status: 'failed',
      detail: `the container was removed, but its fill file may remain on the volume it had at ${recipe.mount}: remove ${path.posix.basename(recipe.file)} from that volume`,
    };
  }
  try {
    // The directory is looked up again inside the target: a link put in its place is not followed out.
    const dir = path.posix.dirname(recipe.file);
    if ((await resolveInRoot(hostPath(pid, '/'), dir)) !== dir)
      return failed(recipe, target, `${dir} is no longer the directory the fill was written to`);
    const removed = await removeFill(hostPath(pid, recipe.file));
    return removed === 'removed'
      ? { status: 'reverted', detail: `removed ${recipe.file} (${formatBytes(recipe.bytes)})` }
      : { status: 'already-reverted', detail: `${recipe.file} is not there` };
  } catch (error) {
    const immutable =
      (error as NodeJS.ErrnoException).code === 'EPERM' ? ' (chattr -i it first if it is immutable)' : '';
    return failed(recipe, target, `cannot remove it: ${shortly(error)}${immutable}`);
  }
}
