import type { ActionSpec, ProbeSpec } from '../experiment/schema.js';
import { probeKind } from '../probes/run-probe.js';

/** How an action reads in the plan and the run's output. */
export function describeAction(action: ActionSpec): string {
  if (action.name) return action.name;
  if (action.command) return `run ${action.command.join(' ')}`;
  if (action.exec) return `exec ${action.exec.command.join(' ')}`;
  return `${action.http!.method} ${action.http!.url}`;
}

export function describeProbe(probe: ProbeSpec): string {
  switch (probeKind(probe)) {
    case 'http':
      return `${probe.http!.method} ${probe.http!.url}`;
    case 'tcp':
      return `tcp ${probe.tcp!.host}:${probe.tcp!.port}`;
    case 'command':
      return `run ${probe.command!.join(' ')}`;
    case 'exec':
      return `exec ${probe.exec!.command.join(' ')}`;
    case 'container':
      return 'inspect container';
    case 'load':
      return `${probe.load!.method} ${probe.load!.url} at ${probe.load!.rate}/s`;
  }
}
