import path from 'node:path';
import { DEFAULT_HELPER_IMAGE } from '../../docker/labels.js';
import { errorMessage } from '../../errors.js';
import { HelperRunner } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { Display, FaultFamily, InjectContext } from '../driver.js';
import { type Announce, type InjectedFault, inPlace } from '../fault.js';
import { DiskFillError } from './errors.js';
import { helperCommand } from './helper.js';
import { bytesToFill, formatBytes } from './locate.js';
import { diskScan } from './scan.js';
import { removeCommand, undoFill } from './undo.js';
import { type FillWay, type HelperRecord, helperWay, hostWay } from './ways.js';

/** A disk fill on one target: one file of a size, or up to a share of its filesystem, in a directory. */
export interface DiskPlan {
  type: 'disk';
  path: string;
  size?: number | undefined;
  percent?: number | undefined;
  /** The fill file's name, `.faultline-fill-<run>-<fault>`. */
  name: string;
  /** The run, which labels the helper way's containers. */
  runId: string;
}

export type DiskRecipe = {
  type: 'disk';
  /** The fill file inside the target, its directory's links resolved. */
  file: string;
  /** Where the filesystem that holds it is mounted in the target (`/` for the container's own). */
  mount: string;
  bytes: number;
  /** Set when it was made the helper way (absent: from the Docker host, the nsenter way). */
  helper?: HelperRecord | undefined;
};

/** The helper runner's display starts its commands with `docker run`: `plan --via helper` shows helpers. */
const showsHelper = (display: Display, target: Target) => display(target, ['true']).startsWith('docker run ');

/** The helper image a helper runner's display names (its commands end with `<image> true`). */
const imageShown = (display: Display, target: Target) =>
  display(target, ['true']).split(' ').at(-2) ?? DEFAULT_HELPER_IMAGE;

function describe(plan: DiskPlan, target: Target, display: Display) {
  const length =
    plan.size !== undefined
      ? formatBytes(plan.size)
      : `<what brings ${plan.path}'s filesystem to ${plan.percent}% used>`;
  if (showsHelper(display, target)) {
    const file = `/proc/1/root${path.posix.join(plan.path, plan.name)}`;
    const image = imageShown(display, target);
    return {
      actions: [helperCommand(image, target, `fallocate -l ${length} "${file}"`)],
      reverts: [helperCommand(image, target, `rm -f "${file}"`)],
    };
  }
  const file = `/proc/$(docker inspect -f '{{.State.Pid}}' ${target.name})/root${path.posix.join(plan.path, plan.name)}`;
  return { actions: [`fallocate -l ${length} "${file}"`], reverts: [`rm -f "${file}"`] };
}

/** The way this run goes in: the helper way when its network runner is a helper runner. */
async function wayOf(target: Target, id: string, plan: DiskPlan, ctx: InjectContext): Promise<FillWay> {
  const docker = ctx.platform.engine;
  const runner = ctx.network().runner;
  if (!(runner instanceof HelperRunner)) return hostWay(docker, target);
  return helperWay({ docker, image: runner.image, target, runId: plan.runId, faultId: id });
}

async function inject(
  plan: DiskPlan,
  target: Target,
  id: string,
  ctx: InjectContext,
  announce: Announce,
): Promise<InjectedFault> {
  const docker = ctx.platform.engine;
  const way = await wayOf(target, id, plan, ctx);
  const location = await way.locate(plan.path);
  const bytes = bytesToFill(plan, location, `disk-fill of ${plan.path} in ${target.name}`);
  const file = path.posix.join(location.dir, plan.name);
  const recipe: DiskRecipe = { type: 'disk', file, mount: location.mount.point, bytes, helper: way.helper };
  announce(recipe);
  const injectedAt = new Date();
  let filled: Awaited<ReturnType<FillWay['fill']>>;
  try {
    filled = await way.fill(file, bytes);
  } catch (error) {
    // A helper stopped before it answered may have left part of the file: the undo removes it.
    if (way.helper) await undoFill(docker, target, recipe).catch(() => undefined);
    const why = `cannot fill ${file} in ${target.name} with ${formatBytes(bytes)}: ${errorMessage(error)}`;
    throw new DiskFillError(why, { cause: error });
  }
  const rate = formatBytes((bytes / Math.max(filled.ms, 0.001)) * 1000);
  const through = way.helper ? `, helper ${way.helper.name}` : '';
  return inPlace({
    id,
    kind: 'disk-fill',
    target,
    injectedAt,
    detail: `filled ${file} with ${formatBytes(bytes)} (${filled.method}, ${filled.ms.toFixed(0)}ms, ${rate}/s${through})${filled.used === undefined ? '' : `; ${location.mount.point} is ${filled.used.toFixed(1)}% used`}`,
    remedy: removeCommand(target, recipe),
    revert: () => undoFill(docker, target, recipe),
  });
}

/**
 * Disk fills: one file written into the target's own mount namespace (its own filesystem and its
 * volumes alike), removed on revert. With nsenter it is written from the Docker host through
 * /proc/<pid>/root (root on the Docker host); with the helper way from a helper container sharing the
 * target's process namespace, through /proc/1/root (any Engine, no root on its host).
 */
export const diskFamily: FaultFamily<DiskPlan, DiskRecipe> = {
  type: 'disk',
  netns: true,
  ways: ['nsenter', 'helper'],
  describe,
  inject,
  undo: (recipe, target, ctx) => undoFill(ctx.docker, target, recipe),
  // The nsenter way creates the file itself, and fallocate works on its open file: nothing lands
  // later. A helper's create may land after a run that died meanwhile: watched as long as a stress
  // helper's.
  settleMs: (recipe) => (recipe.helper ? 10_000 : 0),
  settlePollMs: 250,
  features: () => [],
  mayNeed: [],
  scan: diskScan,
};
