import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerClient } from '../../../../src/docker/client.js';
import { DetectWatch } from '../../../../src/engine/detect.js';
import { detectProbe } from '../../../../src/experiment/probe-schema.js';
import type { ProbeSample } from '../../../../src/model/journal.js';
import { sleep } from '../../../../src/util/sleep.js';
import { freePort } from '../../../support/ports.js';
import { type QueryApi, startQueryApi } from './query-api.js';
import { RECORDED } from './recorded-answers.js';

/**
 * `detect:` with a prometheus probe, as a run watches it: a stand-in for the query API on loopback
 * answers with the error rate the test sets (or a recorded answer), and the test starts the fault.
 */
let api: QueryApi;
let errorRate: number | keyof typeof RECORDED = 0;

beforeAll(async () => {
  api = await startQueryApi((_url, response) => {
    const answer =
      typeof errorRate === 'number'
        ? {
            status: 200,
            body: JSON.stringify({
              status: 'success',
              data: {
                resultType: 'vector',
                result: [{ metric: {}, value: [Date.now() / 1000, `${errorRate}`] }],
              },
            }),
          }
        : RECORDED[errorRate];
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
});

afterAll(() => api.close());

/**
 * Watches `errors > 0.05` every 20 ms, `within` of the fault, which starts once the check was sampled
 * before it; `duringFault` runs while the fault is on (the watch goes on meanwhile).
 */
async function watch(options: { within: number; url?: string; duringFault?: () => Promise<void> }) {
  const spec = detectProbe().parse({
    name: 'alert',
    prometheus: { url: options.url ?? api.base, query: 'errors' },
    expect: { value: '> 0.05' },
    every: '20ms',
    within: `${options.within}ms`,
  });
  const samples: ProbeSample[] = [];
  let faultAt: number | undefined;
  const env = {
    docker: {} as DockerClient,
    cwd: '.',
    signal: new AbortController().signal,
    targetsOf: () => [],
  };
  const watcher = new DetectWatch(
    [spec],
    env,
    () => faultAt,
    (sample) => samples.push(sample),
  );
  await watcher.ready;
  faultAt = Date.now();
  await options.duringFault?.();
  const [detection] = await watcher.finish();
  return { detection: detection!, samples, faultAt };
}

describe('detect with a prometheus probe', () => {
  it('measures the time from the first fault to the query that first met the bound', async () => {
    errorRate = 0;
    const { detection, samples } = await watch({
      within: 3000,
      duringFault: async () => {
        await sleep(200);
        errorRate = 0.2;
      },
    });
    // The time runs to the start of the first query that met the bound; that query was answered after
    // the rate rose, 200 ms in (it may have been sent a moment before).
    expect(samples).toHaveLength(1);
    expect(detection.detectedAfterMs! + samples[0]!.durationMs).toBeGreaterThanOrEqual(199);
    expect(detection.detectedAfterMs).toBeLessThan(1500);
    expect(samples[0]).toMatchObject({ probe: 'detect: alert', phase: 'during', status: 'pass' });
    expect(samples[0]!.reason).toMatch(
      /^noticed \d+ms after the first fault started \(within 3s\): value 0\.2$/,
    );
    expect(samples[0]!.checks).toEqual([
      { name: 'value', expected: '> 0.05', actual: '0.2', ok: true },
      { name: 'time to detect', expected: 'within 3s', actual: expect.stringMatching(/^\d+ms$/), ok: true },
    ]);
  });

  it('fails a check already met before any fault: it cannot show that the fault was noticed', async () => {
    errorRate = 1;
    const { detection, samples } = await watch({ within: 1000 });
    expect(detection.detectedAfterMs).toBeNull();
    expect(samples[0]).toMatchObject({ status: 'fail' });
    expect(samples[0]!.reason).toMatch(/^already passing before any fault started \(value 1\)/);
  });

  it('reports what it saw last when the bound is never met within the deadline', async () => {
    errorRate = 0.01;
    const { detection, samples, faultAt } = await watch({ within: 300 });
    expect(Date.now() - faultAt).toBeGreaterThanOrEqual(300);
    expect(detection).toEqual({
      probe: 'alert',
      withinMs: 300,
      detectedAfterMs: null,
      reason: 'value: expected > 0.05, saw 0.01',
    });
    expect(samples[0]).toMatchObject({
      status: 'fail',
      reason: 'not noticed within 300ms of the first fault: value: expected > 0.05, saw 0.01',
    });
    expect(samples[0]!.checks.at(-1)).toEqual({
      name: 'time to detect',
      expected: 'within 300ms',
      actual: 'not within the deadline',
      ok: false,
    });
  });

  it('says "no series" when the query matches nothing', async () => {
    errorRate = 'empty';
    const { detection } = await watch({ within: 200 });
    expect(detection.reason).toBe('value: expected > 0.05, saw no series');
  });

  it('goes on querying while Prometheus refuses to evaluate, and notices once it answers', async () => {
    errorRate = 'manyToMany';
    const { detection, samples } = await watch({
      within: 3000,
      duringFault: async () => {
        await sleep(150);
        errorRate = 0.3;
      },
    });
    expect(samples[0]).toMatchObject({ status: 'pass' });
    // Answered after the rate was set, 150 ms in (as above, the query may have been sent just before).
    expect(detection.detectedAfterMs! + samples[0]!.durationMs).toBeGreaterThanOrEqual(149);
  });

  it('ends as an error of the environment, not a miss, when Prometheus never answers', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { detection, samples } = await watch({ within: 200, url });
    expect(detection.detectedAfterMs).toBeNull();
    expect(samples[0]).toMatchObject({
      status: 'error',
      reason: `not noticed within 200ms of the first fault: probe could not run: Prometheus at ${url} did not answer: connection refused`,
    });
  });
});
