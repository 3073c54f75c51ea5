import { targetedDriver } from '../targeted.js';
import { processFamily } from './family.js';
import { signalFault } from './schema.js';

/** `signal`: sends a signal to processes inside a target; SIGSTOP is held and undone with SIGCONT. */
export const signalDriver = targetedDriver({
  kind: 'signal',
  family: processFamily,
  schema: signalFault,
  planOne: (spec, _target, _faultId, ctx) => ({
    type: 'process' as const,
    signal: spec.signal as NodeJS.Signals,
    match: {
      process: spec.process,
      pattern: spec.pattern,
      count: spec.all ? undefined : (spec.count ?? 1),
      all: spec.all,
      pid1: spec['pid-1'],
    },
    runId: ctx.runId,
  }),
});
