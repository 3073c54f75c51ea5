import { describe, expect, it } from 'vitest';
import { ThresholdError } from '../../../../src/load/thresholds.js';
import { parseWorkloadThreshold } from '../../../../src/probes/workload/thresholds.js';

function problem(text: string): string {
  try {
    parseWorkloadThreshold(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ThresholdError);
    return (error as ThresholdError).message;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('workload thresholds', () => {
  it('reads counts with any comparison, == included', () => {
    expect(parseWorkloadThreshold('lost == 0')).toEqual({
      text: 'lost == 0',
      metric: 'lost',
      op: '==',
      value: 0,
    });
    expect(parseWorkloadThreshold(' duplicates<=0 ')).toMatchObject({
      metric: 'duplicates',
      op: '<=',
      value: 0,
    });
    expect(parseWorkloadThreshold('indeterminate < 10')).toMatchObject({
      metric: 'indeterminate',
      op: '<',
      value: 10,
    });
    expect(parseWorkloadThreshold('writes >= 100')).toMatchObject({ metric: 'writes', op: '>=', value: 100 });
  });

  it('reads availabilities as percentages, overall and per phase', () => {
    expect(parseWorkloadThreshold('available.before > 90%')).toEqual({
      text: 'available.before > 90%',
      metric: 'available.before',
      op: '>',
      value: 0.9,
    });
    expect(parseWorkloadThreshold('available >= 99.5 %')).toMatchObject({
      metric: 'available',
      value: 0.995,
    });
    expect(parseWorkloadThreshold('available.during >= 0%')).toMatchObject({ value: 0 });
  });

  it('names the metric meant when one is misspelt or called otherwise', () => {
    expect(problem('lsot == 0')).toBe('"lsot == 0": unknown metric "lsot": did you mean lost?');
    expect(problem('dupes == 0')).toBe('"dupes == 0": unknown metric "dupes": did you mean duplicates?');
    expect(problem('available_during > 50%')).toBe(
      '"available_during > 50%": unknown metric "available_during": did you mean available.during?',
    );
    expect(problem('available.durnig > 50%')).toContain('did you mean available.during?');
    expect(problem('availability > 50%')).toContain('did you mean available?');
    expect(problem('p95 < 3ms')).toBe(
      '"p95 < 3ms": unknown metric "p95": the metrics are lost, duplicates, duplicate_copies, indeterminate, indeterminate_present, unexpected, refused, acknowledged, writes, skipped, available, available.before, available.during, available.after',
    );
  });

  it('refuses an operator that is not a bound, and == on a percentage', () => {
    expect(problem('lost = 0')).toBe('"lost = 0": unknown operator "=": did you mean ==?');
    expect(problem('lost != 0')).toBe('"lost != 0": unknown operator "!=": use <, <=, >, >= or ==');
    expect(problem('lost =< 0')).toBe('"lost =< 0": unknown operator "=<": did you mean <=?');
    expect(problem('available == 100%')).toBe(
      '"available == 100%": available is a percentage: use <, <=, > or >= (an exact percentage is a matter of luck)',
    );
  });

  it('says what is missing or wrong with the value', () => {
    expect(problem('')).toBe('"": empty threshold: write one such as "lost == 0"');
    expect(problem('== 0')).toBe('"== 0": expected a metric first, as in "lost == 0"');
    expect(problem('lost')).toBe('"lost": missing a comparison after lost: write e.g. "lost == 0"');
    expect(problem('available.after >')).toBe(
      '"available.after >": missing a value after "available.after >": write e.g. "available.after > 90%"',
    );
    expect(problem('lost == 1.5')).toBe(
      '"lost == 1.5": lost is a count: expected a whole number such as 0 or 10, not "1.5"',
    );
    expect(problem('lost < 1%')).toContain('lost is a count of writes');
    expect(problem('available > 0.9')).toBe(
      '"available > 0.9": available is a percentage, add %: 0.9% (or 90% if 0.9 is a fraction)',
    );
    expect(problem('available > 120%')).toBe('"available > 120%": available is at most 100%, not 120%');
    expect(problem('available > lots')).toContain('expected e.g. 90% or 99.5%, not "lots"');
  });

  it('refuses a threshold that can never pass', () => {
    expect(problem('lost < 0')).toBe(
      '"lost < 0": lost can never be below 0, so this can never pass: write "lost == 0"',
    );
    expect(problem('available > 100%')).toContain('write "available >= 100%"');
  });
});
