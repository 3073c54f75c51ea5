import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/util/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['2h15m', 8_100_000],
    ['0.25s', 250],
    ['0s', 0],
    [' 2s ', 2000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('rounds fractions of a millisecond', () => {
    expect(parseDuration('1.0006s')).toBe(1001);
  });

  it.each(['5', '5x', '', '-1s', '1 s', 's', '1.s', '.5s', '1sec', '1d', '1S', '1m 30s', 'ms'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [1234, '1.23s'],
    [12_340, '12.3s'],
    [30_000, '30s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [15 * 60_000, '15m'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('rounds sub-millisecond values', () => {
    expect(formatDuration(12.4)).toBe('12ms');
  });

  it.each([500, 1500, 2000, 90_000, 3_600_000])(
    'writes %i ms as text that parses back to the same value',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );
});

describe('formatDuration at unit boundaries', () => {
  it.each([
    [999.6, '1s'],
    [59_990, '1m'],
    [119_600, '2m'],
    [179_500, '3m'],
    [3_600_000, '1h'],
    [3_690_000, '1h1m30s'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
