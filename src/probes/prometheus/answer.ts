import { ProbeFailure } from '../observation.js';

/** One series of an instant vector: its labels (with `__name__` when it has a metric name) and value. */
export interface Series {
  labels: Record<string, string>;
  value: number;
}

/**
 * What an instant query gave: an instant vector (no, one or many series) or a scalar. Values may be
 * NaN or ±Infinity, as PromQL computes them. `warnings` are the server's, passed on for the report.
 */
export type QueryResult =
  | { type: 'vector'; series: Series[]; warnings: string[] }
  | { type: 'scalar'; value: number; warnings: string[] };

/**
 * Why Prometheus gave no result: its own `errorType` (`bad_data` for a query that does not parse,
 * `execution` for one that fails on the data, `timeout`, `canceled`, `unavailable`, `internal`), or
 * `unreachable` (no answer at all) or `answer` (an answer that is not the query API's).
 */
export class PrometheusError extends ProbeFailure {
  constructor(
    message: string,
    readonly errorType: string,
  ) {
    // Prometheus is the environment's, never the system's under test: no answer is an error, not a fail.
    super(message, 'error');
    this.name = 'PrometheusError';
  }
}

/** Reads the query API's answer (HTTP status and body); throws a PrometheusError for anything else. */
export function parseQueryAnswer(status: number, body: string): QueryResult {
  const answer = parseJson(body);
  if (!isRecord(answer) || (answer.status !== 'success' && answer.status !== 'error')) {
    throw new PrometheusError(
      `HTTP ${status}, not an answer of the Prometheus query API: ${excerpt(body)}`,
      'answer',
    );
  }
  if (answer.status === 'error') throw refusal(answer);
  const warnings = Array.isArray(answer.warnings) ? answer.warnings.map(String) : [];
  const data = isRecord(answer.data) ? answer.data : {};
  switch (data.resultType) {
    case 'vector':
      return { type: 'vector', series: readVector(data.result), warnings };
    case 'scalar':
      return { type: 'scalar', value: readSample(data.result), warnings };
    case 'matrix':
      throw new PrometheusError(
        'the query gives a range vector (many values per series): the probe needs one value per series; ' +
          'apply a function to it, e.g. rate(x[1m]) or max_over_time(x[1m]) instead of x[1m]',
        'result',
      );
    case 'string':
      throw new PrometheusError('the query gives a string: the probe needs a number', 'result');
    default:
      throw new PrometheusError(`an answer with no result the probe knows: ${excerpt(body)}`, 'answer');
  }
}

function refusal(answer: Record<string, unknown>): PrometheusError {
  const type = typeof answer.errorType === 'string' ? answer.errorType : 'unknown';
  const detail = typeof answer.error === 'string' ? answer.error : '(no message)';
  const what =
    type === 'bad_data'
      ? 'Prometheus refused the query'
      : type === 'execution'
        ? 'Prometheus could not evaluate the query'
        : 'Prometheus gave no result';
  return new PrometheusError(`${what} (${type}): ${detail}`, type);
}

function readVector(result: unknown): Series[] {
  if (!Array.isArray(result)) throw malformed('a vector result that is not a list');
  return result.map((item) => {
    if (!isRecord(item) || !isRecord(item.metric)) throw malformed('a series without labels');
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(item.metric)) labels[name] = String(value);
    return { labels, value: readSample(item.value) };
  });
}

/** A `[time, "value"]` pair: the value as Go formats a float ("1.5", "NaN", "+Inf", "-Inf", "1e-05"). */
function readSample(sample: unknown): number {
  if (!Array.isArray(sample) || sample.length !== 2 || typeof sample[1] !== 'string') {
    throw malformed('a sample that is not [time, "value"]');
  }
  const value = parseValue(sample[1]);
  if (value === undefined) throw malformed(`a value that is not a number: ${JSON.stringify(sample[1])}`);
  return value;
}

export function parseValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  const value = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isNaN(value) ? undefined : value;
}

function malformed(what: string): PrometheusError {
  return new PrometheusError(`the answer holds ${what}`, 'answer');
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty)';
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
