import { z } from 'zod';
import { duration, positiveDuration } from '../../experiment/shapes.js';
import { correlation, percentage, rate, tcCommon } from '../network-shapes.js';

/** The tc (netem, tbf) steps as they are written in the file. */

export const delayFault = z.strictObject({
  ...tcCommon,
  latency: positiveDuration,
  jitter: duration.optional(),
  correlation,
  distribution: z.enum(['uniform', 'normal', 'pareto', 'paretonormal']).optional(),
});
export const lossFault = z.strictObject({ ...tcCommon, percent: percentage, correlation });
export const duplicateFault = z.strictObject({ ...tcCommon, percent: percentage, correlation });
export const corruptFault = z.strictObject({ ...tcCommon, percent: percentage, correlation });
export const reorderFault = z.strictObject({
  ...tcCommon,
  percent: percentage.meta({ description: 'Share of packets sent at once, ahead of the delayed rest' }),
  correlation,
  latency: positiveDuration.optional().meta({ description: 'Delay of the other packets (default 10ms)' }),
});
export const bandwidthFault = z.strictObject({
  ...tcCommon,
  rate,
  burst: z
    .string()
    .regex(/^\d+(\.\d+)?(b|kb|mb|kbit|mbit)?$/i)
    .optional(),
});

export type DelaySpec = z.output<typeof delayFault>;
export type LossSpec = z.output<typeof lossFault>;
export type ReorderSpec = z.output<typeof reorderFault>;
export type BandwidthSpec = z.output<typeof bandwidthFault>;
