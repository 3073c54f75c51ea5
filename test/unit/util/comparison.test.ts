import { describe, expect, it } from 'vitest';
import { compare, parseDurationBound, parseNumberBound } from '../../../src/util/comparison.js';

describe('parseDurationBound', () => {
  it.each([
    ['< 500ms', '<', 500],
    ['<=2s', '<=', 2000],
    ['> 1m', '>', 60_000],
    ['>= 1.5s', '>=', 1500],
    ['== 100ms', '==', 100],
  ])('reads %j', (text, op, value) => {
    expect(parseDurationBound(text)).toEqual({ op, value, text });
  });

  it('treats a bare duration as an upper bound (<=) and keeps the trimmed text for reports', () => {
    expect(parseDurationBound('  750ms ')).toEqual({ op: '<=', value: 750, text: '750ms' });
  });

  it.each(['fast', '< 5', '<', '', '=< 1s', '< 5x', '!= 1s'])('rejects %j', (text) => {
    expect(parseDurationBound(text)).toBeUndefined();
  });
});

describe('parseNumberBound', () => {
  it('treats a number as an exact value', () => {
    expect(parseNumberBound(0)).toEqual({ op: '==', value: 0, text: '0' });
  });

  it.each([
    ['< 3', '<', 3],
    ['<=3', '<=', 3],
    ['> 0', '>', 0],
    ['>= 1', '>=', 1],
    ['== 2', '==', 2],
    ['2', '==', 2],
    ['2.5', '==', 2.5],
  ])('reads %j', (text, op, value) => {
    expect(parseNumberBound(text)).toEqual({ op, value, text });
  });

  it.each(['many', '< x', '', '<'])('rejects %j', (text) => {
    expect(parseNumberBound(text)).toBeUndefined();
  });
});

describe('compare', () => {
  const bound = (op: '<' | '<=' | '>' | '>=' | '==', value: number) => ({
    op,
    value,
    text: `${op} ${value}`,
  });

  it.each([
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '<=', 2, false],
    [3, '>', 2, true],
    [2, '>', 2, false],
    [2, '>=', 2, true],
    [1, '>=', 2, false],
    [2, '==', 2, true],
    [2.1, '==', 2, false],
  ] as const)('%d %s %d is %s', (actual, op, value, result) => {
    expect(compare(actual, bound(op, value))).toBe(result);
  });

  it('compares a parsed latency bound with a measured latency', () => {
    const under = parseDurationBound('< 1s')!;
    expect(compare(999, under)).toBe(true);
    expect(compare(1000, under)).toBe(false);
  });
});

describe('parseNumberBound rejects bounds without a number', () => {
  it.each([' ', '< ', '<=', 'abc', '< 3x'])('%j is not a bound', (text) => {
    expect(parseNumberBound(text)).toBeUndefined();
  });
});
