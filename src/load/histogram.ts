/**
 * Latencies in log-linear buckets (the HdrHistogram layout) with three significant digits: values are
 * counted in tenths of a microsecond, one bucket each below 0.2048ms, then in buckets whose width is at
 * most 1/1024 of their lower bound, so a percentile is at most 0.1% above the exact one, never below. Memory depends on the spread of the
 * values, never on how many were added. Min, max, count and mean are exact.
 */

/** Sub-buckets per power of two: 1024 keeps the relative error of a bucket under 1/1000. */
const SUB_BUCKETS = 1024;
const EXACT_BELOW = 2 * SUB_BUCKETS;
/** Counted in tenths of a microsecond: exact below 0.2048ms. */
const UNITS_PER_MS = 10_000;

/** A histogram as a report stores it, small even in pretty-printed JSON. */
export interface HistogramJson {
  count: number;
  min: number;
  max: number;
  sum: number;
  /**
   * The buckets in use, in order, separated by spaces: each is its index's gap from the previous one
   * (the first: from 0) in base 36, then `*count` in base 36 when the count is not 1. "5k1 1 2*3".
   */
  buckets: string;
}

export function bucketIndex(ms: number): number {
  const units = Math.max(0, Math.floor(ms * UNITS_PER_MS));
  if (units < EXACT_BELOW) return units;
  if (units < 2 ** 31) {
    // The common case in integer arithmetic: shift so that the top 11 bits remain.
    const shift = 31 - Math.clz32(units) - 10;
    return SUB_BUCKETS * shift + (units >>> shift);
  }
  let shift = Math.floor(Math.log2(units)) - 10;
  // log2 of a float may round across a power of two: keep the sub-bucket in [1024, 2048).
  if (Math.floor(units / 2 ** shift) >= EXACT_BELOW) shift++;
  if (Math.floor(units / 2 ** shift) < SUB_BUCKETS) shift--;
  return SUB_BUCKETS * shift + Math.floor(units / 2 ** shift);
}

/** Where bucket `index` ends (ms): every value in it is below this. */
export function bucketTop(index: number): number {
  if (index < EXACT_BELOW) return (index + 1) / UNITS_PER_MS;
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const sub = index - SUB_BUCKETS * shift;
  return ((sub + 1) * 2 ** shift) / UNITS_PER_MS;
}

/** Counts by bucket while `Histogram.collect` runs: reused, and left all zero after each use. */
let scratch = new Uint32Array(1 << 15);

export class Histogram {
  #counts = new Map<number, number>();
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #sum = 0;

  static fromJson(json: HistogramJson): Histogram {
    const histogram = new Histogram();
    let index = 0;
    for (const token of json.buckets.split(' ')) {
      if (!token) continue;
      const [gap, count] = token.split('*');
      index += Number.parseInt(gap!, 36);
      histogram.#counts.set(
        index,
        (histogram.#counts.get(index) ?? 0) + (count ? Number.parseInt(count, 36) : 1),
      );
    }
    histogram.#count = json.count;
    histogram.#sum = json.sum;
    if (json.count > 0) {
      histogram.#min = json.min;
      histogram.#max = json.max;
    }
    return histogram;
  }

  /**
   * A histogram of many values at once: counted in a dense array first, so that adding is a few
   * arithmetic operations per value, not a map update.
   */
  static collect(fill: (add: (ms: number) => void) => void): Histogram {
    const histogram = new Histogram();
    const touched: number[] = [];
    fill((ms) => {
      if (!Number.isFinite(ms)) return;
      const index = bucketIndex(ms);
      if (index >= scratch.length) {
        const grown = new Uint32Array(Math.max(index + 1, scratch.length * 2));
        grown.set(scratch);
        scratch = grown;
      }
      const seen = scratch[index]!;
      scratch[index] = seen + 1;
      if (seen === 0) touched.push(index);
      histogram.#count++;
      histogram.#sum += ms;
      if (ms < histogram.#min) histogram.#min = ms;
      if (ms > histogram.#max) histogram.#max = ms;
    });
    for (const index of touched) {
      histogram.#counts.set(index, scratch[index]!);
      scratch[index] = 0;
    }
    return histogram;
  }

  get count(): number {
    return this.#count;
  }

  /** NaN when empty, as every other statistic. */
  get min(): number {
    return this.#count ? this.#min : Number.NaN;
  }

  get max(): number {
    return this.#count ? this.#max : Number.NaN;
  }

  get mean(): number {
    return this.#count ? this.#sum / this.#count : Number.NaN;
  }

  add(ms: number, times = 1): void {
    if (!Number.isFinite(ms) || times <= 0) return;
    const index = bucketIndex(ms);
    this.#counts.set(index, (this.#counts.get(index) ?? 0) + times);
    this.#count += times;
    this.#sum += ms * times;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
  }

  merge(other: Histogram): void {
    for (const [index, count] of other.#counts)
      this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  /**
   * The nearest rank: the smallest value with at least p% of the values at or below it, as the end of
   * its bucket (never lower than the value itself, so a percentile never flatters the service), kept
   * within [min, max]. NaN when empty.
   */
  percentile(p: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (const index of this.#sortedIndexes()) {
      seen += this.#counts.get(index)!;
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, bucketTop(index)));
    }
    return this.#max;
  }

  /** Several percentiles in one pass over the buckets. */
  percentiles(ps: readonly number[]): number[] {
    if (this.#count === 0) return ps.map(() => Number.NaN);
    const ranks = ps.map((p) => Math.max(1, Math.ceil((p / 100) * this.#count)));
    const found = ps.map(() => this.#max);
    const indexes = this.#sortedIndexes();
    let seen = 0;
    let next = 0;
    const order = ranks.map((rank, i) => ({ rank, i })).sort((a, b) => a.rank - b.rank);
    for (const index of indexes) {
      seen += this.#counts.get(index)!;
      while (next < order.length && seen >= order[next]!.rank) {
        found[order[next]!.i] = Math.min(this.#max, Math.max(this.#min, bucketTop(index)));
        next++;
      }
      if (next === order.length) break;
    }
    return found;
  }

  toJson(): HistogramJson {
    const tokens: string[] = [];
    let previous = 0;
    for (const index of this.#sortedIndexes()) {
      const count = this.#counts.get(index)!;
      tokens.push(
        count === 1
          ? (index - previous).toString(36)
          : `${(index - previous).toString(36)}*${count.toString(36)}`,
      );
      previous = index;
    }
    const buckets = tokens.join(' ');
    return {
      count: this.#count,
      min: this.#count ? this.#min : 0,
      max: this.#count ? this.#max : 0,
      sum: this.#sum,
      buckets,
    };
  }

  #sortedIndexes(): number[] {
    return [...this.#counts.keys()].sort((a, b) => a - b);
  }
}
