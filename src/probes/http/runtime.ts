import { judged, one } from '../runtime.js';
import { observeHttp } from './observe.js';

export const httpRuntime = judged(
  'http',
  (spec, env, timeoutMs) => one(() => observeHttp(spec.http!, timeoutMs, env.signal)),
  (spec) => `${spec.http!.method} ${spec.http!.url}`,
);
