import { describe, expect, it } from 'vitest';
import { ProbeFailure } from '../../../../src/probes/observation.js';
import { PrometheusError, type QueryResult } from '../../../../src/probes/prometheus/answer.js';
import { type DetectOptions, detect } from '../../../../src/probes/prometheus/detect.js';
import { parseNumberBound } from '../../../../src/util/comparison.js';
import { sleep } from '../../../../src/util/sleep.js';

/**
 * A fake clock: waiting moves it on at once, and each query takes `latency` ms. `answers` gives the
 * query's result (or error) by the time it is sent.
 */
function lab(answers: (at: number) => QueryResult | Error, latency = 20) {
  let clock = 10_000;
  const sent: number[] = [];
  const options = {
    bound: parseNumberBound('> 0.05')!,
    intervalMs: 1000,
    startedAt: 10_000,
    deadline: 10_000 + 5000,
    signal: new AbortController().signal,
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    query: async () => {
      sent.push(clock - 10_000);
      const answer = answers(clock - 10_000);
      clock += latency;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } satisfies DetectOptions;
  return { options, sent };
}

const rate = (value: number): QueryResult => ({
  type: 'vector',
  series: [{ labels: {}, value }],
  warnings: [],
});

describe('detect', () => {
  it('measures the time from the start to the query that first met the bound', async () => {
    const { options, sent } = lab((at) => rate(at >= 2500 ? 0.2 : 0));
    const result = await detect(options);
    expect(result).toMatchObject({ detected: true, afterMs: 3000, polls: 4, errors: [] });
    expect(result.detected && result.check).toEqual({
      name: 'value',
      expected: '> 0.05',
      actual: '0.2',
      ok: true,
    });
    // One query a second from the start, each interval counted from the last query's start.
    expect(sent).toEqual([0, 1000, 2000, 3000]);
  });

  it('detects at once when the bound is met from the start', async () => {
    const { options } = lab(() => rate(1));
    expect(await detect(options)).toMatchObject({ detected: true, afterMs: 0, polls: 1 });
  });

  it('queries at the deadline last and reports what it saw when the bound is never met', async () => {
    const { options, sent } = lab(() => rate(0.01));
    const result = await detect({ ...options, deadline: 10_000 + 2500 });
    expect(sent).toEqual([0, 1000, 2000, 2500]);
    expect(result).toEqual({
      detected: false,
      last: { atMs: 2500, check: { name: 'value', expected: '> 0.05', actual: '0.01', ok: false } },
      polls: 4,
      errors: [],
    });
  });

  it('says "no series" when the query never matched anything', async () => {
    const { options } = lab(() => ({ type: 'vector', series: [], warnings: [] }));
    const result = await detect({ ...options, deadline: 10_000 + 1000 });
    expect(result.detected === false && result.last).toMatchObject({
      check: { actual: 'no series', ok: false },
    });
  });

  it('records the errors between queries and goes on polling', async () => {
    const down = new PrometheusError(
      'Prometheus at http://127.0.0.1:19090/ did not answer: connection refused',
      'unreachable',
    );
    const { options } = lab((at) => (at < 2000 ? down : rate(0.3)));
    const result = await detect(options);
    expect(result).toMatchObject({ detected: true, afterMs: 2000, polls: 3 });
    expect(result.errors).toEqual([
      { atMs: 0, error: down.message },
      { atMs: 1000, error: down.message },
    ]);
  });

  it('ends with the last error when no query got a result', async () => {
    const { options } = lab(
      () => new PrometheusError('Prometheus could not evaluate the query (execution): x', 'execution'),
    );
    const result = await detect({ ...options, deadline: 10_000 + 1000 });
    expect(result).toMatchObject({
      detected: false,
      last: { atMs: 1000, error: 'Prometheus could not evaluate the query (execution): x' },
      polls: 2,
    });
    expect(result.errors).toHaveLength(2);
  });

  it('throws a query that can never give a value at once: the author has to fix it', async () => {
    for (const refused of [
      new PrometheusError('Prometheus refused the query (bad_data): parse error', 'bad_data'),
      new PrometheusError('the query gives a string: the probe needs a number', 'result'),
    ]) {
      const { options, sent } = lab(() => refused);
      await expect(detect(options)).rejects.toBe(refused);
      expect(sent).toEqual([0]);
    }
  });

  it('waits less than an interval after a slow answer, never overlapping two queries', async () => {
    const { options, sent } = lab(() => rate(0), 1500);
    await detect({ ...options, deadline: 10_000 + 4000 });
    expect(sent).toEqual([0, 1500, 3000, 4500]);
  });

  it('rejects as cancelled when the run stops while it waits for the next query', async () => {
    const stop = new AbortController();
    const { options } = lab(() => rate(0));
    const pending = detect({
      ...options,
      signal: stop.signal,
      sleep,
    });
    setTimeout(() => stop.abort(), 20);
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProbeFailure);
    expect(error).toMatchObject({ message: 'cancelled', kind: 'error' });
  });
});
