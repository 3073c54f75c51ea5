import { type DockerClient, isNotFound } from '../../docker/client.js';
import {
  FAULTLINE_FAULT_ID,
  FAULTLINE_HELPER,
  FAULTLINE_RUN_ID,
  FAULTLINE_TARGET_ID,
} from '../../docker/labels.js';
import { EnvironmentError } from '../../errors.js';
import { ensureStressImage } from '../../platform/docker/stress-image/ensure.js';
import type { Target } from '../../targets/target.js';
import type { FaultFamily } from '../driver.js';
import { type Announce, type InjectedFault, inPlace, type RevertOutcome } from '../fault.js';
import { CGROUP_MOUNT, cgroupSetupOf, checkCgroupSetup, joinCommand } from './cgroup.js';
import { describeHelper, memoryArgs, STOP_GRACE_S, type StressPlan, VOLUME_MOUNT } from './plan.js';
import { confirmJoined, stillThere, treeInTarget } from './presence.js';

export type StressRecipe = {
  type: 'stress';
  /** The helper container's name: undo removes it (and only it). */
  helper: string;
};

/** How long after its intent a helper's create and start may still land when the run died meanwhile. */
const HELPER_SETTLE_MS = 10_000;

/** The stress-ng arguments with a memory share resolved against the target's memory limit. */
function resolveArgs(plan: StressPlan, memoryLimit: number, target: Target): string[] {
  if (!plan.memoryShare) return plan.args;
  if (!memoryLimit) {
    throw new EnvironmentError(
      'STRESS_NO_MEMORY_LIMIT',
      `memory-stress asks for ${plan.memoryShare.percent}% of the memory limit of ${target.name}, which has none`,
      {
        hint: 'Give the size in bytes (e.g. size: 256MiB), or run the target with a memory limit (--memory).',
      },
    );
  }
  const perWorker = Math.ceil((memoryLimit * plan.memoryShare.percent) / 100 / plan.memoryShare.workers);
  const limitArgs = plan.args.slice(plan.args.indexOf('--timeout'));
  const oomFirst = plan.args.includes('--no-oom-adjust') ? 'largest' : 'helper';
  return [
    ...memoryArgs(perWorker, { workers: plan.memoryShare.workers, 'oom-first': oomFirst }),
    ...(plan.args.includes('--timeout') ? limitArgs : []),
  ];
}

async function inject(
  docker: DockerClient,
  plan: StressPlan,
  target: Target,
  id: string,
  runId: string,
  announce: Announce,
): Promise<InjectedFault> {
  checkCgroupSetup(await cgroupSetupOf(docker));
  const details = await docker.inspect(target.id);
  const args = resolveArgs(plan, details.memoryLimit ?? 0, target);
  const image = await ensureStressImage(docker);
  announce({ type: 'stress', helper: plan.helper } satisfies StressRecipe);
  const injectedAt = new Date();
  await docker.runHelper({
    image,
    name: plan.helper,
    cmd: joinCommand(plan.kind, args),
    networkMode: 'none',
    // Reading the target's root through /proc/1/root needs ptrace access to its first process.
    capAdd: plan.kind === 'io-stress' && !plan.volume ? ['SYS_PTRACE'] : [],
    cgroupnsMode: 'host',
    pidMode: `container:${target.id}`,
    binds: [`/sys/fs/cgroup:${CGROUP_MOUNT}`, ...(plan.volume ? [`${plan.volume}:${VOLUME_MOUNT}`] : [])],
    labels: {
      [FAULTLINE_HELPER]: '1',
      [FAULTLINE_RUN_ID]: runId,
      [FAULTLINE_FAULT_ID]: id,
      [FAULTLINE_TARGET_ID]: target.id,
    },
  });
  const pids = await confirmJoined(docker, plan.helper, target).catch(async (error: unknown) => {
    await docker.remove(plan.helper).catch(() => undefined);
    throw error;
  });
  return inPlace({
    id,
    kind: plan.kind,
    target,
    injectedAt,
    detail: `stress-ng ${args.join(' ')} in helper ${plan.helper}, ${pids.length > 0 ? `its ${pids.length} processes in the cgroup of ${target.name}` : `${target.name} stopped as it began`}`,
    remedy: `docker rm -f ${plan.helper}`,
    revert: () => removeHelper(docker, plan.helper, target),
  });
}

/**
 * Stops the helper (SIGTERM first, so stress-ng removes its files), removes it, and says whether the
 * OOM killer took the target meanwhile: that is a finding of the experiment, never hidden.
 */
export async function removeHelper(
  docker: DockerClient,
  helper: string,
  target: Target,
): Promise<RevertOutcome> {
  let outcome: RevertOutcome;
  try {
    const state = await docker.inspect(helper).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!state) outcome = { status: 'already-reverted', detail: `helper ${helper} is not there` };
    else {
      // Its processes live in the target's cgroup, not the helper's: note them to see them gone.
      const pids =
        state.running && state.pid ? await treeInTarget(docker, target, state.pid).catch(() => []) : [];
      if (state.running) await docker.stop(helper, STOP_GRACE_S).catch(() => undefined);
      await docker.remove(helper);
      const left = await stillThere(docker, target, pids);
      if (left.length > 0) {
        return {
          status: 'failed',
          detail: `removed helper ${helper}, but its stress-ng processes ${left.join(', ')} are still in ${target.name}: on the Docker host, run kill -9 ${left.join(' ')}`,
        };
      }
      outcome = { status: 'reverted', detail: `removed helper ${helper}` };
    }
  } catch (error) {
    return {
      status: 'failed',
      detail: `helper ${helper}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const oom = await oomNote(docker, target);
  return oom ? { ...outcome, detail: `${outcome.detail}; ${oom}` } : outcome;
}

async function oomNote(docker: DockerClient, target: Target): Promise<string | undefined> {
  const state = await docker.inspect(target.id).catch(() => undefined);
  if (!state?.oomKilled) return undefined;
  return `the target ${target.name} was OOM-killed (State.OOMKilled, ${state.running ? 'running again' : `exit code ${state.exitCode}`})`;
}

/** CPU, memory and I/O pressure from a stress-ng helper placed in the target's own cgroup. */
export const stressFamily: FaultFamily<StressPlan, StressRecipe> = {
  type: 'stress',
  netns: false,
  describe: (plan, target) => ({
    actions: [describeHelper(plan, target)],
    reverts: [`docker stop -t ${STOP_GRACE_S} ${plan.helper} && docker rm -f ${plan.helper}`],
  }),
  preflight: async (_plan, _target, platform) => {
    checkCgroupSetup(await cgroupSetupOf(platform.engine));
    await ensureStressImage(platform.engine);
  },
  inject: (plan, target, id, ctx, announce) =>
    inject(ctx.platform.engine, plan, target, id, plan.runId, announce),
  undo: (recipe, target, ctx) => removeHelper(ctx.docker, recipe.helper, target),
  settleMs: () => HELPER_SETTLE_MS,
  settlePollMs: 500,
  features: () => [],
  mayNeed: [],
};
