import { describe, expect, it } from 'vitest';
import {
  durationTooLong,
  formatDuration,
  formatLongDuration,
  MAX_DURATION_MS,
  parseDuration,
} from '../../../src/util/duration.js';

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

describe('durationTooLong: what a timer cannot hold', () => {
  const LIMIT = 'the longest duration faultline can hold, 24d 20h 31m 23s (2147483647ms)';

  it('is the largest delay setTimeout honours', async () => {
    expect(MAX_DURATION_MS).toBe(2_147_483_647);
    // One millisecond more and Node fires the timer after 1 ms: the overflow this limit prevents.
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, MAX_DURATION_MS + 1).unref());
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each(['600h', '596h31m24s', '2147483648ms', '9999999999999h'])(
    'refuses %s, naming the limit',
    (text) => {
      expect(durationTooLong(text)).toBe(`${text} is longer than ${LIMIT}`);
    },
  );

  it('refuses a number of digits too long to be finite, showing only its start', () => {
    const text = `${'9'.repeat(400)}h`;
    expect(parseDuration(text)).toBeUndefined();
    expect(durationTooLong(text)).toBe(`${'9'.repeat(20)}... is longer than ${LIMIT}`);
  });

  it.each(['2147483647ms', '596h31m23s', '24h', '1.5s', '0s'])('accepts %s', (text) => {
    expect(durationTooLong(text)).toBeUndefined();
  });

  it('leaves text that is no duration to the duration check', () => {
    expect(durationTooLong('soon')).toBeUndefined();
  });

  it('writes long durations with days', () => {
    expect(formatLongDuration(MAX_DURATION_MS)).toBe('24d 20h 31m 23s');
    expect(formatLongDuration(86_400_000 + 5000)).toBe('1d 5s');
    expect(formatLongDuration(0)).toBe('0s');
  });
});
