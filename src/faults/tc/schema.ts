import * as z from 'zod';
import { duration, positiveDuration } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { correlation, percentage, rate, tcCommon } from '../network-shapes.js';
import { stepKind } from '../step-kind.js';

/** The tc (netem, tbf) steps as they are written in the file. */

export const delayFault = builtOnce(() =>
  z.strictObject({
    ...tcCommon(),
    latency: positiveDuration.meta({ description: 'Delay added to each packet', examples: ['200ms'] }),
    jitter: duration.optional().meta({ description: 'Random variation of the delay, plus or minus' }),
    correlation: correlation(),
    distribution: z
      .enum(['uniform', 'normal', 'pareto', 'paretonormal'])
      .optional()
      .meta({ description: 'How the jitter is distributed' }),
  }),
);
export const lossFault = builtOnce(() =>
  z.strictObject({
    ...tcCommon(),
    percent: percentage().meta({ description: 'Share of packets dropped', examples: ['10%'] }),
    correlation: correlation(),
  }),
);
export const duplicateFault = builtOnce(() =>
  z.strictObject({
    ...tcCommon(),
    percent: percentage().meta({ description: 'Share of packets sent twice', examples: ['5%'] }),
    correlation: correlation(),
  }),
);
export const corruptFault = builtOnce(() =>
  z.strictObject({
    ...tcCommon(),
    percent: percentage().meta({ description: 'Share of packets with a corrupted bit', examples: ['1%'] }),
    correlation: correlation(),
  }),
);
export const reorderFault = builtOnce(() =>
  z.strictObject({
    ...tcCommon(),
    percent: percentage().meta({ description: 'Share of packets sent at once, ahead of the delayed rest' }),
    correlation: correlation(),
    latency: positiveDuration.optional().meta({ description: 'Delay of the other packets (default 10ms)' }),
  }),
);
export const bandwidthFault = builtOnce(() =>
  z.strictObject({
    ...tcCommon(),
    rate: rate().meta({ description: 'The bandwidth left: 1mbit, 512kbit (bits/s), 10mbps (bytes/s)' }),
    burst: z
      .string()
      .regex(/^\d+(\.\d+)?(b|kb|mb|kbit|mbit)?$/i)
      .optional()
      .meta({ description: 'Bytes that may pass at full speed before the rate applies: 32kb' }),
  }),
);

export type DelaySpec = z.output<ReturnType<typeof delayFault>>;
export type LossSpec = z.output<ReturnType<typeof lossFault>>;
export type ReorderSpec = z.output<ReturnType<typeof reorderFault>>;
export type BandwidthSpec = z.output<ReturnType<typeof bandwidthFault>>;

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const tcKinds = [
  stepKind('delay', 'tc', delayFault),
  stepKind('loss', 'tc', lossFault),
  stepKind('duplicate', 'tc', duplicateFault),
  stepKind('corrupt', 'tc', corruptFault),
  stepKind('reorder', 'tc', reorderFault),
  stepKind('bandwidth', 'tc', bandwidthFault),
] as const;
