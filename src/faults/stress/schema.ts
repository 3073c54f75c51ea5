import { z } from 'zod';
import { faultCommon, numeric } from '../../experiment/shapes.js';

/** The stress steps as they are written in the file. */

const workers = numeric(z.number().int().min(1).max(64))
  .default(1)
  .meta({ description: 'stress-ng worker processes (1 to 64, default 1)' });

/** 256MiB, 1.5GiB, 512KiB, 1048576 (bytes). */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|K|M|G)?$/;
const size = z
  .string()
  .regex(SIZE_PATTERN, { message: 'expected a size such as 256MiB, 1GiB or 512KiB' })
  .meta({ description: 'A size: 512KiB, 256MiB, 1.5GiB, or bytes' });

export const cpuStressFault = z.strictObject({
  ...faultCommon,
  workers,
  load: numeric(z.number().int().min(1).max(100))
    .default(100)
    .meta({ description: 'Percent of one CPU each worker keeps busy (1 to 100, default 100)' }),
});

export const memoryStressFault = z.strictObject({
  ...faultCommon,
  size: z
    .string()
    .regex(/^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|K|M|G)?$|^\d+(?:\.\d+)?%$/, {
      message: "expected a size such as 256MiB, or a share of the target's memory limit such as 50%",
    })
    .meta({
      description: "Memory to allocate and touch: 256MiB, or a share of the target's memory limit: 80%",
    }),
  workers,
  'oom-first': z.enum(['helper', 'largest']).default('helper').meta({
    description:
      "helper (default): the stress workers are the OOM killer's first pick (and come back); largest: no preference, so the kernel may kill the target",
  }),
});

export const ioStressFault = z
  .strictObject({
    ...faultCommon,
    workers,
    size: size
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
  });

export type CpuStressSpec = z.output<typeof cpuStressFault>;
export type MemoryStressSpec = z.output<typeof memoryStressFault>;
export type IoStressSpec = z.output<typeof ioStressFault>;
