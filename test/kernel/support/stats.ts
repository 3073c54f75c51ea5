/** z for a two-sided 99.9% interval: a correct kernel fails a bound about once in a thousand runs. */
export const Z_999 = 3.2905;

/**
 * The range a count of successes out of `n` trials with probability `p` falls in, as a fraction, with
 * 99.9% confidence (normal approximation with continuity correction; fine for n·p and n·(1-p) ≥ 10).
 */
export function binomialRange(p: number, n: number, z = Z_999): [number, number] {
  const half = z * Math.sqrt((p * (1 - p)) / n) + 0.5 / n;
  return [Math.max(0, p - half), Math.min(1, p + half)];
}

export const within = (value: number, [low, high]: readonly [number, number]) =>
  value >= low && value <= high;

export const fmt = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);

export const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
