import { ThresholdError } from '../../load/threshold-error.js';
import { type ThresholdGrammar, thresholdParts } from '../../load/threshold-parts.js';
import { closestName } from '../../util/closest-name.js';
import type { Operator } from '../../util/comparison.js';

/** Counts of writes or values; `==` is allowed on them ("lost == 0"). */
export const WORKLOAD_COUNTS = [
  'lost',
  'duplicates',
  'duplicate_copies',
  'indeterminate',
  'indeterminate_present',
  'unexpected',
  'refused',
  'acknowledged',
  'writes',
  'skipped',
] as const;
/** Acknowledged / attempted writes, overall and per phase, as percentages. */
export const WORKLOAD_RATIOS = [
  'available',
  'available.before',
  'available.during',
  'available.after',
] as const;
export type WorkloadMetric = (typeof WORKLOAD_COUNTS)[number] | (typeof WORKLOAD_RATIOS)[number];
export const WORKLOAD_METRICS: readonly WorkloadMetric[] = [...WORKLOAD_COUNTS, ...WORKLOAD_RATIOS];

/** What a workload probe without thresholds is held to: no acknowledged write may go missing. */
export const DEFAULT_WORKLOAD_THRESHOLDS: readonly string[] = ['lost == 0'];

export interface WorkloadThreshold {
  text: string;
  metric: WorkloadMetric;
  op: Operator;
  /** A count, or a fraction (0.9 for 90%) for an availability. */
  value: number;
}

const EXAMPLE = 'lost == 0';
const HINT = 'write a threshold such as "lost == 0", "duplicates <= 0" or "available.during > 50%"';
const NUMBER = /^\d+(?:\.\d+)?$/;
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/** Names people write for a metric: only ever used to suggest the real one. */
const ALIASES: Record<string, WorkloadMetric> = {
  availability: 'available',
  missing: 'lost',
  lost_writes: 'lost',
  data_loss: 'lost',
  dupes: 'duplicates',
  duplicated: 'duplicates',
  duplicate: 'duplicates',
  copies: 'duplicate_copies',
  extra_copies: 'duplicate_copies',
  unknown: 'indeterminate',
  timeouts: 'indeterminate',
  rejected: 'refused',
  errors: 'refused',
  acked: 'acknowledged',
  acks: 'acknowledged',
  attempted: 'writes',
  requests: 'writes',
};

export function isCountMetric(metric: WorkloadMetric): boolean {
  return (WORKLOAD_COUNTS as readonly string[]).includes(metric);
}

const GRAMMAR: ThresholdGrammar<WorkloadMetric, Operator> = {
  operator: checkOperator,
  metrics: WORKLOAD_METRICS,
  example: EXAMPLE,
  exampleOf: (metric) => example(metric),
  unknownMetric,
  knownMetrics,
  hint: HINT,
};

/**
 * Reads "lost == 0", "duplicates <= 0", "available.before > 90%", "indeterminate < 10". Every metric
 * name, operator and value is checked: a typo is an error, never a threshold that passes.
 */
export function parseWorkloadThreshold(text: string): WorkloadThreshold {
  const { trimmed, metric, op, value: valueText } = thresholdParts(text, GRAMMAR);
  const name = metric;
  const value = isCountMetric(metric)
    ? parseCount(trimmed, metric, valueText)
    : parsePercent(trimmed, metric, valueText);
  if (op === '<' && value === 0) {
    const fix = isCountMetric(metric) ? `${name} == 0` : `${name} <= 0%`;
    throw new ThresholdError(
      trimmed,
      `${name} can never be below 0, so this can never pass: write "${fix}"`,
      HINT,
    );
  }
  if (op === '>' && !isCountMetric(metric) && value === 1) {
    throw new ThresholdError(
      trimmed,
      `${name} can never be above 100%, so this can never pass: write "${name} >= 100%"`,
      HINT,
    );
  }
  return { text: trimmed, metric, op, value };
}

function checkOperator(text: string, metric: WorkloadMetric, op: string): Operator {
  if (op === '<' || op === '<=' || op === '>' || op === '>=') return op;
  if (op === '==' || op === '=') {
    if (isCountMetric(metric)) {
      if (op === '=') throw new ThresholdError(text, 'unknown operator "=": did you mean ==?', HINT);
      return '==';
    }
    throw new ThresholdError(
      text,
      `${metric} is a percentage: use <, <=, > or >= (an exact percentage is a matter of luck)`,
      `to ask for every write to be acknowledged, write "${metric} >= 100%"`,
    );
  }
  if (op === '=<') throw new ThresholdError(text, 'unknown operator "=<": did you mean <=?', HINT);
  if (op === '=>') throw new ThresholdError(text, 'unknown operator "=>": did you mean >=?', HINT);
  const allowed = isCountMetric(metric) ? '<, <=, >, >= or ==' : '<, <=, > or >=';
  throw new ThresholdError(text, `unknown operator "${op}": use ${allowed}`, HINT);
}

function parseCount(text: string, metric: WorkloadMetric, value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  if (PERCENT.test(value)) {
    throw new ThresholdError(
      text,
      `${metric} is a count of writes: expected a whole number such as 0, not "${value}"`,
      HINT,
    );
  }
  throw new ThresholdError(
    text,
    `${metric} is a count: expected a whole number such as 0 or 10, not "${value}"`,
    HINT,
  );
}

function parsePercent(text: string, metric: WorkloadMetric, value: string): number {
  const percent = PERCENT.exec(value);
  if (percent) {
    const number = Number(percent[1]);
    if (number > 100) throw new ThresholdError(text, `${metric} is at most 100%, not ${value}`, HINT);
    return number / 100;
  }
  if (NUMBER.test(value)) {
    const number = Number(value);
    const asFraction =
      number <= 1 ? ` (or ${Number((number * 100).toFixed(6))}% if ${value} is a fraction)` : '';
    throw new ThresholdError(text, `${metric} is a percentage, add %: ${value}%${asFraction}`, HINT);
  }
  throw new ThresholdError(
    text,
    `${metric} is a percentage: expected e.g. 90% or 99.5%, not "${value}"`,
    HINT,
  );
}

function unknownMetric(name: string): string {
  const normalized = name.toLowerCase().replace(/[-\s]/g, '_');
  const unknown = `unknown metric "${name}"`;
  const dotted = normalized.replace(/^(available|availability)_(before|during|after)$/, 'available.$2');
  const same = WORKLOAD_METRICS.find((metric) => metric === dotted) ?? ALIASES[normalized];
  if (same) return `${unknown}: did you mean ${same}?`;
  const near = closestName(dotted, WORKLOAD_METRICS);
  if (near) return `${unknown}: did you mean ${near}?`;
  return `${unknown}: ${knownMetrics()}`;
}

function knownMetrics(): string {
  return `the metrics are ${WORKLOAD_METRICS.join(', ')}`;
}

function example(metric: WorkloadMetric): string {
  return isCountMetric(metric) ? `${metric} == 0` : `${metric} > 90%`;
}
