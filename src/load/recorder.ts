import { Histogram } from './histogram.js';
import { histogramStats } from './histogram-stats.js';
import { type LoadSlice, type LoadTimeline, sliceWidthFor } from './timeline.js';
import type { LoadStats, RequestRecord } from './types.js';

const PENDING = 0;
const OK = 1;
const EMPTY = new Histogram().toJson();
const FAILED = 2;
const TIMED_OUT = 3;

/** The raw requests a load probe keeps when asked to (`load.records: true`): the first this many. */
export const MAX_KEPT_RECORDS = 100_000;

/**
 * What a load probe saw, request by request, in columns: 11 bytes per request (latency, outcome,
 * status) instead of an object each, so an hour at 1,000/s takes about 40 MB. Request i was
 * due at t0 + i/rate, so a request's place in the columns is its due time and any interval's requests
 * are a range of indexes: intervals are judged exactly as they were cut. Statistics come from an
 * HDR-style histogram built for each interval.
 */
export class LoadRecorder {
  readonly ratePerSecond: number;
  /** The first requests, in the order they finished, when raw records were asked for. */
  readonly kept: RequestRecord[] = [];
  #keep: number;
  #dropped = 0;
  #t0 = 0;
  #latency = new Float64Array(1024);
  #outcome = new Uint8Array(1024);
  #status = new Uint16Array(1024);
  /** One past the highest index recorded. */
  #length = 0;
  /** Every index below this one has finished. */
  #finishedBelow = 0;
  #maxLatency = 0;

  constructor(ratePerSecond: number, keepRecords = 0) {
    this.ratePerSecond = ratePerSecond;
    this.#keep = keepRecords;
  }

  get t0(): number {
    return this.#t0;
  }

  /** How many raw records were not kept because of MAX_KEPT_RECORDS. */
  get dropped(): number {
    return this.#dropped;
  }

  start(t0: number): void {
    this.#t0 = t0;
  }

  /** When request `index` was due, by the same formula as the generator's schedule. */
  dueAt(index: number): number {
    return this.#t0 + (index * 1000) / this.ratePerSecond;
  }

