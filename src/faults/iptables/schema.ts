import * as z from 'zod';
import { faultCommon, targetSelector } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { direction, networkCommon } from '../network-shapes.js';
import { stepKind } from '../step-kind.js';

/** The iptables steps as they are written in the file. */

export const blackholeFault = builtOnce(() => z.strictObject({ ...networkCommon(), direction: direction() }));
export const resetFault = builtOnce(() => z.strictObject({ ...networkCommon(), direction: direction() }));
export const dnsFault = builtOnce(() => z.strictObject({ ...faultCommon }));
export const partitionFault = builtOnce(() =>
  z.strictObject({
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
  }),
);

export type BlackholeSpec = z.output<ReturnType<typeof blackholeFault>>;
export type DnsSpec = z.output<ReturnType<typeof dnsFault>>;
export type PartitionSpec = z.output<ReturnType<typeof partitionFault>>;

/** A partition's selectors are its groups' members. */
function partitionSelectors(spec: Record<string, unknown>): [unknown, (string | number)[]][] {
  return (Array.isArray(spec.groups) ? spec.groups : []).flatMap((group, g) =>
    (Array.isArray(group) ? group : []).map((member, m): [unknown, (string | number)[]] => [
      member,
      ['groups', g, m],
    ]),
  );
}

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const iptablesKinds = [
  stepKind('blackhole', 'iptables', blackholeFault),
  stepKind('reset', 'iptables', resetFault),
  stepKind('dns', 'iptables', dnsFault),
  stepKind('partition', 'iptables', partitionFault, partitionSelectors),
] as const;
