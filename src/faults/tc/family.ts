import { TC_GONE } from '../../network/gone.js';
import { devicesFor, listInterfaces } from '../../network/interfaces.js';
import { TargetGoneError } from '../../network/netns-runner.js';
import type { NetworkContext } from '../../network/network-fault.js';
import { describeScope, type ResolvedScope } from '../../network/scope.js';
import { displayCommands } from '../../network/tc-batch.js';
import { qdiscReader, type TcDevice } from '../../network/tc-device.js';
import {
  bandsFor,
  describeNetem,
  ifbName,
  ingressSetupCommands,
  ingressTeardownCommands,
  type NetemParams,
  removeRootCommands,
  type TbfParams,
  transitionCommands,
} from '../../network/tc-plan.js';
import type { Target } from '../../targets/target.js';
import { killPoint } from '../../util/kill-points.js';
import type { Display, FaultFamily } from '../driver.js';
import { type Announce, type InjectedFault, inPlace, type RevertOutcome } from '../fault.js';
import { NETWORK_SETTLE_MS, runRemoval } from '../netns-undo.js';
import { tcLeftovers } from './scan.js';

/** A tc fault on one target: one band of faultline's root qdisc, on the devices its peers are reached by. */
export interface TcPlan {
  type: 'tc';
  kind: string;
  scope: ResolvedScope;
  netem?: NetemParams | undefined;
  tbf?: TbfParams | undefined;
  /** Fixed device, or found from the peers at injection time. */
  device?: string | undefined;
  direction: 'egress' | 'ingress' | 'both';
}

/** The devices a tc fault shaped; an ingress entry names the ifb device and the device it mirrors. */
export type TcRecipe = {
  type: 'tc';
  devices: { device: string; ingressOf?: string | undefined }[];
};

export const NETEM_KINDS: readonly string[] = ['delay', 'loss', 'duplicate', 'corrupt', 'reorder'];

function describe(plan: TcPlan, target: Target, display: Display, devices?: readonly string[]) {
  const names = plan.device ? [plan.device] : (devices ?? ['<device>']);
  const bands = bandsFor([{ faultId: 'plan', scope: plan.scope, netem: plan.netem, tbf: plan.tbf }]);
  const actions: string[] = [];
  const reverts: string[] = [];
  for (const name of names) {
    if (plan.direction !== 'ingress') {
      actions.push(...displayCommands(display, target, transitionCommands(name, [], bands)));
      reverts.push(...displayCommands(display, target, transitionCommands(name, bands, [])));
    }
    if (plan.direction !== 'egress') {
      // The ifb device is made with ip; its redirect and its bands are one tc batch.
      const ifb = ifbName(name);
      const setup = ingressSetupCommands(name, ifb);
      actions.push(...setup.filter((argv) => argv[0] !== 'tc').map((argv) => display(target, argv)));
      const redirect = setup.filter((argv) => argv[0] === 'tc').map((argv) => argv.slice(1));
      actions.push(
        ...displayCommands(display, target, [...redirect, ...transitionCommands(ifb, [], bands, 'src')]),
      );
      reverts.push(...ingressTeardownCommands(name, ifb).map((argv) => display(target, argv)));
    }
  }
  return { actions, reverts };
}

/** The commands that take away all faultline put on the devices a recipe names. */
function removalCommands(recipe: TcRecipe): string[][] {
  return recipe.devices.flatMap(({ device, ingressOf }) =>
    ingressOf
      ? ingressTeardownCommands(ingressOf, device.length > 0 ? device : ifbName(ingressOf))
      : removeRootCommands(device).map((argv) => ['tc', ...argv]),
  );
}

/**
 * Adds the fault's band on each device (and direction). The live revert takes away only this fault's
 * band, since other faults of the run may share the device; an undo from the recipe (the run is gone)
 * takes away everything faultline put there.
 */
async function inject(
  plan: TcPlan,
  target: Target,
  id: string,
  context: NetworkContext,
  announce: Announce,
): Promise<InjectedFault> {
  const names = plan.device
    ? [plan.device]
    : devicesFor(await listInterfaces(context.runner, target), plan.scope.cidrs);
  const directions = plan.direction === 'both' ? [false, true] : [plan.direction === 'ingress'];
  const devices = names.flatMap((name) => directions.map((ingress) => context.device(target, name, ingress)));
  const state = { faultId: id, scope: plan.scope, netem: plan.netem, tbf: plan.tbf };
  const recipe: TcRecipe = {
    type: 'tc',
    devices: devices.map((device) => ({ device: device.device, ingressOf: device.ingressOf })),
  };
  announce(recipe);
  const done: TcDevice[] = [];
  // A device's egress check and its ingress check read its qdiscs once.
  const read = qdiscReader(context.runner, target);
  try {
    for (const device of devices) {
      await device.add(state, read);
      done.push(device);
      killPoint('netns-command-done');
    }
  } catch (error) {
    await Promise.all(done.map((device) => device.remove(id).catch(() => undefined)));
    throw error;
  }
  const revert = () => removeBand(devices, id, `removed ${plan.kind} from ${names.join(', ')}`);
  const what = [
    plan.netem ? describeNetem(plan.netem) : undefined,
    plan.tbf ? `rate ${plan.tbf.rate}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return inPlace({
    id,
    kind: plan.kind,
    target,
    injectedAt: new Date(),
    detail: `${what} on ${names.join(', ')} ${plan.direction === 'both' ? 'both ways' : plan.direction} (${describeScope(plan.scope)})`,
    remedy: removalCommands(recipe)
      .map((argv) => context.runner.display(target, argv))
      .join(' && '),
    revert,
  });
}

async function removeBand(devices: readonly TcDevice[], id: string, done: string): Promise<RevertOutcome> {
  const failures: string[] = [];
  let missing = 0;
  for (const device of devices) {
    try {
      await device.remove(id);
      missing += device.missing;
    } catch (error) {
      if (error instanceof TargetGoneError) missing++;
      else failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (failures.length > 0) return { status: 'failed', detail: failures.join('; ') };
  if (missing > 0)
    return {
      status: 'target-gone',
      detail: 'its qdiscs were already gone (the container stopped or restarted)',
    };
  return { status: 'reverted', detail: done };
}

/** netem and tbf under faultline's htb root, with u32 filters picking each band's traffic. */
export const tcFamily: FaultFamily<TcPlan, TcRecipe> = {
  type: 'tc',
  netns: true,
  describe,
  devicesToFind: (plan) => (plan.device ? undefined : plan.scope.cidrs),
  inject: (plan, target, id, ctx, announce) => inject(plan, target, id, ctx.network(), announce),
  async undo(recipe, target, ctx) {
    const removal = await runRemoval(await ctx.runner(), target, [removalCommands(recipe)], TC_GONE, {
      retry: true,
    });
    return removal.failures.length > 0
      ? { status: 'failed', detail: removal.failures[0]! }
      : removal.removed > 0
        ? { status: 'reverted', detail: 'removed qdiscs' }
        : { status: 'already-reverted', detail: 'nothing of it was left' };
  },
  settleMs: () => NETWORK_SETTLE_MS,
  mayNeed: ['htb', 'u32', 'netem', 'tbf'],
  settlePollMs: 250,
  features: (plan) => [
    'htb',
    'u32',
    ...(NETEM_KINDS.includes(plan.kind) || plan.netem ? (['netem'] as const) : []),
    ...(plan.tbf ? (['tbf'] as const) : []),
  ],
  scan: tcLeftovers,
};
