import { formatDuration } from '../util/duration.js';
import type { FaultImpact, Recovery, WorstChange } from './impact-types.js';
import { worstChange } from './worst-change.js';

/** A run's faults in a few words, e.g. "pause on shop-db-1"; "none" without a fault. */
export function faultsInWords(impacts: readonly FaultImpact[], most = 3): string {
  const names = [...new Set(impacts.map((impact) => `${impact.fault} on ${impact.target}`))];
  if (names.length === 0) return 'none';
  const shown = names.slice(0, most).join(', ');
  return names.length > most ? `${shown} and ${names.length - most} more` : shown;
}

/** The worst change of any fault of a run. */
export function worstOfRun(impacts: readonly FaultImpact[]): WorstChange | null {
  return worstChange(impacts.flatMap((impact) => impact.probes));
}

/**
 * The run's time to recover: the longest of its faults'; a fault that did not recover (or was not
 * reverted) outranks any time.
 */
export function recoveryOfRun(impacts: readonly FaultImpact[]): Recovery | null {
  if (impacts.length === 0) return null;
  for (const status of ['not-reverted', 'not-recovered'] as const) {
    if (impacts.some((impact) => impact.recovery.status === status)) return { status, ms: null };
  }
  const measured = impacts.filter((impact) => impact.recovery.status === 'recovered');
  if (measured.length === 0) return { status: 'not-measured', ms: null };
  return { status: 'recovered', ms: Math.max(...measured.map((impact) => impact.recovery.ms ?? 0)) };
}

/** "49ms", "not recovered", "not measured", "not reverted"; "-" without a fault. */
export function recoveryInWords(recovery: Recovery | null): string {
  if (recovery === null) return '-';
  if (recovery.status === 'recovered') return formatDuration(recovery.ms ?? 0);
  return recovery.status.replace('-', ' ');
}
