import { judged, one } from '../runtime.js';
import { observeCommand } from './observe.js';

export const commandRuntime = judged(
  'command',
  (spec, env, timeoutMs) => one(() => observeCommand(spec.command!, env.cwd, timeoutMs, env.signal)),
  (spec) => `run ${spec.command!.join(' ')}`,
);
