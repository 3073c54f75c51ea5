import { PROBE_KINDS, type ProbeKind, type ProbeSpec } from '../experiment/schema.js';
import { commandRuntime } from './command/runtime.js';
import { containerRuntime } from './container/runtime.js';
import { execRuntime } from './exec/runtime.js';
import { httpRuntime } from './http/runtime.js';
import { loadRuntime } from './load/runtime.js';
import { prometheusRuntime } from './prometheus/runtime.js';
import type { ProbeRuntime, ProbeRuntimes } from './runtime.js';
import { tcpRuntime } from './tcp/runtime.js';
import { workloadRuntime } from './workload/runtime.js';

/**
 * The runtime side of the probe registry: how each kind observes and is judged, each from its own
 * folder (`probes/<kind>/runtime.ts`). The schema side is probes/kinds.ts; a kind is in both, once
 * each, and the type below refuses a kind that is missing here.
 */
const RUNTIMES: ProbeRuntimes = {
  http: httpRuntime,
  tcp: tcpRuntime,
  exec: execRuntime,
  command: commandRuntime,
  container: containerRuntime,
  load: loadRuntime,
  prometheus: prometheusRuntime,
  workload: workloadRuntime,
};

/** The runtime side of a probe's kind. */
export function probeRuntime(kind: ProbeKind): ProbeRuntime {
  return RUNTIMES[kind];
}

/** The kind of a parsed probe (it has exactly one). */
export function probeKind(spec: ProbeSpec): ProbeKind {
  return PROBE_KINDS.find((kind) => spec[kind] !== undefined)!;
}
