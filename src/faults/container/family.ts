import type { Target } from '../../targets/target.js';
import type { FaultFamily } from '../driver.js';
import {
  type ContainerFaultSpec,
  describeContainerFault,
  injectContainerFault,
  revertWith,
  undoContainer,
} from './lifecycle.js';

/** A container fault on one target, as data. */
export interface ContainerPlan {
  type: 'container';
  spec: ContainerFaultSpec;
}

export type ContainerRecipe = {
  type: 'container';
  action: 'unpause' | 'start';
  /**
   * How long after the intent the Docker call may still change the container when the run died
   * before it answered (a stop waiting out its grace, a kill waiting for a handled signal): an undo
   * watches the container until then rather than trusting one look.
   */
  settleMs?: number | undefined;
};

/** Container lifecycle faults: one Docker call each, undone by starting or unpausing the container. */
export const containerFamily: FaultFamily<ContainerPlan, ContainerRecipe> = {
  type: 'container',
  netns: false,
  describe(plan: ContainerPlan, target: Target) {
    const described = describeContainerFault(plan.spec, target);
    return { actions: [described.action], reverts: [described.revert] };
  },
  inject: (plan, target, id, ctx, announce) =>
    injectContainerFault(ctx.platform.engine, plan.spec, target, id, announce),
  undo: (recipe, target, ctx) => revertWith(() => undoContainer(recipe.action, target, ctx.docker)),
  settleMs: (recipe) => recipe.settleMs ?? 0,
  mayNeed: [],
  settlePollMs: 100,
  features: () => [],
};
