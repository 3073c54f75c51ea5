import type { Check } from '../../model/journal.js';
import { type Comparison, compare } from '../../util/comparison.js';
import type { QueryResult, Series } from './answer.js';

/** At most this many series out of bound are named in a check; the rest are counted. */
const NAMED = 3;

/**
 * Judges a query's result against a bound: a scalar, or every series of a vector (all must meet it).
 * A vector with no series is a failed check ("no series"): the metric may not exist yet, or the
 * selector matches nothing. NaN meets no bound; ±Inf compare as numbers. Without a bound (a probe with
 * no `expect.value`), the query passes when it gives at least one value and none is NaN.
 */
export function judgeValue(result: QueryResult, bound: Comparison | undefined): Check {
  const meets = (value: number) => (bound ? compare(value, bound) : !Number.isNaN(value));
  const check = { name: 'value', expected: bound?.text ?? 'a value' };
  if (result.type === 'scalar') {
    return { ...check, actual: formatValue(result.value, bound), ok: meets(result.value) };
  }
  const { series } = result;
  if (series.length === 0) return { ...check, actual: 'no series', ok: false };
  const out = series.filter((one) => !meets(one.value));
  if (series.length === 1)
    return { ...check, actual: describeSeries(series[0]!, bound), ok: out.length === 0 };
  if (out.length === 0)
    return { ...check, actual: `all ${series.length} series: ${range(series)}`, ok: true };
  const named = out.slice(0, NAMED).map((one) => describeSeries(one, bound));
  if (out.length > NAMED) named.push(`and ${out.length - NAMED} more`);
  const outOf = bound ? 'out of bound' : 'without a value';
  return {
    ...check,
    actual: `${out.length} of ${series.length} series ${outOf}: ${named.join(', ')}`,
    ok: false,
  };
}

/** `0.25` for a series without labels, `up{instance="a:80",job="api"} = 0` for one with. */
export function describeSeries(series: Series, bound?: Comparison): string {
  const value = formatValue(series.value, bound);
  const labels = formatLabels(series.labels);
  return labels === '{}' ? value : `${labels} = ${value}`;
}

/** A series' name and labels as PromQL writes a selector: `name{a="1",b="2"}`, or `{}` when none. */
export function formatLabels(labels: Record<string, string>): string {
  const { __name__: name = '', ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${JSON.stringify(rest[key])}`);
  if (name !== '' && pairs.length === 0) return name;
  return `${name}{${pairs.join(',')}}`;
}

/**
 * A value as Prometheus prints it (NaN, +Inf, -Inf), with at most 6 significant digits, or all of them
 * when the rounded value would seem to judge otherwise than the exact one (0.0499999999 against < 0.05).
 */
export function formatValue(value: number, bound?: Comparison): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  const rounded = Number(value.toPrecision(6));
  if (bound && compare(rounded, bound) !== compare(value, bound)) return String(value);
  return String(rounded);
}

function range(series: Series[]): string {
  const values = series.map((one) => one.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? formatValue(low) : `${formatValue(low)} to ${formatValue(high)}`;
}
