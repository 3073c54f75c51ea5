import * as z from 'zod';
import { duration, faultCommon } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { stepKind } from '../step-kind.js';

/** The container lifecycle steps as they are written in the file. */

const SIGNAL = /^(SIG)?[A-Z0-9]+$/;
export const killFault = builtOnce(() =>
  z.strictObject({
    ...faultCommon,
    signal: z
      .string()
      .regex(SIGNAL, { message: 'expected a signal name such as SIGKILL or SIGTERM' })
      .default('SIGKILL')
      .meta({ description: 'The signal sent to the main process', examples: ['SIGTERM'] }),
  }),
);
export const stopFault = builtOnce(() =>
  z.strictObject({
    ...faultCommon,
    grace: duration
      .optional()
      .meta({ description: 'Time between SIGTERM and SIGKILL (default 10s)', default: '10s' }),
  }),
);
export const pauseFault = builtOnce(() => z.strictObject({ ...faultCommon }));
export const restartFault = builtOnce(() =>
  z.strictObject({
    target: faultCommon.target,
    grace: duration
      .optional()
      .meta({ description: 'Time between SIGTERM and SIGKILL when stopping (default 10s)' }),
    background: faultCommon.background,
    'max-targets': faultCommon['max-targets'],
  }),
);

/** The family's step kinds, in the order the file format lists them (see faults/kinds.ts). */
export const containerKinds = [
  stepKind('kill', 'container', killFault),
  stepKind('stop', 'container', stopFault),
  stepKind('pause', 'container', pauseFault),
  stepKind('restart', 'container', restartFault),
] as const;
