import { constants } from 'node:os';
import * as z from 'zod';
import { checkRegExp, faultCommon, nonEmpty, numeric } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { stepKind } from '../step-kind.js';

/** The `signal` step as it is written in the file. */

/** A signal name as the kernel knows it, with or without SIG: SIGSTOP, TERM, sighup. */
export function signalName(text: string): string | undefined {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name in constants.signals ? name : undefined;
}

export const signalFault = builtOnce(() =>
  z
    .strictObject({
      ...faultCommon,
      signal: z
        .string()
        .transform((text, ctx) => {
          const name = signalName(text);
          if (name === undefined) {
            ctx.addIssue({
              code: 'custom',
              message: 'expected a signal name such as SIGSTOP, SIGTERM, SIGKILL or SIGHUP',
              input: text,
            });
            return z.NEVER;
          }
          return name;
        })
        .meta({ description: 'The signal: SIGSTOP is held for the duration and undone with SIGCONT' }),
      process: nonEmpty
        .optional()
        .meta({ description: 'Signal processes with this exact name (comm, as ps shows it)' }),
      pattern: nonEmpty
        .optional()
        .meta({ description: 'Signal processes whose full command line matches this regular expression' }),
      count: numeric(z.number().int().positive())
        .optional()
        .meta({ description: 'Signal this many of the matching processes, lowest PIDs first (default 1)' }),
      all: z.literal(true).optional().meta({ description: 'Signal every matching process' }),
      'pid-1': z
        .boolean()
        .optional()
        .meta({ description: "Let the container's main process (PID 1 inside it) be signalled too" }),
    })
    .superRefine((value, ctx) => {
      if ((value.process === undefined) === (value.pattern === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: 'a signal step needs one of: process (a name), pattern (a regular expression)',
        });
      }
      if (value.count !== undefined && value.all !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'use either count or all, not both', path: ['all'] });
      }
      checkRegExp(value.pattern, ctx, ['pattern']);
    }),
);
export type SignalSpec = z.output<ReturnType<typeof signalFault>>;

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const processKinds = [stepKind('signal', 'process', signalFault)] as const;
