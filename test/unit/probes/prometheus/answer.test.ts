import { describe, expect, it } from 'vitest';
import { PrometheusError, parseQueryAnswer, parseValue } from '../../../../src/probes/prometheus/answer.js';
import { RECORDED } from './recorded-answers.js';

function parse(answer: { status: number; body: string }) {
  return parseQueryAnswer(answer.status, answer.body);
}

function refusal(answer: { status: number; body: string }): PrometheusError {
  try {
    parse(answer);
  } catch (error) {
    expect(error).toBeInstanceOf(PrometheusError);
    return error as PrometheusError;
  }
  throw new Error('the answer was accepted');
}

describe('parseQueryAnswer', () => {
  it('reads an instant vector of one series with its labels', () => {
    expect(parse(RECORDED.oneSeries)).toEqual({
      type: 'vector',
      series: [{ labels: { __name__: 'up', instance: '127.0.0.1:19191', job: 'faultline' }, value: 1 }],
      warnings: [],
    });
  });

  it('reads every series of a vector and an aggregate without labels', () => {
    const two = parse(RECORDED.twoSeries);
    expect(two.type === 'vector' && two.series.map((one) => [one.labels.handler, one.value])).toEqual([
      ['/-/ready', 1],
      ['/metrics', 2],
    ]);
    expect(parse(RECORDED.aggregate)).toMatchObject({ type: 'vector', series: [{ labels: {}, value: 1 }] });
  });

  it('reads a scalar, and NaN and infinities as numbers', () => {
    expect(parse(RECORDED.scalar)).toEqual({ type: 'scalar', value: 1, warnings: [] });
    expect(parse(RECORDED.plusInf)).toMatchObject({ value: Number.POSITIVE_INFINITY });
    expect(parse(RECORDED.minusInf)).toMatchObject({ value: Number.NEGATIVE_INFINITY });
    const nan = parse(RECORDED.nanVector);
    expect(nan.type === 'vector' && Number.isNaN(nan.series[0]?.value)).toBe(true);
  });

  it('reads an empty vector as no series', () => {
    expect(parse(RECORDED.empty)).toEqual({ type: 'vector', series: [], warnings: [] });
  });

  it('keeps the warnings the server sends with a result', () => {
    const body =
      '{"status":"success","warnings":["a warning"],"data":{"resultType":"scalar","result":[1,"2"]}}';
    expect(parseQueryAnswer(200, body)).toEqual({ type: 'scalar', value: 2, warnings: ['a warning'] });
  });

  it('makes a query Prometheus refuses an error of the probe, with its message', () => {
    const error = refusal(RECORDED.badQuery);
    expect(error.kind).toBe('error');
    expect(error.errorType).toBe('bad_data');
    expect(error.message).toBe(
      'Prometheus refused the query (bad_data): invalid parameter "query": 1:11: parse error: unclosed left parenthesis',
    );
  });

  it('makes a query that fails on the data an error too', () => {
    const error = refusal(RECORDED.manyToMany);
    expect(error.kind).toBe('error');
    expect(error.errorType).toBe('execution');
    expect(error.message).toMatch(/^Prometheus could not evaluate the query \(execution\): found duplicate/);
  });

  it('refuses a range vector and a string, saying what the probe needs', () => {
    expect(refusal(RECORDED.matrix).message).toMatch(/range vector.*rate\(x\[1m\]\)/);
    expect(refusal(RECORDED.string).message).toBe('the query gives a string: the probe needs a number');
  });

  it('says so when the answer is not the query API', () => {
    const html = refusal({ status: 404, body: '<html><body>404 page not found</body></html>' });
    expect(html.message).toBe(
      'HTTP 404, not an answer of the Prometheus query API: <html><body>404 page not found</body></html>',
    );
    expect(html.kind).toBe('error');
    expect(refusal({ status: 200, body: '' }).message).toMatch(/not an answer .*: \(empty\)$/);
    const bad =
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}}';
    expect(refusal({ status: 200, body: bad }).message).toBe(
      'the answer holds a value that is not a number: "x"',
    );
  });
});

describe('parseValue', () => {
  it('reads the values as Go prints them', () => {
    expect(parseValue('0.25')).toBe(0.25);
    expect(parseValue('1e-05')).toBe(0.00001);
    expect(parseValue('-3')).toBe(-3);
    expect(parseValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseValue('NaN')).toBeNaN();
    expect(parseValue('')).toBeUndefined();
    expect(parseValue('nope')).toBeUndefined();
  });
});
