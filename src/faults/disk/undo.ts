import path from 'node:path';
import { type DockerClient, isNotFound } from '../../docker/client.js';
import { errorMessage } from '../../errors.js';
import { quote, verifiedPid } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { RevertOutcome } from '../fault.js';
import type { DiskRecipe } from './family.js';
import { helperCommand, runAgent } from './helper.js';
import { formatBytes } from './locate.js';
import { type Removal, removeFillIn } from './remove.js';

/** The command that removes a fill file by hand: from the Docker host, or from a helper as it was made. */
export function removeCommand(target: Target, recipe: DiskRecipe): string {
  if (recipe.helper) {
    const script = `require("fs").rmSync(${JSON.stringify(`/proc/1/root${recipe.file}`)}, {force: true})`;
    return helperCommand(recipe.helper.image, target, quote(['node', '-e', script]));
  }
  return `rm -f "/proc/$(docker inspect -f '{{.State.Pid}}' ${target.name})/root${recipe.file}"`;
}

function failed(recipe: DiskRecipe, target: Target, why: string): RevertOutcome {
  return {
    status: 'failed',
    detail: `fill file ${recipe.file} (${formatBytes(recipe.bytes)}) left in ${target.name}: ${why}`,
  };
}

/** A file-system error in a few words, without the path it was reached by. */
const shortly = (error: unknown) => errorMessage(error).split(', ')[0]!;

/** Removes the file the way it was made: from the Docker host, or from a new helper. */
async function remove(docker: DockerClient, target: Target, recipe: DiskRecipe): Promise<Removal> {
  const { helper } = recipe;
  if (!helper) return removeFillIn(await verifiedPid(docker, target), recipe.file);
  const agent = { docker, image: helper.image, target, runId: helper.runId, faultId: helper.faultId };
  return (await runAgent(agent, { op: 'remove', file: recipe.file })) as Removal;
}

/**
 * Removes a fill file from its recipe alone (the run's revert, the watchdog and `recover`). A fill
 * helper still writing (its run died mid-fill) is stopped first. A target that was removed took a file
 * on its own filesystem with it, but not one on a volume.
 */
export async function undoFill(
  docker: DockerClient,
  target: Target,
  recipe: DiskRecipe,
): Promise<RevertOutcome> {
  try {
    if (recipe.helper) await docker.remove(recipe.helper.name);
    const details = await docker.inspect(target.id);
    if (!details.running) return failed(recipe, target, `${target.name} is ${details.state}; start it first`);
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
    const removed = await remove(docker, target, recipe);
    if (removed === 'moved')
      return failed(
        recipe,
        target,
        `${path.posix.dirname(recipe.file)} is no longer the directory the fill was written to`,
      );
    return removed === 'removed'
      ? { status: 'reverted', detail: `removed ${recipe.file} (${formatBytes(recipe.bytes)})` }
      : { status: 'already-reverted', detail: `${recipe.file} is not there` };
  } catch (error) {
    const immutable =
      (error as NodeJS.ErrnoException).code === 'EPERM' ? ' (chattr -i it first if it is immutable)' : '';
    return failed(recipe, target, `cannot remove it: ${shortly(error)}${immutable}`);
  }
}
