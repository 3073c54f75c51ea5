import type { ProbeRuntime } from '../runtime.js';
import { DEFAULT_WORKLOAD_THRESHOLDS } from './thresholds.js';
import type { WorkloadSpec } from './types.js';

/** A workload writes for the whole run and is judged once, after recovery (engine/workload-phases.ts). */
export const workloadRuntime: ProbeRuntime = {
  subjects: () => 'a workload probe is judged once, after recovery, not sample by sample',
  evaluate: () => [],
  primary: (expect) => ({
    name: 'thresholds',
    expected: (expect?.thresholds ?? DEFAULT_WORKLOAD_THRESHOLDS).join(', '),
  }),
  describe: (spec) => `workload ${describeWrite(spec.workload!.write)} at ${spec.workload!.rate}/s`,
};

function describeWrite(write: WorkloadSpec['write']): string {
  if (write.http) return `${write.http.method} ${write.http.url}`;
  if (write.command) return `run ${write.command.join(' ')}`;
  return `exec ${write.exec!.command.join(' ')}`;
}
