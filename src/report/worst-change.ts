import { errorRateDelta, formatErrorRate, formatLatency, latencyDelta } from './format.js';
import type { SourceImpact, WorstChange } from './impact-types.js';

/** An error rate that rises by less than this (1 percentage point) is noise next to a latency change. */
const ERROR_RATE_NOTICE = 0.01;

/**
 * The largest change users saw while the fault was in place, against the baseline: the largest rise in
 * error rate when one rose by at least a percentage point, otherwise the largest change of p95.
 */
export function worstChange(probes: readonly SourceImpact[]): WorstChange | null {
  let errors: WorstChange | null = null;
  let errorRise = ERROR_RATE_NOTICE - Number.EPSILON;
  let latency: WorstChange | null = null;
  let latencyRise = Number.NEGATIVE_INFINITY;
  for (const { probe, before, during } of probes) {
    if (before.errorRate !== null && during.errorRate !== null) {
      const rise = during.errorRate - before.errorRate;
      if (rise > errorRise) {
        errorRise = rise;
        errors = change(probe, 'errorRate', before.errorRate, during.errorRate);
      }
    }
    if (before.p95 !== null && during.p95 !== null && during.p95 - before.p95 > latencyRise) {
      latencyRise = during.p95 - before.p95;
      latency = change(probe, 'p95', before.p95, during.p95);
    }
  }
  return errors ?? latency;
}

export function change(
  probe: string,
  metric: WorstChange['metric'],
  before: number | null,
  during: number | null,
): WorstChange {
  const text =
    metric === 'p95'
      ? `p95 ${formatLatency(before)} → ${formatLatency(during)} (${latencyDelta(before, during)})`
      : `error rate ${formatErrorRate(before)} → ${formatErrorRate(during)} (${errorRateDelta(before, during)})`;
  return { probe, metric, before, during, text };
}
