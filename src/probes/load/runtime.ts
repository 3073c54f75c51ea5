import { judged } from '../runtime.js';

/** Load probes run for the whole experiment (see engine/load-phases.ts), not sample by sample. */
export const loadRuntime = judged(
  'load',
  () => 'a load probe cannot be checked as a single sample',
  (spec) => `${spec.load!.method} ${spec.load!.url} at ${spec.load!.rate}/s`,
);
