import type { Recovery } from './impact-types.js';

/** A check of the hypothesis that started `atMs` after the run started, and whether it was met. */
export interface TimedCheck {
  atMs: number;
  ok: boolean;
}

/**
 * The time from the end of the revert to the first check from which the hypothesis stays met: that
 * check and every later one in the window met it. A miss after a pass restarts the clock, so a service
 * that answers once and falls over again has not recovered yet. The precision is the probe's sampling
 * interval (or the load probe's step).
 */
export function recoveryOf(checks: readonly TimedCheck[], revertedMs: number): Recovery {
  const sorted = [...checks].sort((a, b) => a.atMs - b.atMs);
  if (sorted.length === 0) return { status: 'not-measured', ms: null };
  let lastMiss = -1;
  sorted.forEach((check, i) => {
    if (!check.ok) lastMiss = i;
  });
  const first = sorted[lastMiss + 1];
  if (!first) return { status: 'not-recovered', ms: null };
  return { status: 'recovered', ms: Math.max(0, Math.round(first.atMs - revertedMs)) };
}
