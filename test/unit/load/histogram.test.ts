import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketTop, Histogram } from '../../../src/load/histogram.js';

/** The exact nearest-rank percentile, as stats.ts takes it over raw records. */
function exact(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function histogramOf(values: number[]): Histogram {
  const histogram = new Histogram();
  for (const value of values) histogram.add(value);
  return histogram;
}

const PERCENTILES = [50, 90, 95, 99, 99.9];

describe('Histogram', () => {
  it('is within 0.1% of the exact percentile, never below it, on random latencies', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      // Log-normal-ish: mostly a few ms, a tail to seconds.
      const values = Array.from({ length: 20_000 }, () => Math.exp(next() * 8) * 0.5);
      const histogram = histogramOf(values);
      for (const p of PERCENTILES) {
        const truth = exact(values, p);
        const seen = histogram.percentile(p);
        expect(seen).toBeGreaterThanOrEqual(truth);
        expect((seen - truth) / truth).toBeLessThanOrEqual(0.001);
      }
      expect(histogram.count).toBe(values.length);
      expect(histogram.max).toBe(Math.max(...values));
      expect(histogram.min).toBe(Math.min(...values));
      expect(histogram.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
    }
  });

  it('judges a threshold as the exact percentile does unless the value is within 0.1% of the bound', () => {
    const next = random(42);
    let judged = 0;
    for (let run = 0; run < 200; run++) {
      const values = Array.from({ length: 500 }, () => 50 + next() * 500);
      const bound = 100 + next() * 400;
      const truth = exact(values, 95);
      if (Math.abs(truth - bound) <= bound * 0.001) continue;
      expect(histogramOf(values).percentile(95) < bound).toBe(truth < bound);
      judged++;
    }
    expect(judged).toBeGreaterThan(150);
  });

  it('is empty: every statistic NaN, count 0', () => {
    const histogram = new Histogram();
    expect(histogram.count).toBe(0);
    for (const value of [histogram.percentile(50), histogram.min, histogram.max, histogram.mean]) {
      expect(value).toBeNaN();
    }
    expect(histogram.percentiles([50, 99]).every(Number.isNaN)).toBe(true);
  });

  it('gives one value, or many equal ones, back exactly', () => {
    expect(histogramOf([412.345]).percentile(50)).toBe(412.345);
    const same = histogramOf(Array(1000).fill(299.9));
    expect(same.percentiles(PERCENTILES)).toEqual(PERCENTILES.map(() => 299.9));
    expect(same.mean).toBeCloseTo(299.9, 9);
  });

  it('keeps huge outliers: the max is exact and p99 does not move when one request takes minutes', () => {
    const values = [...Array.from({ length: 999 }, (_, i) => 1 + i / 1000), 600_000];
    const histogram = histogramOf(values);
    expect(histogram.max).toBe(600_000);
    expect(histogram.percentile(100)).toBe(600_000);
    expect(histogram.percentile(99)).toBeCloseTo(exact(values, 99), 2);
    expect(histogram.percentile(99.95)).toBe(600_000);
  });

  it('merges to the histogram of all the values, and survives its JSON form', () => {
    const next = random(7);
    const a = Array.from({ length: 3000 }, () => next() * 200);
    const b = Array.from({ length: 1000 }, () => 100 + next() * 5000);
    const merged = histogramOf(a);
    merged.merge(histogramOf(b));
    const whole = histogramOf([...a, ...b]);
    expect(merged.percentiles(PERCENTILES)).toEqual(whole.percentiles(PERCENTILES));
    expect([merged.count, merged.min, merged.max]).toEqual([whole.count, whole.min, whole.max]);
    const copy = Histogram.fromJson(JSON.parse(JSON.stringify(merged.toJson())));
    expect(copy.percentiles(PERCENTILES)).toEqual(whole.percentiles(PERCENTILES));
    expect(copy.mean).toBeCloseTo(whole.mean, 9);
  });

  it('buckets to 0.1µs below 0.2048ms and within 1/1024 above, for any size', () => {
    for (const ms of [
      0, 0.0001, 0.2047, 0.2048, 0.2049, 1.5, 2.048, 300, 299.999, 65_536, 3_600_000, 86_400_000,
    ]) {
      const top = bucketTop(bucketIndex(ms));
      expect(top).toBeGreaterThan(ms);
      expect(top - ms).toBeLessThanOrEqual(Math.max(0.0001, ms / 1024));
    }
  });
});
