import { describe, expect, it } from 'vitest';
import { evaluateThreshold, slidingWindows, statsOf, timeBuckets } from '../../../src/load/stats.js';
import { parseThreshold } from '../../../src/load/thresholds.js';
import type { LoadStats, RequestRecord } from '../../../src/load/types.js';

const T0 = 1_700_000_000_000;

function record(at: number, latencyMs: number, ok = true): RequestRecord {
  return {
    scheduledAt: T0 + at,
    startedAt: T0 + at,
    latencyMs,
    ok,
    ...(ok ? { status: 200 } : { error: 'timeout' }),
  };
}

/** 100 requests, one every 10 ms over a second, with latencies 1..100 ms in a shuffled order. */
function hundredRequests(): RequestRecord[] {
  const latencies = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
  return latencies.map((latency, i) => record(i * 10, latency));
}

function check(threshold: string, stats: LoadStats) {
  return evaluateThreshold(parseThreshold(threshold), stats);
}

describe('statsOf', () => {
  it('takes percentiles by nearest rank over every request in the interval', () => {
    const stats = statsOf(hundredRequests(), T0, T0 + 1000);
    expect(stats).toMatchObject({
      requests: 100,
      errors: 0,
      errorRate: 0,
      p50: 50,
      p90: 90,
      p95: 95,
      p99: 99,
    });
    expect(stats.max).toBe(100);
    expect(stats.mean).toBeCloseTo(50.5, 9);
  });

  it('uses the nearest rank, not an interpolation, on small samples', () => {
    const records = [record(0, 10), record(1, 20), record(2, 30), record(3, 40)];
    expect(statsOf(records, T0, T0 + 1000)).toMatchObject({
      p50: 20,
      p90: 40,
      p95: 40,
      p99: 40,
      max: 40,
      mean: 25,
    });
    expect(statsOf([record(0, 7)], T0, T0 + 1000)).toMatchObject({ p50: 7, p99: 7, max: 7 });
  });

  it('counts a request by when it was scheduled: from is included, to is not', () => {
    const records = [record(-1, 500), record(0, 10), record(999, 20), record(1000, 900)];
    expect(statsOf(records, T0, T0 + 1000)).toMatchObject({ requests: 2, max: 20 });
  });

  it('counts failed requests as errors and in the latencies a user waited', () => {
    const records = [record(0, 10), record(10, 10), record(20, 10), record(30, 2000, false)];
    const stats = statsOf(records, T0, T0 + 1000);
    expect(stats).toMatchObject({ requests: 4, errors: 1, errorRate: 0.25, max: 2000 });
  });

  it('measures throughput as successful answers arriving in the interval, per second', () => {
    // 20 requests scheduled in the first second; 10 answered within it, 5 late, 5 failed.
    const records = [
      ...Array.from({ length: 10 }, (_, i) => record(i * 10, 5)),
      ...Array.from({ length: 5 }, (_, i) => record(500 + i * 10, 800)),
      ...Array.from({ length: 5 }, (_, i) => record(600 + i * 10, 5, false)),
    ];
    expect(statsOf(records, T0, T0 + 1000).throughput).toBe(10);
    expect(statsOf(records, T0, T0 + 500).throughput).toBe(20);
    expect(statsOf(records, T0 + 1000, T0 + 2000)).toMatchObject({ requests: 0, throughput: 5 });
  });

  it('reports an empty interval as no requests, with no latency to show', () => {
    const stats = statsOf([], T0, T0 + 1000);
    expect(stats).toMatchObject({
      from: T0,
      to: T0 + 1000,
      requests: 0,
      errors: 0,
      errorRate: 0,
      throughput: 0,
    });
    for (const field of ['p50', 'p90', 'p95', 'p99', 'max', 'mean'] as const) {
      expect(stats[field]).toBeNaN();
    }
  });

  it('does not depend on the order of the records', () => {
    const records = hundredRequests();
    expect(statsOf([...records].reverse(), T0, T0 + 1000)).toEqual(statsOf(records, T0, T0 + 1000));
  });
});

