import * as z from 'zod';
import { faultCommon, numeric } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { stepKind } from '../step-kind.js';

/** The disk-fill step as it is written in the file. */

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
};
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/** Bytes from `512MiB`, `2GB`, `100KiB` or `4096`; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (!match) return undefined;
  const unit = UNITS[(match[2] || 'B').toUpperCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

const size = builtOnce(() =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseSize(value);
      if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a size above zero such as 512MiB, 2GiB, 100MB or a number of bytes',
          input: value,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .meta({ description: 'A size: 512MiB, 2GiB, 100MB, 64KiB or a number of bytes' }),
);

export const diskFillFault = builtOnce(() =>
  z
    .strictObject({
      ...faultCommon,
      path: z
        .string()
        .regex(/^\/[^\0]*$/, {
          message: 'expected an absolute path inside the target, such as /tmp or /data',
        })
        .refine((text) => !text.split('/').includes('..'), { message: 'expected a path without ".."' })
        .meta({ description: 'A directory inside the target: the fill file is written there' }),
      size: size().optional().meta({ description: 'Write one file of this size' }),
      percent: numeric(z.number().gt(0).lte(100, { message: 'expected a share of 100 or less' }))
        .optional()
        .meta({
          description:
            "Write one file so that this share of the filesystem's size is used (as df counts it); nothing above the free space",
        }),
    })
    .superRefine((value, ctx) => {
      if ((value.size === undefined) === (value.percent === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'a disk-fill needs either size or percent (one of them)' });
      }
    }),
);

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const diskKinds = [stepKind('disk-fill', 'disk', diskFillFault)] as const;
