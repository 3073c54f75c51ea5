import { z } from 'zod';
import { duration, faultCommon } from '../../experiment/shapes.js';

/** The container lifecycle steps as they are written in the file. */

const SIGNAL = /^(SIG)?[A-Z0-9]+$/;
export const killFault = z.strictObject({
  ...faultCommon,
  signal: z
    .string()
    .regex(SIGNAL, { message: 'expected a signal name such as SIGKILL or SIGTERM' })
    .default('SIGKILL')
    .meta({ description: 'The signal sent to the main process', examples: ['SIGTERM'] }),
});
export const stopFault = z.strictObject({
  ...faultCommon,
  grace: duration
    .optional()
    .meta({ description: 'Time between SIGTERM and SIGKILL (default 10s)', default: '10s' }),
});
export const pauseFault = z.strictObject({ ...faultCommon });
export const restartFault = z.strictObject({
  target: faultCommon.target,
  grace: duration
    .optional()
    .meta({ description: 'Time between SIGTERM and SIGKILL when stopping (default 10s)' }),
  background: faultCommon.background,
  'max-targets': faultCommon['max-targets'],
});
