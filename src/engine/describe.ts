import { type ActionSpec, type DetectSpec, PROBE_DEFAULTS, type ProbeSpec } from '../experiment/schema.js';
import { probeKind, probeRuntime } from '../probes/registry.js';
import { probePhases } from '../probes/run-probe.js';
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

/** When a hypothesis probe is checked, as the plan says it: its phases and interval, or its kind's course. */
export function describeSchedule(probe: ProbeSpec): string {
  const course = probeRuntime(probeKind(probe)).schedule;
  if (course) return course.describe(probe);
  return `${probePhases(probe).join(', ')}; every ${formatDuration(probe.every ?? PROBE_DEFAULTS.every)}`;
}

/** A detection check as the plan says it. */
export function describeDetect(probe: DetectSpec): string {
  const { name, expected } = probeRuntime(probeKind(probe)).primary(probe.expect);
  return `${describeProbe(probe)}, expecting ${name} ${expected}, must pass within ${formatDuration(probe.within)} of the first fault starting; every ${formatDuration(probe.every ?? PROBE_DEFAULTS.every)}`;
}
