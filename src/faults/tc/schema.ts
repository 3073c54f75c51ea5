import { z } from 'zod';
import { duration, positiveDuration } from '../../experiment/shapes.js';
import { correlation, percentage, rate, tcCommon } from '../network-shapes.js';

/** The tc (netem, tbf) steps as they are written in the file. */

export const delayFault = z.strictObject({
  ...tcCommon,
  latency: positiveDuration.meta({ description: 'Delay added to each packet', examples: ['200ms'] }),
  jitter: duration.optional().meta({ description: 'Random variation of the delay, plus or minus' }),
  correlation,
  distribution: z
    .enum(['uniform', 'normal', 'pareto', 'paretonormal'])
    .optional()
    .meta({ description: 'How the jitter is distributed' }),
});
export const lossFault = z.strictObject({
  ...tcCommon,
  percent: percentage.meta({ description: 'Share of packets dropped', examples: ['10%'] }),
  correlation,
});
export const duplicateFault = z.strictObject({
  ...tcCommon,
  percent: percentage.meta({ description: 'Share of packets sent twice', examples: ['5%'] }),
  correlation,
});
export const corruptFault = z.strictObject({
  ...tcCommon,
  percent: percentage.meta({ description: 'Share of packets with a corrupted bit', examples: ['1%'] }),
  correlation,
});
export const reorderFault = z.strictObject({
  ...tcCommon,
  percent: percentage.meta({ description: 'Share of packets sent at once, ahead of the delayed rest' }),
  correlation,
  latency: positiveDuration.optional().meta({ description: 'Delay of the other packets (default 10ms)' }),
});
export const bandwidthFault = z.strictObject({
  ...tcCommon,
  rate: rate.meta({ description: 'The bandwidth left: 1mbit, 512kbit (bits/s), 10mbps (bytes/s)' }),
  burst: z
    .string()
    .regex(/^\d+(\.\d+)?(b|kb|mb|kbit|mbit)?$/i)
    .optional()
    .meta({ description: 'Bytes that may pass at full speed before the rate applies: 32kb' }),
});

export type DelaySpec = z.output<typeof delayFault>;
export type LossSpec = z.output<typeof lossFault>;
export type ReorderSpec = z.output<typeof reorderFault>;
export type BandwidthSpec = z.output<typeof bandwidthFault>;
