import type { ActionSpec, ProbeSpec } from '../experiment/schema.js';
import { probeKind, probeRuntime } from '../probes/registry.js';

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
