import { containerKinds } from './container/schema.js';
import { diskKinds } from './disk/schema.js';
import { iptablesKinds } from './iptables/schema.js';
import { limitKinds } from './limits/schema.js';
import { processKinds } from './process/schema.js';
import { proxyKinds } from './proxy/schema.js';
import type { StepKind } from './step-kind.js';
import { stressKinds } from './stress/schema.js';
import { tcKinds } from './tc/schema.js';

/**
 * The schema side of the fault registry: every fault kind the file format knows, in the order it lists
 * them, each with its shape (built on first use) and its selectors. Reading an experiment file needs
 * only this; it imports no family's runtime (inject, revert, scan), which registry.ts lists and the
 * commands that plan or act load. Each family's `schema.ts` exports its kinds: one line here.
 */
export const FAULT_STEP_KINDS = [
  ...containerKinds,
  ...tcKinds,
  ...iptablesKinds,
  ...proxyKinds,
  ...diskKinds,
  ...stressKinds,
  ...limitKinds,
  ...processKinds,
] as const;

export type AnyStepKind = (typeof FAULT_STEP_KINDS)[number];
export type FaultKind = AnyStepKind['kind'];

/** The step kinds that are faults. */
export const FAULT_KINDS: readonly FaultKind[] = FAULT_STEP_KINDS.map((entry) => entry.kind);

const byKind = new Map<string, StepKind>(FAULT_STEP_KINDS.map((entry) => [entry.kind, entry as StepKind]));

/** The schema side of a fault kind, or undefined when there is no such fault kind. */
export function stepKindOf(kind: string): StepKind | undefined {
  return byKind.get(kind);
}
