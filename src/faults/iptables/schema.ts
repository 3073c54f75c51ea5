import { z } from 'zod';
import { faultCommon, targetSelector } from '../../experiment/shapes.js';
import { direction, networkCommon } from '../network-shapes.js';

/** The iptables steps as they are written in the file. */

export const blackholeFault = z.strictObject({ ...networkCommon, direction });
export const resetFault = z.strictObject({ ...networkCommon, direction });
export const dnsFault = z.strictObject({ ...faultCommon });
export const partitionFault = z.strictObject({
  groups: z
    .array(z.array(targetSelector).min(1))
    .min(2, { message: 'expected at least two groups, e.g. [[{service: api}], [{service: db}]]' })
    .meta({
      description: 'Two or more groups of container selectors that cannot reach each other',
      examples: [[[{ service: 'api' }], [{ service: 'db' }]]],
    }),
  direction: z
    .enum(['both', 'one-way'])
    .optional()
    .meta({ description: 'both (default), or one-way: the first group cannot send to the others' }),
  duration: faultCommon.duration,
  background: faultCommon.background,
  'max-targets': faultCommon['max-targets'],
});

export type BlackholeSpec = z.output<typeof blackholeFault>;
export type DnsSpec = z.output<typeof dnsFault>;
export type PartitionSpec = z.output<typeof partitionFault>;
