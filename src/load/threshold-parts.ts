import { ThresholdError } from './threshold-error.js';

const NAME = /^([A-Za-z_][\w.-]*)\s*(.*)$/s;
const OPERATOR = /^(<=|>=|=<|=>|==|!=|=|<|>)\s*(.*)$/s;

/** What a family of thresholds (a load probe's, a workload's) knows, for its messages. */
export interface ThresholdGrammar<Metric extends string, Op extends string> {
  metrics: readonly Metric[];
  /** A threshold to show as an example, e.g. "p95 < 300ms". */
  example: string;
  /** An example for one metric, e.g. "error_rate < 1%". */
  exampleOf(metric: Metric): string;
  /** Why an unknown metric name is wrong (with a suggestion), and the hint naming the known ones. */
  unknownMetric(name: string): string;
  knownMetrics(): string;
  /** The operator as written, checked for the metric (a bad one throws). */
  operator(text: string, metric: Metric, written: string): Op;
  /** The hint of every other error, if any. */
  hint?: string | undefined;
}

/**
 * A threshold's three parts, "<metric> <operator> <value>", each checked for being there, the metric
 * and the operator by the grammar: what is left to each family is reading its values.
 */
export function thresholdParts<Metric extends string, Op extends string>(
  text: string,
  grammar: ThresholdGrammar<Metric, Op>,
): { trimmed: string; metric: Metric; op: Op; value: string } {
  const { hint } = grammar;
  const trimmed = text.trim();
  if (!trimmed)
    throw new ThresholdError(text, `empty threshold: write one such as "${grammar.example}"`, hint);
  const named = NAME.exec(trimmed);
  if (!named) throw new ThresholdError(trimmed, `expected a metric first, as in "${grammar.example}"`, hint);
  const name = named[1]!;
  const metric = grammar.metrics.find((known) => known === name);
  if (!metric) throw new ThresholdError(trimmed, grammar.unknownMetric(name), grammar.knownMetrics());
  const compared = OPERATOR.exec(named[2]!);
  if (!compared) {
    throw new ThresholdError(
      trimmed,
      `missing a comparison after ${name}: write e.g. "${grammar.exampleOf(metric)}"`,
      hint,
    );
  }
  const op = grammar.operator(trimmed, metric, compared[1]!);
  const value = compared[2]!.trim();
  if (!value) {
    throw new ThresholdError(
      trimmed,
      `missing a value after "${name} ${op}": write e.g. "${grammar.exampleOf(metric)}"`,
      hint,
    );
  }
  return { trimmed, metric, op, value };
}
