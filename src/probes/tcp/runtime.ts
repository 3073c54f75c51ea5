import { judged, one } from '../runtime.js';
import { observeTcp } from './observe.js';

export const tcpRuntime = judged(
  'tcp',
  (spec, env, timeoutMs) => one(() => observeTcp(spec.tcp!, timeoutMs, env.signal)),
  (spec) => `tcp ${spec.tcp!.host}:${spec.tcp!.port}`,
);
