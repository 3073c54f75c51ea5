import * as z from 'zod';
import { faultCommon, numeric } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { stepKind } from '../step-kind.js';

/** The stress steps as they are written in the file. */

const workers = builtOnce(() =>
  numeric(z.number().int().min(1).max(64))
    .default(1)
    .meta({ description: 'stress-ng worker processes (1 to 64, default 1)' }),
);

/** 256MiB, 1.5GiB, 512KiB, 1048576 (bytes). */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|K|M|G)?$/;
const size = builtOnce(() =>
  z
    .string()
    .regex(SIZE_PATTERN, { message: 'expected a size such as 256MiB, 1GiB or 512KiB' })
    .meta({ description: 'A size: 512KiB, 256MiB, 1.5GiB, or bytes' }),
);

export const cpuStressFault = builtOnce(() =>
  z.strictObject({
    ...faultCommon,
    workers: workers(),
    load: numeric(z.number().int().min(1).max(100))
      .default(100)
      .meta({ description: 'Percent of one CPU each worker keeps busy (1 to 100, default 100)' }),
  }),
);

export const memoryStressFault = builtOnce(() =>
  z.strictObject({
    ...faultCommon,
    size: z
      .string()
      .regex(/^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|K|M|G)?$|^\d+(?:\.\d+)?%$/, {
        message: "expected a size such as 256MiB, or a share of the target's memory limit such as 50%",
      })
      .meta({
        description: "Memory to allocate and touch: 256MiB, or a share of the target's memory limit: 80%",
      }),
    workers: workers(),
    'oom-first': z.enum(['helper', 'largest']).default('helper').meta({
      description:
        "helper (default): the stress workers are the OOM killer's first pick (and come back); largest: no preference, so the kernel may kill the target",
    }),
  }),
);

export const ioStressFault = builtOnce(() =>
  z
    .strictObject({
      ...faultCommon,
      workers: workers(),
      size: size()
        .default('64MiB')
        .meta({ description: 'Bytes each worker writes (and reads) per round (default 64MiB)' }),
      path: z
        .string()
        .regex(/^\/\S*$/, { message: 'expected an absolute path inside the target, such as /tmp' })
        .optional()
        .meta({ description: "Directory in the target's filesystem to write in (default /tmp)" }),
      volume: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { message: 'expected a Docker volume name' })
        .optional()
        .meta({ description: 'A named volume to write in instead of the target filesystem' }),
    })
    .superRefine((value, ctx) => {
      if (value.path !== undefined && value.volume !== undefined)
        ctx.addIssue({ code: 'custom', message: 'use either path or volume, not both', path: ['volume'] });
    }),
);

export type CpuStressSpec = z.output<ReturnType<typeof cpuStressFault>>;
export type MemoryStressSpec = z.output<ReturnType<typeof memoryStressFault>>;
export type IoStressSpec = z.output<ReturnType<typeof ioStressFault>>;

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const stressKinds = [
  stepKind('cpu-stress', 'stress', cpuStressFault),
  stepKind('memory-stress', 'stress', memoryStressFault),
  stepKind('io-stress', 'stress', ioStressFault),
] as const;
