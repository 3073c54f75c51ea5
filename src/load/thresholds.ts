import { parseDuration } from '../util/duration.js';
import { exactDurationMs } from './exact-duration.js';
import { metricKind, THRESHOLD_METRICS } from './metrics.js';
import { ThresholdError } from './threshold-error.js';
import { type ThresholdGrammar, thresholdParts } from './threshold-parts.js';
import type { LoadMetric, Threshold } from './types.js';
import { knownMetrics, unknownMetricProblem } from './unknown-metric.js';

export { type MetricKind, metricKind, THRESHOLD_METRICS } from './metrics.js';
export { ThresholdError } from './threshold-error.js';

const EXAMPLE = 'p95 < 300ms';
const OPERATORS = ['<', '<=', '>', '>='] as const;
const NUMBER = /^\d+(?:\.\d+)?$/;
const SPACED_DURATION = /^(\d+(?:\.\d+)?)\s+(ms|s|m|h)$/;
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m)$/;

const GRAMMAR: ThresholdGrammar<LoadMetric, Threshold['op']> = {
  operator: checkOperator,
  metrics: THRESHOLD_METRICS,
  example: EXAMPLE,
  exampleOf: (metric) => example(metric),
  unknownMetric: unknownMetricProblem,
  knownMetrics,
};

/**
 * Reads "p95 < 300ms", "error_rate < 1%", "throughput > 45/s", "requests > 100". Every metric name,
 * operator and unit is checked: a typo is an error, never a threshold that passes.
 */
export function parseThreshold(text: string): Threshold {
  const { trimmed, metric, op, value: valueText } = thresholdParts(text, GRAMMAR);
  const name = metric;
  const value = parseValue(trimmed, metric, valueText);
  if (op === '<' && value === 0) {
    throw new ThresholdError(
      trimmed,
      `${name} can never be below 0, so this can never pass: write "${name} <= ${valueText}"`,
    );
  }
  return { text: trimmed, metric, op, value };
}

function checkOperator(text: string, metric: LoadMetric, op: string): Threshold['op'] {
  const found = OPERATORS.find((known) => known === op);
  if (found) return found;
  if (op === '=<') throw new ThresholdError(text, 'unknown operator "=<": did you mean <=?');
  if (op === '=>') throw new ThresholdError(text, 'unknown operator "=>": did you mean >=?');
  throw new ThresholdError(
    text,
    `unknown operator "${op}": a threshold is a bound, use <, <=, > or >=`,
    metric === 'error_rate' ? 'to allow no errors at all, write "error_rate <= 0%"' : undefined,
  );
}

function parseValue(text: string, metric: LoadMetric, value: string): number {
  switch (metricKind(metric)) {
    case 'latency':
      return parseLatency(text, metric, value);
    case 'ratio':
      return parseRatio(text, value);
    case 'rate':
      return parseRate(text, value);
    case 'count':
      return parseCount(text, value);
  }
}

function parseLatency(text: string, metric: LoadMetric, value: string): number {
  if (parseDuration(value) !== undefined) return exactDurationMs(value);
  if (NUMBER.test(value)) throw new ThresholdError(text, `${metric} is a latency, add a unit: ${value}ms`);
  const spaced = SPACED_DURATION.exec(value);
  if (spaced) {
    throw new ThresholdError(text, `write the duration without a space: ${spaced[1]}${spaced[2]}`);
  }
  throw new ThresholdError(
    text,
    `${metric} is a latency: expected a duration such as 300ms or 1.5s, not "${value}"`,
  );
}

function parseRatio(text: string, value: string): number {
  const percent = PERCENT.exec(value);
  if (percent) {
    const number = Number(percent[1]);
    if (number > 100) throw new ThresholdError(text, `error_rate is at most 100%, not ${value}`);
    return number / 100;
  }
  if (NUMBER.test(value)) {
    const number = Number(value);
    const asFraction = number < 1 ? ` (or ${formatPlain(number * 100)}% if ${value} is a fraction)` : '';
    throw new ThresholdError(text, `error_rate is a percentage, add %: ${value}%${asFraction}`);
  }
  throw new ThresholdError(text, `error_rate is a percentage: expected e.g. 1% or 0.5%, not "${value}"`);
}

function parseRate(text: string, value: string): number {
  const rate = RATE.exec(value);
  if (rate) return Number(rate[1]) / (rate[2] === 'm' ? 60 : 1);
  if (NUMBER.test(value)) {
    throw new ThresholdError(text, `throughput is a rate, add a unit: ${value}/s (or ${value}/m per minute)`);
  }
  throw new ThresholdError(
    text,
    `throughput is a rate: expected requests per second or per minute, e.g. 45/s or 2700/m, not "${value}"`,
  );
}

function parseCount(text: string, value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  throw new ThresholdError(text, `requests is a count: expected a whole number such as 100, not "${value}"`);
}

function example(metric: LoadMetric): string {
  switch (metricKind(metric)) {
    case 'latency':
      return `${metric} < 300ms`;
    case 'ratio':
      return 'error_rate < 1%';
    case 'rate':
      return 'throughput > 45/s';
    case 'count':
      return 'requests > 100';
  }
}

function formatPlain(value: number): string {
  return String(Number(value.toFixed(6)));
}
