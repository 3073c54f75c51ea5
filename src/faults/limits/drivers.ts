import { targetedDriver } from '../targeted.js';
import { limitFamily } from './family.js';
import { limitFault } from './schema.js';

/** `limit`: lowers a target's CPU, memory or pids limit for the step's duration. */
export const limitDriver = targetedDriver({
  kind: 'limit',
  family: limitFamily,
  schema: limitFault,
  planOne: (spec) => ({
    type: 'limit' as const,
    change: { cpus: spec.cpus, memory: spec.memory, pids: spec.pids },
  }),
});
