import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import { verifiedPid } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { FaultFamily, InjectContext } from '../driver.js';
import { type Announce, type InjectedFault, inPlace } from '../fault.js';
import { DiskFillError } from './errors.js';
import { writeFill } from './fill.js';
import { bytesToFill, formatBytes, hostPath, locate } from './locate.js';
import { diskScan } from './scan.js';
import { removeCommand, undoFill } from './undo.js';

/** A disk fill on one target: one file of a size, or up to a share of its filesystem, in a directory. */
export interface DiskPlan {
  type: 'disk';
  path: string;
  size?: number | undefined;
  percent?: number | undefined;
  /** The fill file's name, `.faultline-fill-<run>-<fault>`. */
  name: string;
}

export type DiskRecipe = {
  type: 'disk';
  /** The fill file inside the target, its directory's links resolved. */
  file: string;
  /** Where the filesystem that holds it is mounted in the target (`/` for the container's own). */
  mount: string;
  bytes: number;
};

function describe(plan: DiskPlan, target: Target) {
  const file = `/proc/$(docker inspect -f '{{.State.Pid}}' ${target.name})/root${path.posix.join(plan.path, plan.name)}`;
  const length =
    plan.size !== undefined
      ? formatBytes(plan.size)
      : `<what brings ${plan.path}'s filesystem to ${plan.percent}% used>`;
  return { actions: [`fallocate -l ${length} "${file}"`], reverts: [`rm -f "${file}"`] };
}

/** How full a filesystem is, as df counts it (its Use%), or undefined when it cannot be told. */
async function usedShare(dir: string): Promise<number | undefined> {
  const space = await statfs(dir).catch(() => undefined);
  if (!space) return undefined;
  const used = space.blocks - space.bfree;
  return (used * 100) / (used + space.bavail);
}

async function inject(
  plan: DiskPlan,
  target: Target,
  id: string,
  ctx: InjectContext,
  announce: Announce,
): Promise<InjectedFault> {
  const docker = ctx.platform.engine;
  const pid = await verifiedPid(docker, target);
  const location = await locate(pid, target, plan.path);
  const bytes = bytesToFill(plan, location, `disk-fill of ${plan.path} in ${target.name}`);
  const file = path.posix.join(location.dir, plan.name);
  const recipe: DiskRecipe = { type: 'disk', file, mount: location.mount.point, bytes };
  announce(recipe);
  const injectedAt = new Date();
  let filled: Awaited<ReturnType<typeof writeFill>>;
  try {
    filled = await writeFill(hostPath(pid, file), bytes);
  } catch (error) {
    const why = `cannot fill ${file} in ${target.name} with ${formatBytes(bytes)}: ${errorMessage(error)}`;
    throw new DiskFillError(why, { cause: error });
  }
  const used = await usedShare(hostPath(pid, location.dir));
  const rate = formatBytes((bytes / Math.max(filled.ms, 0.001)) * 1000);
  return inPlace({
    id,
    kind: 'disk-fill',
    target,
    injectedAt,
    detail: `filled ${file} with ${formatBytes(bytes)} (${filled.method}, ${filled.ms.toFixed(0)}ms, ${rate}/s)${used === undefined ? '' : `; ${location.mount.point} is ${used.toFixed(1)}% used`}`,
    remedy: removeCommand(target, file),
    revert: () => undoFill(docker, target, recipe),
  });
}

/**
 * Disk fills: one file written from the Docker host into the target's own mount namespace through
 * /proc/<pid>/root (its own filesystem and its volumes alike), removed on revert. It needs root on the
 * Docker host, so it goes in only via nsenter.
 */
export const diskFamily: FaultFamily<DiskPlan, DiskRecipe> = {
  type: 'disk',
  netns: true,
  ways: ['nsenter'],
  describe,
  inject,
  undo: (recipe, target, ctx) => undoFill(ctx.docker, target, recipe),
  // The file is created by the run itself, and fallocate works on its open file: nothing lands later.
  settleMs: () => 0,
  settlePollMs: 250,
  features: () => [],
  mayNeed: [],
  scan: diskScan,
};
