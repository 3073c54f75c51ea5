import * as z from 'zod';
import { faultCommon, numeric } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { stepKind } from '../step-kind.js';

/** The `limit` step as it is written in the file. */

/** The smallest memory limit the Docker Engine accepts. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i;

/** Bytes from `64m`, `64MiB`, `1.5g`, `512k` or a number of bytes; undefined when it is not a size. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const match = SIZE.exec(value);
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

const memory = builtOnce(() =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a size such as 64m, 256MiB or 1g', input: value });
        return z.NEVER;
      }
      if (bytes < MIN_MEMORY_BYTES) {
        ctx.addIssue({
          code: 'custom',
          message: `expected at least 6m: the Docker Engine refuses a memory limit below 6 MiB (got ${bytes} bytes)`,
          input: value,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .meta({
      description: 'Memory limit: 64m, 256MiB, 1g, or bytes (at least 6m); swap is limited to the same',
    }),
);

export const limitFault = builtOnce(() =>
  z
    .strictObject({
      ...faultCommon,
      cpus: numeric(z.number().min(0.01, { message: 'expected at least 0.01 CPUs' }))
        .optional()
        .meta({ description: 'CPU limit in CPUs, e.g. 0.5 (docker update --cpus)' }),
      memory: memory().optional(),
      pids: numeric(z.number().int().positive()).optional().meta({
        description: 'Most processes and threads the container may have (docker update --pids-limit)',
      }),
    })
    .superRefine((value, ctx) => {
      if (value.cpus === undefined && value.memory === undefined && value.pids === undefined) {
        ctx.addIssue({ code: 'custom', message: 'a limit needs at least one of: cpus, memory, pids' });
      }
    }),
);
export type LimitSpec = z.output<ReturnType<typeof limitFault>>;

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const limitKinds = [stepKind('limit', 'limit', limitFault)] as const;
