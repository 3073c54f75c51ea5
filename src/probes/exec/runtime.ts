import { observeExec } from '../container/observe.js';
import { judged, perTarget } from '../runtime.js';

export const execRuntime = judged(
  'exec',
  (spec, env, timeoutMs) =>
    perTarget(env.targetsOf(spec), (target) =>
      observeExec(env.docker, target, spec.exec!.command, timeoutMs, env.signal),
    ),
  (spec) => `exec ${spec.exec!.command.join(' ')}`,
);
