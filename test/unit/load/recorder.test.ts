import { describe, expect, it } from 'vitest';
import { LoadRecorder } from '../../../src/load/recorder.js';
import { statsOf } from '../../../src/load/stats.js';
import { seriesView, timelineStats } from '../../../src/load/timeline.js';
import type { LoadStats, RequestRecord } from '../../../src/load/types.js';

const T0 = 1_700_000_000_000;
const RATE = 200;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `count` requests at RATE/s from T0, as the generator would record them, finishing out of order. */
function recorded(count: number, seed: number, keep = 0) {
  const next = random(seed);
  const recorder = new LoadRecorder(RATE, keep);
  recorder.start(T0);
  const records: { index: number; record: RequestRecord }[] = [];
  for (let index = 0; index < count; index++) {
    const scheduledAt = recorder.dueAt(index);
    const roll = next();
    const latencyMs = roll < 0.02 ? 1000 : Math.exp(next() * 6);
    const ok = roll >= 0.05;
    const record: RequestRecord = {
      scheduledAt,
      startedAt: scheduledAt,
      latencyMs,
      ok,
      status: roll < 0.02 ? undefined : ok ? 200 : 503,
      error: ok ? undefined : roll < 0.02 ? 'timeout' : 'status 503',
    };
    records.push({ index, record });
  }
  // Answers arrive in the order they finish, not the order they were due.
  const byArrival = [...records].sort(
    (a, b) => a.record.scheduledAt + a.record.latencyMs - (b.record.scheduledAt + b.record.latencyMs),
  );
  for (const { index, record } of byArrival) recorder.add(index, record);
  return { recorder, records: records.map(({ record }) => record) };
}

function expectSameJudgement(seen: LoadStats, truth: LoadStats) {
  expect(seen.requests).toBe(truth.requests);
  expect(seen.errors).toBe(truth.errors);
  expect(seen.errorRate).toBe(truth.errorRate);
  expect(seen.throughput).toBeCloseTo(truth.throughput, 9);
  expect(seen.max).toBe(truth.max);
  expect(seen.mean).toBeCloseTo(truth.mean, 6);
  for (const key of ['p50', 'p90', 'p95', 'p99'] as const) {
    expect(seen[key]).toBeGreaterThanOrEqual(truth[key]);
    expect((seen[key] - truth[key]) / truth[key]).toBeLessThanOrEqual(0.001);
  }
}

describe('LoadRecorder', () => {
  it('judges any interval as the raw records do: same counts, percentiles within 0.1%', () => {
    const { recorder, records } = recorded(6000, 11);
    const next = random(5);
    for (let i = 0; i < 50; i++) {
      // Arbitrary cuts, not on the schedule's grid.
      const from = T0 + next() * 25_000;
      const to = from + 50 + next() * 5000;
      expectSameJudgement(recorder.statsIn(from, to), statsOf(records, from, to));
    }
  });

  it('cuts exactly at a request: from is included, to is not', () => {
    const { recorder, records } = recorded(100, 3);
    const from = recorder.dueAt(10);
    const to = recorder.dueAt(20);
    expect(recorder.statsIn(from, to).requests).toBe(10);
    expectSameJudgement(recorder.statsIn(from, to), statsOf(records, from, to));
  });

  it('has nothing to say about an interval without requests', () => {
    const { recorder } = recorded(10, 3);
    const stats = recorder.statsIn(T0 + 60_000, T0 + 61_000);
    expect(stats).toMatchObject({ requests: 0, errors: 0, errorRate: 0, throughput: 0 });
    expect(stats.p95).toBeNaN();
  });

  it('combines several intervals into one judgement', () => {
    const { recorder, records } = recorded(4000, 9);
    const intervals = [
      { from: T0 + 1000.5, to: T0 + 3000.25 },
      { from: T0 + 9000, to: T0 + 12_345 },
    ];
    const span = 2000 - 0.25 + 3345;
    const inside = records.filter((record) =>
      intervals.some((interval) => record.scheduledAt >= interval.from && record.scheduledAt < interval.to),
    );
    const stats = recorder.statsOver(intervals, span);
    expect(stats.requests).toBe(inside.length);
    expect(stats.errors).toBe(inside.filter((record) => !record.ok).length);
    expect(stats.throughput).toBeCloseTo(inside.filter((record) => record.ok).length / (span / 1000), 9);
    expect(stats.max).toBe(Math.max(...inside.map((record) => record.latencyMs)));
  });

  it('counts the finished requests due before a time, whatever order they finished in', () => {
    const recorder = new LoadRecorder(10);
    recorder.start(T0);
    const record = (index: number): RequestRecord => ({
      scheduledAt: recorder.dueAt(index),
      startedAt: recorder.dueAt(index),
      latencyMs: 5,
      ok: true,
    });
    recorder.add(2, record(2));
    recorder.add(0, record(0));
    expect(recorder.finishedBefore(T0 + 300)).toBe(2);
    recorder.add(1, record(1));
    expect(recorder.finishedBefore(T0 + 300)).toBe(3);
    expect(recorder.finishedBefore(T0 + 150)).toBe(2);
  });

  it('keeps raw records only when asked, and at most as many as asked', () => {
    expect(recorded(50, 1).recorder.kept).toEqual([]);
    const { recorder } = recorded(50, 1, 20);
    expect(recorder.kept).toHaveLength(20);
    expect(recorder.dropped).toBe(30);
  });
});

describe('a report timeline', () => {
  it('gives the same counts as the records on windows cut at slice boundaries, latencies within 0.1%', () => {
    const { recorder, records } = recorded(12_000, 21);
    const timeline = JSON.parse(JSON.stringify(recorder.timeline()));
    expect(timeline.sliceMs).toBe(250);
    for (const [a, b] of [
      [0, 60_000],
      [5000, 6000],
      [12_250, 30_000],
    ] as const) {
      const truth = statsOf(records, T0 + a, T0 + b);
      const seen = timelineStats(timeline, T0 + a, T0 + b);
      expectSameJudgement(seen, truth);
    }
    expect(timeline.slices[0].statuses['200']).toBeGreaterThan(0);
    const slices = timeline.slices as { timeouts: number; requests: number }[];
    expect(slices.reduce((total, slice) => total + slice.timeouts, 0)).toBe(
      records.filter((record) => record.error === 'timeout').length,
    );
  });

  it('moves a window cut inside a slice to the nearest slice boundary', () => {
    const { recorder, records } = recorded(2000, 2);
    const timeline = recorder.timeline();
    const seen = timelineStats(timeline, T0 + 1100, T0 + 2140);
    expect(seen.requests).toBe(statsOf(records, T0 + 1000, T0 + 2250).requests);
  });

  it('stays small for an hour at 1000/s: slices of 5s', () => {
    const view = seriesView({ timeline: { from: T0, sliceMs: 5000, slices: [] } });
    expect(view.span).toBeUndefined();
    const recorder = new LoadRecorder(1000);
    recorder.start(T0);
    recorder.add(3_599_999, {
      scheduledAt: recorder.dueAt(3_599_999),
      startedAt: 0,
      latencyMs: 2,
      ok: true,
    });
    const timeline = recorder.timeline();
    expect(timeline.sliceMs).toBe(5000);
    // 720 slices of requests due, and one more for the last answer, which arrived after the hour.
    expect(timeline.slices).toHaveLength(721);
  });
});
