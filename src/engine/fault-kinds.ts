import type { NetworkFaultPlan } from '../network/network-fault.js';
import type { PlannedInjection } from './plan.js';

/*
 * The only places the run looks at a fault's type: each answers one question about a planned
 * injection, so a fault-driver registry can answer it instead.
 */

/** The network fault an injection carries, or undefined for a container fault. */
export function networkFaultOf(injection: PlannedInjection): NetworkFaultPlan | undefined {
  return injection.fault.type === 'container' ? undefined : injection.fault;
}

/** The fault's kind as the ledger records it (`pause`, `latency`, ...). */
export function faultKindOf(injection: PlannedInjection): string {
  return injection.fault.type === 'container' ? injection.fault.spec.kind : injection.fault.kind;
}
