import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusError } from '../../../src/probes/prometheus/answer.js';
import { judgeValue } from '../../../src/probes/prometheus/judge.js';
import { queryPrometheus } from '../../../src/probes/prometheus/query.js';
import { parseNumberBound } from '../../../src/util/comparison.js';
import { sleep } from '../../../src/util/sleep.js';
import { instantQuery, waitUntilValue } from '../../support/wait-until.js';
import {
  type MetricsServer,
  type PrivatePrometheus,
  requirePrometheus,
  startMetricsServer,
  startPrometheus,
} from './lab.js';

/**
 * The prometheus probe against a real Prometheus (Debian's package, installed by
 * scripts/setup-prometheus.sh), started by fixtures/prometheus/prometheus.sh on a free loopback port,
 * scraping every second a /metrics endpoint this test serves and whose counters it raises.
 */
const never = new AbortController().signal;
let metrics: MetricsServer;
let prometheus: PrivatePrometheus;

async function value(query: string) {
  return (await queryPrometheus({ url: prometheus.url, query }, 5000, never)).result;
}

/** Polls until the query's value meets the bound: the scrapes have caught up with the test. */
async function until(query: string, bound: string, withinMs = 20_000): Promise<void> {
  const result = await waitUntilValue({
    query: instantQuery({ url: prometheus.url, query }, 5000),
    bound: parseNumberBound(bound)!,
    intervalMs: 100,
    startedAt: Date.now(),
    deadline: Date.now() + withinMs,
    signal: never,
  });
  if (!result.detected)
    throw new Error(`${query} ${bound}: not within ${withinMs} ms: ${JSON.stringify(result)}`);
}

describe('the prometheus probe against a real Prometheus', () => {
  beforeAll(async () => {
    requirePrometheus();
    metrics = await startMetricsServer();
    const started = performance.now();
    prometheus = await startPrometheus([metrics.target]);
    console.log(prometheus.startOutput);
    await until(`up{instance="${metrics.target}"}`, '== 1');
    console.log(`first scrape of the target seen after ${Math.round(performance.now() - started)} ms`);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await metrics?.close();
  });

  it("reads a query's value, one series or many, with their labels", async () => {
    expect(await value(`up{instance="${metrics.target}"}`)).toEqual({
      type: 'vector',
      series: [{ labels: { __name__: 'up', instance: metrics.target, job: 'faultline' }, value: 1 }],
      warnings: [],
    });
    expect(await value('scalar(sum(demo_requests_total))')).toEqual({
      type: 'scalar',
      value: 260,
      warnings: [],
    });
    const both = await value('demo_requests_total');
    expect(judgeValue(both, parseNumberBound('< 100')!)).toEqual({
      name: 'value',
      expected: '< 100',
      actual: `1 of 2 series out of bound: demo_requests_total{instance="${metrics.target}",job="faultline",path="/b"} = 250`,
      ok: false,
    });
    expect(judgeValue(both, parseNumberBound('> 0')!)).toMatchObject({
      actual: 'all 2 series: 10 to 250',
      ok: true,
    });
  });

  it('makes a query Prometheus cannot parse an error, never a pass', async () => {
    const error = await value('sum(rate(demo_errors_total[15s])').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PrometheusError);
    expect(error).toMatchObject({ kind: 'error', errorType: 'bad_data' });
    expect((error as Error).message).toMatch(/^Prometheus refused the query \(bad_data\): .*parse error/);
  });

  it('answers "no series" for a query that matches nothing', async () => {
    const empty = await value('demo_requests_total{path="/nowhere"}');
    expect(empty).toEqual({ type: 'vector', series: [], warnings: [] });
    expect(judgeValue(empty, parseNumberBound('< 1')!)).toMatchObject({ actual: 'no series', ok: false });
  });

  it("measures the time until a counter's rate crosses a bound", async () => {
    const query = instantQuery({ url: prometheus.url, query: 'sum(rate(demo_errors_total[3s]))' }, 5000);
    const bound = parseNumberBound('> 1')!;
    const latencies: number[] = [];
    for (let run = 0; run < 5; run++) {
      await until('sum(rate(demo_errors_total[3s]))', '< 1');
      // Each run starts at a random moment between two scrapes, as a fault does.
      await sleep(Math.random() * 1000);
      const startedAt = Date.now();
      metrics.raiseErrors(true);
      const result = await waitUntilValue({
        query,
        bound,
        intervalMs: 100,
        startedAt,
        deadline: startedAt + 10_000,
        signal: never,
      });
      metrics.raiseErrors(false);
      expect(result).toMatchObject({ detected: true, errors: [] });
      if (!result.detected) return;
      // Seen at the first scrape after the counter started to grow: at most one scrape interval (1 s),
      // plus the query's interval and the server's own delays.
      expect(result.afterMs).toBeGreaterThanOrEqual(0);
      expect(result.afterMs).toBeLessThan(2500);
      expect(Number(result.check.actual)).toBeGreaterThan(1);
      latencies.push(result.afterMs);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `time to detect with a 1s scrape interval and 100ms queries (ms): ${latencies.join(', ')}; ` +
        `min ${sorted[0]}, median ${sorted[2]}, max ${sorted[4]}`,
    );
  });

  it('reports not detected, with the last value, when the bound is never crossed', async () => {
    const startedAt = Date.now();
    const result = await waitUntilValue({
      query: instantQuery({ url: prometheus.url, query: 'rate(demo_idle_total[3s])' }, 5000),
      bound: parseNumberBound('> 20')!,
      intervalMs: 250,
      startedAt,
      deadline: startedAt + 2000,
      signal: never,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
    expect(result).toMatchObject({ detected: false, errors: [] });
    expect(result.detected === false && result.last).toMatchObject({
      check: {
        name: 'value',
        expected: '> 20',
        actual: `{instance="${metrics.target}",job="faultline"} = 0`,
        ok: false,
      },
    });
    expect(result.polls).toBeGreaterThanOrEqual(8);
  });

  it('makes a Prometheus that is gone an error of the environment', async () => {
    await prometheus.stop();
    const error = await value('up').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'error', errorType: 'unreachable' });
    expect((error as Error).message).toBe(
      `Prometheus at ${prometheus.url} did not answer: connection refused`,
    );
  });
});
