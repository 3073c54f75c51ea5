import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { parseThreshold, THRESHOLD_METRICS, ThresholdError } from '../../../src/load/thresholds.js';

function problemWith(text: string): ThresholdError {
  try {
    parseThreshold(text);
  } catch (error) {
    if (error instanceof ThresholdError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseThreshold', () => {
  it.each([
    ['p50 < 50ms', 'p50', '<', 50],
    ['p90 < 200ms', 'p90', '<', 200],
    ['p95 < 300ms', 'p95', '<', 300],
    ['p99 <= 1s', 'p99', '<=', 1000],
    ['max < 2s', 'max', '<', 2000],
    ['mean < 100ms', 'mean', '<', 100],
    ['p95 > 1.5s', 'p95', '>', 1500],
    ['p95 >= 1m', 'p95', '>=', 60_000],
    ['p95 < 2.5ms', 'p95', '<', 2.5],
    ['error_rate < 1%', 'error_rate', '<', 0.01],
    ['error_rate < 0.5%', 'error_rate', '<', 0.005],
    ['error_rate <= 0%', 'error_rate', '<=', 0],
    ['error_rate < 100%', 'error_rate', '<', 1],
    ['throughput > 45/s', 'throughput', '>', 45],
    ['throughput > 2700/m', 'throughput', '>', 45],
    ['throughput >= 0.5/s', 'throughput', '>=', 0.5],
    ['requests > 100', 'requests', '>', 100],
    ['requests >= 0', 'requests', '>=', 0],
  ])('reads %j', (text, metric, op, value) => {
    const threshold = parseThreshold(text);
    expect(threshold).toMatchObject({ text, metric, op });
    expect(threshold.value).toBeCloseTo(value, 12);
  });

  it('accepts any spacing around the operator and keeps the trimmed text for reports', () => {
    expect(parseThreshold('  p95<300ms ')).toEqual({ text: 'p95<300ms', metric: 'p95', op: '<', value: 300 });
    expect(parseThreshold('throughput >= 45 / s').value).toBe(45);
    expect(parseThreshold('error_rate < 1 %').value).toBeCloseTo(0.01, 12);
  });

  it('lists every metric it accepts', () => {
    expect(THRESHOLD_METRICS).toEqual([
      'p50',
      'p90',
      'p95',
      'p99',
      'max',
      'mean',
      'error_rate',
      'throughput',
      'requests',
    ]);
    for (const metric of THRESHOLD_METRICS) {
      const value =
        metric === 'error_rate' ? '1%' : metric === 'throughput' ? '1/s' : metric === 'requests' ? '1' : '1s';
      expect(parseThreshold(`${metric} > ${value}`).metric).toBe(metric);
    }
  });
});

describe('parseThreshold rejects a metric it does not know', () => {
  it.each([
    ['p59 < 300ms', 'did you mean p95?'],
    ['P95 < 300ms', 'did you mean p95?'],
    ['p95_latency < 300ms', 'did you mean p95?'],
    ['mena < 100ms', 'did you mean mean?'],
    ['avg < 100ms', 'did you mean mean?'],
    ['median < 100ms', 'did you mean p50?'],
    ['error-rate < 1%', 'did you mean error_rate?'],
    ['errorrate < 1%', 'did you mean error_rate?'],
    ['errors < 1%', 'did you mean error_rate?'],
    ['eror_rate < 1%', 'did you mean error_rate?'],
    ['througput > 45/s', 'did you mean throughput?'],
    ['thruput > 45/s', 'did you mean throughput?'],
    ['rps > 45/s', 'did you mean throughput?'],
    ['requets > 100', 'did you mean requests?'],
    ['mx < 2s', 'did you mean max?'],
  ])('%j: %s', (text, suggestion) => {
    const error = problemWith(text);
    expect(error.message).toContain('unknown metric');
    expect(error.message).toContain(suggestion);
    expect(error.hint).toContain(
      'the metrics are p50, p90, p95, p99, max, mean, error_rate, throughput, requests',
    );
  });

  it('names the percentiles it measures for one it does not, rather than guess', () => {
    expect(problemWith('p75 < 1s').message).toBe(
      '"p75 < 1s": unknown metric "p75": the percentiles are p50, p90, p95 and p99 (max is the slowest request)',
    );
    expect(problemWith('p99.9 < 1s').message).toContain('the percentiles are p50, p90, p95 and p99');
  });

  it('asks for a percentile when a latency is named in general', () => {
    for (const text of ['latency < 300ms', 'http_req_duration < 300ms', 'response_time < 1s']) {
      expect(problemWith(text).message).toContain('name a percentile (p50, p90, p95, p99), max or mean');
    }
  });

  it('lists the metrics when nothing is close', () => {
    expect(problemWith('banana < 3').message).toBe(
      '"banana < 3": unknown metric "banana": the metrics are p50, p90, p95, p99, max, mean, error_rate, throughput, requests',
    );
  });
});

describe('parseThreshold says how to fix', () => {
  it.each([
    ['', 'empty threshold: write one such as "p95 < 300ms"'],
    ['   ', 'empty threshold'],
    ['< 300ms', '"< 300ms": expected a metric first, as in "p95 < 300ms"'],
    ['p95 300ms', '"p95 300ms": missing a comparison after p95: write e.g. "p95 < 300ms"'],
    ['error_rate', 'missing a comparison after error_rate: write e.g. "error_rate < 1%"'],
    ['p95 <', 'missing a value after "p95 <": write e.g. "p95 < 300ms"'],
    ['p95 =< 300ms', 'unknown operator "=<": did you mean <=?'],
    ['p95 => 300ms', 'unknown operator "=>": did you mean >=?'],
    ['p95 = 300ms', 'unknown operator "=": a threshold is a bound, use <, <=, > or >='],
    ['p95 == 300ms', 'unknown operator "=="'],
    ['p95 != 300ms', 'unknown operator "!="'],
    ['p95 < 300', '"p95 < 300": p95 is a latency, add a unit: 300ms'],
    ['max < 1.5', 'max is a latency, add a unit: 1.5ms'],
    ['p95 < 300 ms', 'write the duration without a space: 300ms'],
    ['p95 < 1%', 'p95 is a latency: expected a duration such as 300ms or 1.5s, not "1%"'],
    ['p95 < fast', 'not "fast"'],
    ['p95 < 0ms', 'p95 can never be below 0, so this can never pass: write "p95 <= 0ms"'],
    ['error_rate < 1', 'error_rate is a percentage, add %: 1%'],
    ['error_rate < 0.01', 'error_rate is a percentage, add %: 0.01% (or 1% if 0.01 is a fraction)'],
    ['error_rate < 101%', 'error_rate is at most 100%, not 101%'],
    ['error_rate < 1/s', 'error_rate is a percentage: expected e.g. 1% or 0.5%, not "1/s"'],
    ['error_rate < 0%', 'write "error_rate <= 0%"'],
    ['throughput > 45', 'throughput is a rate, add a unit: 45/s (or 45/m per minute)'],
    ['throughput > 45/h', 'expected requests per second or per minute, e.g. 45/s or 2700/m, not "45/h"'],
    ['throughput > 45rps', 'not "45rps"'],
    ['requests > 100.5', 'requests is a count: expected a whole number such as 100, not "100.5"'],
    ['requests > 10/s', 'not "10/s"'],
    ['p95 < -1ms', 'not "-1ms"'],
  ])('%j', (text, message) => {
    const error = problemWith(text);
    expect(error.message).toContain(message);
    expect(error.threshold).toBe(text.trim() || text);
  });

  it('is a known input error with a stable code and a hint, so the CLI prints it without a stack', () => {
    const error = problemWith('p95 < 300');
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('threshold-invalid');
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain('p95 < 300ms');
    expect(error.name).toBe('ThresholdError');
  });

  it('points at error_rate <= 0% for "no errors at all"', () => {
    expect(problemWith('error_rate == 0%').hint).toBe('to allow no errors at all, write "error_rate <= 0%"');
  });
});
