import { type ActionSpec, type DetectSpec, PROBE_DEFAULTS, type ProbeSpec } from '../experiment/schema.js';
import { probeKind, probeRuntime } from '../probes/registry.js';
import { probePhases } from '../probes/run-probe.js';
import { DEFAULT_WORKLOAD_THRESHOLDS } from '../probes/workload/thresholds.js';
import { formatDuration } from '../util/duration.js';

/** How an action reads in the plan and the run's output. */
export function describeAction(action: ActionSpec): string {
  if (action.name) return action.name;
  if (action.command) return `run ${action.command.join(' ')}`;
  if (action.exec) return `exec ${action.exec.command.join(' ')}`;
  return `${action.http!.method} ${action.http!.url}`;
}

export function describeProbe(probe: ProbeSpec): string {
  return probeRuntime(probeKind(probe)).describe(probe);
}

/** When a hypothesis probe is checked, as the plan says it: its phases and interval, or a workload's course. */
export function describeSchedule(probe: ProbeSpec): string {
  const workload = probe.workload;
  if (!workload) {
    return `${probePhases(probe).join(', ')}; every ${formatDuration(probe.every ?? PROBE_DEFAULTS.every)}`;
  }
  const read = workload.read.http
    ? `${workload.read.http.method ?? 'GET'} ${workload.read.http.url}${workload.read.http.next ? ', page by page' : ''}`
    : `run ${workload.read.command!.join(' ')}`;
  const thresholds = probe.expect?.thresholds ?? DEFAULT_WORKLOAD_THRESHOLDS;
  return (
    `writes from the baseline (${formatDuration(workload.before ?? 0)} at least) until ${formatDuration(workload.after ?? 0)} after recovery, ` +
    `${workload.concurrency} in flight and ${workload.writes} writes at most, ${formatDuration(workload.timeout)} each; ` +
    `then reads back (${read}) and judges ${thresholds.join(', ')}`
  );
}

/** A detection check as the plan says it. */
export function describeDetect(probe: DetectSpec): string {
  const { name, expected } = probeRuntime(probeKind(probe)).primary(probe.expect);
  return `${describeProbe(probe)}, expecting ${name} ${expected}, must pass within ${formatDuration(probe.within)} of the first fault starting; every ${formatDuration(probe.every ?? PROBE_DEFAULTS.every)}`;
}