  add(index: number, record: RequestRecord): void {
    this.#grow(index + 1);
    this.#latency[index] = record.latencyMs;
    this.#outcome[index] = record.ok ? OK : record.error === 'timeout' ? TIMED_OUT : FAILED;
    this.#status[index] = record.status ?? 0;
    this.#length = Math.max(this.#length, index + 1);
    this.#maxLatency = Math.max(this.#maxLatency, record.latencyMs);
    if (this.#keep > 0) {
      if (this.kept.length < Math.min(this.#keep, MAX_KEPT_RECORDS)) this.kept.push(record);
      else this.#dropped++;
    }
  }

  /** Requests due before `until` that have finished. */
  finishedBefore(until: number): number {
    while (this.#finishedBelow < this.#length && this.#outcome[this.#finishedBelow] !== PENDING)
      this.#finishedBelow++;
    const due = this.firstAtOrAfter(until);
    if (due <= this.#finishedBelow) return due;
    let finished = this.#finishedBelow;
    for (let i = this.#finishedBelow; i < Math.min(due, this.#length); i++)
      if (this.#outcome[i] !== PENDING) finished++;
    return finished;
  }

  /** The first index due at or after `at`. */
  firstAtOrAfter(at: number): number {
    let index = Math.max(0, Math.ceil(((at - this.#t0) * this.ratePerSecond) / 1000));
    while (index > 0 && this.dueAt(index - 1) >= at) index--;
    while (this.dueAt(index) < at) index++;
    return index;
  }

  /** The requests due in [from, to), as the stats of stats.ts: see `statsOf` there for the rules. */
  statsIn(from: number, to: number): LoadStats {
    const part = this.#part(from, to);
    const seconds = (to - from) / 1000;
    return histogramStats(
      part.histogram,
      part.errors,
      { from, to },
      seconds > 0 ? this.#arrivedOk(from, to) / seconds : 0,
    );
  }

  /** The requests due in any of the intervals; throughput is their successes over the intervals' length. */
  statsOver(intervals: readonly { from: number; to: number }[], span: number): LoadStats {
    const total: Part = { histogram: new Histogram(), errors: 0, ok: 0 };
    for (const { from, to } of intervals) {
      const part = this.#part(from, to);
      total.histogram.merge(part.histogram);
      total.errors += part.errors;
      total.ok += part.ok;
    }
    const from = Math.min(...intervals.map((interval) => interval.from));
    const to = Math.max(...intervals.map((interval) => interval.to));
    return histogramStats(
      total.histogram,
      total.errors,
      { from, to },
      span > 0 ? total.ok / (span / 1000) : 0,
    );
  }

  /**
   * Per-slice aggregates for reports, from the first request due to the last answer: each slice's
   * histogram is built and written out before the next, so this needs little more than the result.
   */
  timeline(): LoadTimeline {
    const sliceMs = sliceWidthFor(this.dueAt(this.#length) - this.#t0 + this.#maxLatency);
    const arrived: number[] = [];
    for (let i = 0; i < this.#length; i++) {
      if (this.#outcome[i] !== OK) continue;
      const k = Math.floor((this.dueAt(i) + this.#latency[i]! - this.#t0) / sliceMs);
      while (arrived.length <= k) arrived.push(0);
      arrived[k]!++;
    }
    const slices: LoadSlice[] = [];
    for (
      let k = 0;
      k < Math.max(arrived.length, Math.ceil((this.#length * 1000) / this.ratePerSecond / sliceMs));
      k++
    ) {
      slices.push(this.#slice(this.#t0 + k * sliceMs, this.#t0 + (k + 1) * sliceMs, arrived[k] ?? 0));
    }
    return { from: this.#t0, sliceMs, slices };
  }

  #slice(from: number, to: number, okArrived: number): LoadSlice {
    const slice: LoadSlice = { requests: 0, errors: 0, timeouts: 0, okArrived, statuses: {}, latency: EMPTY };
    const histogram = this.#collect(from, to, (outcome, i) => {
      slice.requests++;
      if (outcome !== OK) slice.errors++;
      if (outcome === TIMED_OUT) slice.timeouts++;
      const status = this.#status[i]!;
      if (status > 0) slice.statuses[status] = (slice.statuses[status] ?? 0) + 1;
    });
    slice.latency = histogram.toJson();
    return slice;
  }

  #part(from: number, to: number): Part {
    let errors = 0;
    let ok = 0;
    const histogram = this.#collect(from, to, (outcome) => {
      if (outcome === OK) ok++;
      else errors++;
    });
    return { histogram, errors, ok };
  }

  /** The latency histogram of the finished requests due in [from, to); `visit` sees each of them too. */
  #collect(from: number, to: number, visit: (outcome: number, index: number) => void): Histogram {
    const end = Math.min(this.#length, this.firstAtOrAfter(to));
    return Histogram.collect((add) => {
      for (let i = this.firstAtOrAfter(from); i < end; i++) {
        const outcome = this.#outcome[i]!;
        if (outcome === PENDING) continue;
        add(this.#latency[i]!);
        visit(outcome, i);
      }
    });
  }

  /** Successful answers that arrived in [from, to), whenever their request was due. */
  #arrivedOk(from: number, to: number): number {
    let arrived = 0;
    const end = Math.min(this.#length, this.firstAtOrAfter(to));
    for (let i = this.firstAtOrAfter(from - this.#maxLatency - 1); i < end; i++) {
      if (this.#outcome[i] !== OK) continue;
      const at = this.dueAt(i) + this.#latency[i]!;
      if (at >= from && at < to) arrived++;
    }
    return arrived;
  }

  #grow(needed: number): void {
    if (needed <= this.#latency.length) return;
    const size = Math.max(needed, this.#latency.length * 2);
    const latency = new Float64Array(size);
    latency.set(this.#latency);
    const outcome = new Uint8Array(size);
    outcome.set(this.#outcome);
    const status = new Uint16Array(size);
    status.set(this.#status);
    this.#latency = latency;
    this.#outcome = outcome;
    this.#status = status;
  }
}

interface Part {
  histogram: Histogram;
  errors: number;
  ok: number;
}
