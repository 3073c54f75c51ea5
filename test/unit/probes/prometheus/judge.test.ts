import { describe, expect, it } from 'vitest';
import type { QueryResult, Series } from '../../../../src/probes/prometheus/answer.js';
import { formatLabels, judgeValue } from '../../../../src/probes/prometheus/judge.js';
import { parseNumberBound } from '../../../../src/util/comparison.js';

const below = parseNumberBound('< 0.05')!;

function vector(...series: Series[]): QueryResult {
  return { type: 'vector', series, warnings: [] };
}

function errors(instance: string, value: number): Series {
  return { labels: { __name__: 'errors', instance, job: 'api' }, value };
}

describe('judgeValue', () => {
  it('passes a scalar or a single value within the bound and fails one outside it', () => {
    expect(judgeValue({ type: 'scalar', value: 0.01, warnings: [] }, below)).toEqual({
      name: 'value',
      expected: '< 0.05',
      actual: '0.01',
      ok: true,
    });
    expect(judgeValue(vector({ labels: {}, value: 0.2 }), below)).toMatchObject({ actual: '0.2', ok: false });
  });

  it('names the series of a one-series answer by its labels', () => {
    expect(judgeValue(vector(errors('a:80', 0.5)), below)).toMatchObject({
      actual: 'errors{instance="a:80",job="api"} = 0.5',
      ok: false,
    });
  });

  it('fails an empty vector with "no series"', () => {
    expect(judgeValue(vector(), below)).toEqual({
      name: 'value',
      expected: '< 0.05',
      actual: 'no series',
      ok: false,
    });
  });

  it('passes several series only when every one meets the bound', () => {
    const all = judgeValue(vector(errors('a:80', 0.01), errors('b:80', 0.03)), below);
    expect(all).toMatchObject({ actual: 'all 2 series: 0.01 to 0.03', ok: true });
    const one = judgeValue(vector(errors('a:80', 0.01), errors('b:80', 0.3)), below);
    expect(one).toMatchObject({
      actual: '1 of 2 series out of bound: errors{instance="b:80",job="api"} = 0.3',
      ok: false,
    });
  });

  it('names three series out of bound and counts the rest', () => {
    const many = vector(...['a', 'b', 'c', 'd', 'e'].map((host) => errors(`${host}:80`, 1)));
    expect(judgeValue(many, below).actual).toBe(
      '5 of 5 series out of bound: errors{instance="a:80",job="api"} = 1, errors{instance="b:80",job="api"} = 1, ' +
        'errors{instance="c:80",job="api"} = 1, and 2 more',
    );
  });

  it('fails NaN against any bound and compares infinities', () => {
    for (const text of ['< 1', '> 1', '>= 0', '0']) {
      expect(judgeValue(vector({ labels: {}, value: Number.NaN }), parseNumberBound(text)!)).toMatchObject({
        actual: 'NaN',
        ok: false,
      });
    }
    const above = parseNumberBound('> 100')!;
    expect(
      judgeValue({ type: 'scalar', value: Number.POSITIVE_INFINITY, warnings: [] }, above),
    ).toMatchObject({
      actual: '+Inf',
      ok: true,
    });
    expect(
      judgeValue({ type: 'scalar', value: Number.NEGATIVE_INFINITY, warnings: [] }, above),
    ).toMatchObject({
      actual: '-Inf',
      ok: false,
    });
  });

  it('rounds a value to six significant digits, unless the rounded value would seem to judge otherwise', () => {
    const scalar = (value: number): QueryResult => ({ type: 'scalar', value, warnings: [] });
    expect(judgeValue(scalar(0.0123456789), below)).toMatchObject({ actual: '0.0123457', ok: true });
    expect(judgeValue(scalar(0.0499999999), below)).toMatchObject({ actual: '0.0499999999', ok: true });
  });
});

describe('judgeValue without a bound', () => {
  it('passes any value and fails no series or NaN', () => {
    expect(judgeValue(vector(errors('a:80', 0), errors('b:80', 7)), undefined)).toEqual({
      name: 'value',
      expected: 'a value',
      actual: 'all 2 series: 0 to 7',
      ok: true,
    });
    expect(judgeValue(vector(), undefined)).toMatchObject({ actual: 'no series', ok: false });
    expect(judgeValue({ type: 'scalar', value: Number.NaN, warnings: [] }, undefined)).toMatchObject({
      actual: 'NaN',
      ok: false,
    });
    expect(judgeValue(vector(errors('a:80', 1), errors('b:80', Number.NaN)), undefined)).toMatchObject({
      actual: '1 of 2 series without a value: errors{instance="b:80",job="api"} = NaN',
      ok: false,
    });
  });
});

describe('formatLabels', () => {
  it('writes a selector as PromQL does, labels sorted', () => {
    expect(formatLabels({ job: 'api', __name__: 'up', instance: 'a' })).toBe('up{instance="a",job="api"}');
    expect(formatLabels({ __name__: 'up' })).toBe('up');
    expect(formatLabels({ path: 'say "hi"' })).toBe('{path="say \\"hi\\""}');
    expect(formatLabels({})).toBe('{}');
  });
});
