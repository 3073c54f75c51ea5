import { commandKind } from './command/schema.js';
import { containerKind } from './container/schema.js';
import { execKind } from './exec/schema.js';
import { httpKind } from './http/schema.js';
import type { ProbeKind } from './kind.js';
import { loadKind } from './load/schema.js';
import { prometheusKind } from './prometheus/schema.js';
import { tcpKind } from './tcp/schema.js';
import { workloadKind } from './workload/schema.js';

/**
 * The schema side of the probe registry: every probe kind the file format knows, in the order it lists
 * them. Reading an experiment file needs only this; the runtime side (how each kind observes) is
 * probes/registry.ts. A new kind is a folder with its `schema.ts`, one line here, its key in
 * experiment/probe-schema.ts (which types the parsed probe) and one line in the registry.
 */
export const PROBE_KIND_ENTRIES = [
  httpKind,
  tcpKind,
  execKind,
  commandKind,
  containerKind,
  loadKind,
  prometheusKind,
  workloadKind,
] as const;

export type ProbeKindName = (typeof PROBE_KIND_ENTRIES)[number]['kind'];

/** The probe kinds. */
export const PROBE_KINDS: readonly ProbeKindName[] = PROBE_KIND_ENTRIES.map((entry) => entry.kind);

const byKind = new Map<string, ProbeKind>(
  PROBE_KIND_ENTRIES.map((entry) => [entry.kind, entry as ProbeKind]),
);

/** The schema side of a probe kind, or undefined when there is no such kind. */
export function probeKindOf(kind: string): ProbeKind | undefined {
  return byKind.get(kind);
}
