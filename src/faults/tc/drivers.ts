import type { z } from 'zod';
import type { PeerResolver } from '../../network/network-plan.js';
import { resolveScope } from '../../network/network-plan.js';
import { describeScope } from '../../network/scope.js';
import type { NetemParams } from '../../network/tc-plan.js';
import type { Target } from '../../targets/target.js';
import type { tcCommon } from '../network-shapes.js';
import { targetedDriver } from '../targeted.js';
import type { TcPlan } from './family.js';
import { tcFamily } from './family.js';
import {
  type BandwidthSpec,
  bandwidthFault,
  corruptFault,
  type DelaySpec,
  delayFault,
  duplicateFault,
  type LossSpec,
  lossFault,
  type ReorderSpec,
  reorderFault,
} from './schema.js';

/** What every tc step has: its targets, peers, ports, protocol, interface and direction. */
type TcSpec = z.output<z.ZodObject<ReturnType<typeof tcCommon>>>;

/** What a tc fault does to one target's traffic, as data (its scope resolved to addresses). */
export function planTc<Spec extends TcSpec>(
  kind: string,
  spec: Spec,
  shape: (spec: Spec) => Pick<TcPlan, 'netem' | 'tbf'>,
  target: Target,
  peers: PeerResolver,
): TcPlan {
  return {
    type: 'tc',
    kind,
    scope: resolveScope(spec, target, peers),
    device: spec.interface,
    direction: spec.direction ?? 'egress',
    ...shape(spec),
  };
}

function tcDriver<const Kind extends string, Spec extends TcSpec>(
  kind: Kind,
  schema: () => z.ZodType<Spec>,
  shape: (spec: Spec) => Pick<TcPlan, 'netem' | 'tbf'>,
) {
  return targetedDriver({
    kind,
    family: tcFamily,
    schema,
    planOne: (spec, target, _faultId, ctx) => planTc(kind, spec, shape, target, ctx.peers),
    qualifier: (first) => ` (${describeScope((first as TcPlan).scope)})`,
  });
}

const netem = (params: NetemParams) => ({ netem: params });

export const delayDriver = tcDriver('delay', delayFault, (spec: DelaySpec) =>
  netem({
    delayMs: spec.latency,
    jitterMs: spec.jitter,
    delayCorrelation: spec.correlation,
    distribution: spec.distribution,
  }),
);
export const lossDriver = tcDriver('loss', lossFault, (spec: LossSpec) =>
  netem({ lossPercent: spec.percent, lossCorrelation: spec.correlation }),
);
export const duplicateDriver = tcDriver('duplicate', duplicateFault, (spec: LossSpec) =>
  netem({ duplicatePercent: spec.percent, duplicateCorrelation: spec.correlation }),
);
export const corruptDriver = tcDriver('corrupt', corruptFault, (spec: LossSpec) =>
  netem({ corruptPercent: spec.percent, corruptCorrelation: spec.correlation }),
);
export const reorderDriver = tcDriver('reorder', reorderFault, (spec: ReorderSpec) =>
  netem({ reorderPercent: spec.percent, reorderCorrelation: spec.correlation, delayMs: spec.latency ?? 10 }),
);
export const bandwidthDriver = tcDriver('bandwidth', bandwidthFault, (spec: BandwidthSpec) => ({
  tbf: { rate: spec.rate, burst: spec.burst },
}));