describe('evaluateThreshold', () => {
  const stats = statsOf(hundredRequests(), T0, T0 + 1000);

  it.each([
    ['p95 < 300ms', { name: 'p95', expected: '< 300ms', actual: '95ms', ok: true }],
    ['p95 < 95ms', { name: 'p95', expected: '< 95ms', actual: '95ms', ok: false }],
    ['p95 <= 95ms', { name: 'p95', expected: '<= 95ms', actual: '95ms', ok: true }],
    ['p50 > 60ms', { name: 'p50', expected: '> 60ms', actual: '50ms', ok: false }],
    ['p99 <= 1s', { name: 'p99', expected: '<= 1s', actual: '99ms', ok: true }],
    ['max < 1.5s', { name: 'max', expected: '< 1.5s', actual: '100ms', ok: true }],
    ['mean <= 50.5ms', { name: 'mean', expected: '<= 50.5ms', actual: '50.5ms', ok: true }],
    ['error_rate < 1%', { name: 'error_rate', expected: '< 1%', actual: '0%', ok: true }],
    ['error_rate <= 0.5%', { name: 'error_rate', expected: '<= 0.5%', actual: '0%', ok: true }],
    ['throughput > 45/s', { name: 'throughput', expected: '> 45/s', actual: '95/s', ok: true }],
    ['throughput > 2700/m', { name: 'throughput', expected: '> 45/s', actual: '95/s', ok: true }],
    ['requests > 100', { name: 'requests', expected: '> 100', actual: '100', ok: false }],
    ['requests >= 100', { name: 'requests', expected: '>= 100', actual: '100', ok: true }],
  ])('%j', (threshold, result) => {
    expect(check(threshold, stats)).toEqual(result);
  });

  it('shows error rates as percentages', () => {
    const records = [
      ...Array.from({ length: 197 }, (_, i) => record(i, 1)),
      ...[1, 2, 3].map((i) => record(200 + i, 1, false)),
    ];
    expect(check('error_rate < 1%', statsOf(records, T0, T0 + 1000))).toEqual({
      name: 'error_rate',
      expected: '< 1%',
      actual: '1.5%',
      ok: false,
    });
  });

  it('shows more digits when the rounded value would contradict the verdict', () => {
    const stats = statsOf([record(0, 300.4)], T0, T0 + 1000);
    expect(check('p95 <= 300ms', stats)).toMatchObject({ actual: '300.4ms', ok: false });
    expect(check('p95 < 301ms', stats)).toMatchObject({ actual: '300ms', ok: true });
    const slow = statsOf([record(0, 1234.5)], T0, T0 + 1000);
    expect(check('max <= 1234ms', slow)).toMatchObject({ expected: '<= 1234ms', actual: '1.24s', ok: false });
    expect(check('max <= 1.2345s', slow)).toMatchObject({
      expected: '<= 1234.5ms',
      actual: '1234.5ms',
      ok: true,
    });
  });

  it.each([
    'p50 < 1s',
    'p90 < 1s',
    'p95 < 1s',
    'p99 < 1s',
    'max < 1s',
    'mean < 1s',
    'p95 > 0ms',
    'error_rate < 1%',
  ])('fails %j when there were no requests, never passes it', (threshold) => {
    expect(check(threshold, statsOf([], T0, T0 + 1000))).toMatchObject({ actual: 'no requests', ok: false });
  });

  it('judges throughput and request count on an empty interval as zero', () => {
    const empty = statsOf([], T0, T0 + 1000);
    expect(check('throughput > 1/s', empty)).toEqual({
      name: 'throughput',
      expected: '> 1/s',
      actual: '0/s',
      ok: false,
    });
    expect(check('requests > 0', empty)).toEqual({
      name: 'requests',
      expected: '> 0',
      actual: '0',
      ok: false,
    });
  });
});

describe('slidingWindows', () => {
  // A stall: requests scheduled between 2 s and 2.5 s waited until 2.5 s; the others took 10 ms.
  const records = Array.from({ length: 500 }, (_, i) => {
    const at = i * 10;
    return record(at, at >= 2000 && at < 2500 ? 2500 - at : 10);
  });

  it('returns every window fully inside the interval, one per step', () => {
    const windows = slidingWindows(records, T0, T0 + 5000, 1000, 500);
    expect(windows.map((w) => [w.from - T0, w.to - T0])).toEqual([
      [0, 1000],
      [500, 1500],
      [1000, 2000],
      [1500, 2500],
      [2000, 3000],
      [2500, 3500],
      [3000, 4000],
      [3500, 4500],
      [4000, 5000],
    ]);
    expect(windows.every((w) => w.requests === 100)).toBe(true);
  });

  it('finds the window where the service stalled', () => {
    const windows = slidingWindows(records, T0, T0 + 5000, 1000, 500);
    const worst = windows.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    expect(worst.from - T0).toBe(1500);
    expect(worst.p95).toBeGreaterThanOrEqual(400);
    expect(windows[0]!.p95).toBe(10);
    expect(windows.at(-1)!.p95).toBe(10);
  });

  it('returns nothing when the interval is shorter than a window', () => {
    expect(slidingWindows(records, T0, T0 + 999, 1000, 100)).toEqual([]);
  });

  it('does not drift when the step does not divide evenly', () => {
    const windows = slidingWindows(records, T0, T0 + 1000, 100, 100 / 3);
    expect(windows).toHaveLength(28);
    expect(windows.at(-1)!.from - T0).toBeCloseTo(900, 9);
  });

  it('rejects a window or a step that is not positive', () => {
    expect(() => slidingWindows(records, T0, T0 + 1000, 0, 100)).toThrow(RangeError);
    expect(() => slidingWindows(records, T0, T0 + 1000, 100, 0)).toThrow(RangeError);
  });
});

describe('timeBuckets', () => {
  const records = Array.from({ length: 25 }, (_, i) => record(i * 100, 10));

  it('covers the interval with consecutive buckets, the last one shorter', () => {
    const buckets = timeBuckets(records, T0, T0 + 2500, 1000);
    expect(buckets.map((b) => [b.from - T0, b.to - T0, b.requests])).toEqual([
      [0, 1000, 10],
      [1000, 2000, 10],
      [2000, 2500, 5],
    ]);
    expect(buckets.map((b) => b.throughput)).toEqual([10, 10, 10]);
  });

  it('shows a bucket with no requests as a gap, not as zero latency', () => {
    const buckets = timeBuckets(records, T0, T0 + 4000, 1000);
    expect(buckets[3]).toMatchObject({ requests: 0, throughput: 0 });
    expect(buckets[3]!.p95).toBeNaN();
    expect(JSON.parse(JSON.stringify(buckets[3])).p95).toBeNull();
  });

  it('rejects a bucket that is not positive', () => {
    expect(() => timeBuckets(records, T0, T0 + 1000, -1)).toThrow(RangeError);
  });
});
