import { type DockerClient, isNotFound, type ResourceUpdate } from '../../docker/client.js';
import type { Target } from '../../targets/target.js';
import { revertWith } from '../container/lifecycle.js';
import type { FaultFamily } from '../driver.js';
import { inPlace, type RevertOutcome } from '../fault.js';
import { type LimitChange, limitCalls, restored, showUpdate, updateFlags } from './resources.js';

/** A limit on one target, as data. */
export interface LimitPlan {
  type: 'limit';
  change: LimitChange;
}

export type LimitRecipe = {
  type: 'limit';
  /** The Engine update that puts back the limits `docker inspect` reported before the change. */
  restore: ResourceUpdate;
};

/** Time the Engine may take to apply an update sent by a run that died before the answer. */
const UPDATE_SETTLE_MS = 2000;

/** Resource limits (CPU, memory, pids) changed through the Engine's update API, and put back exactly. */
export const limitFamily: FaultFamily<LimitPlan, LimitRecipe> = {
  type: 'limit',
  netns: false,
  describe(plan: LimitPlan, target: Target) {
    return {
      actions: [
        `docker update ${updateFlags(plan.change).join(' ')} ${target.name} (POST /containers/${target.name}/update; CPU as NanoCpus when the container has them, else CpuQuota)`,
      ],
      reverts: [
        `docker update back to the limits docker inspect reports for ${target.name} before the change`,
      ],
    };
  },
  async inject(plan, target, id, ctx, announce) {
    const docker = ctx.platform.engine;
    const before = await docker.resources(target.id);
    const calls = limitCalls(plan.change, before, target.name);
    announce({ type: 'limit', restore: calls.restore });
    const injectedAt = new Date();
    try {
      await docker.update(target.id, calls.set);
    } catch (error) {
      // The Engine refused it as a whole: nothing changed. Its message says why.
      const message = error instanceof Error ? error.message : String(error);
      if (isNotFound(error) && (await docker.inspect(target.id).catch(() => undefined))) {
        throw new Error(
          `the Engine has no update call (POST /containers/{id}/update answered 404 while ${target.name} exists; Podman 4's Docker-compatible API has none): limit steps need the Docker Engine`,
        );
      }
      throw new Error(
        `the Docker Engine refused the limit on ${target.name} (${showUpdate(calls.set)}): ${message}`,
      );
    }
    const revert = () => revertWith(() => restoreLimits(calls.restore, target, docker));
    return inPlace({
      id,
      kind: 'limit',
      target,
      injectedAt,
      detail: `limited: ${showUpdate(calls.set)}`,
      remedy: `curl --unix-socket /var/run/docker.sock -X POST -H 'Content-Type: application/json' -d '${JSON.stringify(calls.restore)}' http://localhost/containers/${target.name}/update`,
      revert,
    });
  },
  undo: (recipe, target, ctx) => revertWith(() => restoreLimits(recipe.restore, target, ctx.docker)),
  settleMs: () => UPDATE_SETTLE_MS,
  settlePollMs: 100,
  mayNeed: [],
  features: () => [],
};

async function restoreLimits(
  restore: ResourceUpdate,
  target: Target,
  docker: Pick<DockerClient, 'resources' | 'update'>,
): Promise<RevertOutcome> {
  if (restored(restore, await docker.resources(target.id))) {
    return { status: 'already-reverted', detail: `limits as before (${showUpdate(restore)})` };
  }
  await docker.update(target.id, restore);
  return { status: 'reverted', detail: `limits restored (${showUpdate(restore)})` };
}
