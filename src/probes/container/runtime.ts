import { judged, perTarget } from '../runtime.js';
import { observeContainer } from './observe.js';

export const containerRuntime = judged(
  'container',
  (spec, env) => perTarget(env.targetsOf(spec), (target) => observeContainer(env.docker, target)),
  () => 'inspect container',
);
