import type { ProbeSpec } from '../../experiment/schema.js';
import { formatDuration } from '../../util/duration.js';
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
  // Judged once, after recovery, over everything it wrote.
  schedule: { phases: ['after'], describe: describeCourse },
};

/** A workload's course as the plan says it: when it writes, how much, and how it is judged. */
function describeCourse(spec: ProbeSpec): string {
  const workload = spec.workload!;
  const { http, command } = workload.read;
  const read = http
    ? `${http.method ?? 'GET'} ${http.url}${http.next ? ', page by page' : ''}`
    : `run ${command!.join(' ')}`;
  const thresholds = spec.expect?.thresholds ?? DEFAULT_WORKLOAD_THRESHOLDS;
  return (
    `writes from the baseline (${formatDuration(workload.before ?? 0)} at least) until ${formatDuration(workload.after ?? 0)} after recovery, ` +
    `${workload.concurrency} in flight and ${workload.writes} writes at most, ${formatDuration(workload.timeout)} each; ` +
    `then reads back (${read}) and judges ${thresholds.join(', ')}`
  );
}

function describeWrite(write: WorkloadSpec['write']): string {
  if (write.http) return `${write.http.method} ${write.http.url}`;
  if (write.command) return `run ${write.command.join(' ')}`;
  return `exec ${write.exec!.command.join(' ')}`;
}
