import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadPhases, mergeIntervals } from '../../../src/engine/load-phases.js';
import { parseExperiment } from '../../../src/experiment/load.js';

/** A local service whose answers can be made to fail for a while. */
let server: http.Server;
let url: string;
let failing = false;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(failing ? 503 : 200).end(failing ? 'down' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function loadProbe(thresholds: string[], extra = '') {
  const { experiment } = parseExperiment(
    `title: t\nhypothesis:\n  - name: api\n    load: { url: "${url}", rate: 100/s, before: 600ms, after: 600ms${extra} }\n    timeout: 1s\n    expect: { thresholds: ${JSON.stringify(thresholds)} }\nmethod:\n  - wait: 1s\n`,
    't.yaml',
    {},
  );
  return experiment.hypothesis;
}

const signal = new AbortController().signal;

describe('load probes judged per phase', () => {
  it('passes the baseline, misses during a fault, and passes again after it', async () => {
    const phases = new LoadPhases(
      loadProbe(['error_rate < 1%', 'p95 < 500ms', 'throughput > 80/s'], ', window: 200ms'),
    );
    phases.start();
    const [before] = await phases.baseline(signal);
    expect(before).toMatchObject({ phase: 'before', status: 'pass' });

    const from = Date.now();
    failing = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
    failing = false;
    const to = Date.now();

    const [during, after] = await phases.finish([{ from, to }], to, 0, signal);
    expect(during).toMatchObject({ phase: 'during', status: 'fail' });
    expect(during!.reason).toMatch(/^error_rate: expected < 1%, saw (9\d|100)(\.\d+)?%/);
    expect(during!.checks.some((check) => check.name.startsWith('error_rate in every') && !check.ok)).toBe(
      true,
    );
    expect(after).toMatchObject({ phase: 'after', status: 'pass' });

    const [series] = phases.series();
    const requests = series!.timeline!.slices.reduce((total, slice) => total + slice.requests, 0);
    expect(requests).toBeGreaterThan(140);
    // Raw records only when the probe asks for them.
    expect(series!.records).toBeUndefined();
    expect(series!.thresholds).toEqual(['error_rate < 1%', 'p95 < 500ms', 'throughput > 80/s']);
  });

  it('writes raw records only when the probe asks for them', async () => {
    const phases = new LoadPhases(loadProbe(['error_rate < 1%'], ', records: true'));
    phases.start();
    await phases.baseline(signal);
    await phases.finish([], Date.now(), 0, signal);
    const [series] = phases.series();
    const requests = series!.timeline!.slices.reduce((total, slice) => total + slice.requests, 0);
    expect(series!.records).toHaveLength(requests);
    expect(series!.recordsDropped).toBe(0);
    const times = series!.records!.map((record) => record.scheduledAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('judges nothing during when no fault was ever in place', async () => {
    const phases = new LoadPhases(loadProbe(['error_rate < 1%']));
    phases.start();
    await phases.baseline(signal);
    const [during] = await phases.finish([], Date.now(), 0, signal);
    expect(during).toMatchObject({
      phase: 'during',
      status: 'pass',
      reason: 'no fault was in place: nothing to judge',
    });
  });
});

describe('the after phase and the recovery time', () => {
  /** A fault held for 300ms; the service keeps failing for `failsFor` after the revert. */
  async function recoverAfter(failsFor: number, recoveryMs: number) {
    const phases = new LoadPhases(loadProbe(['error_rate < 1%']));
    phases.start();
    await phases.baseline(signal);
    const from = Date.now();
    failing = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const to = Date.now();
    const healed = new Promise((resolve) =>
      setTimeout(() => {
        failing = false;
        resolve(undefined);
      }, failsFor),
    );
    const samples = await phases.finish([{ from, to }], to, recoveryMs, signal);
    await healed;
    return { samples, to };
  }

  it('passes a service that recovers within its recovery time, judging the first window that holds', async () => {
    const { samples, to } = await recoverAfter(400, 1500);
    const after = samples.find((sample) => sample.phase === 'after')!;
    expect(after.status).toBe('pass');
    expect(after.reason).toMatch(
      /^recovered (\d+ms|[\d.]+s) after the revert \(recovery 1\.5s\): \d+ requests/,
    );
    // The window judged starts once the failures are over, within the recovery time.
    const start = Date.parse(after.startedAt);
    expect(start - to).toBeGreaterThanOrEqual(400);
    expect(start - to).toBeLessThanOrEqual(1500);
    expect(samples.find((sample) => sample.phase === 'during')!.status).toBe('fail');
  });

  it('fails a service that is still failing when its recovery time is up (deviated, not errored)', async () => {
    const { samples } = await recoverAfter(1200, 500);
    const after = samples.find((sample) => sample.phase === 'after')!;
    expect(after.status).toBe('fail');
    expect(after.reason).toMatch(/^not recovered within 500ms: error_rate: expected < 1%, saw \d/);
  });

  it('judges the window right after the revert when there is no recovery time', async () => {
    const { samples } = await recoverAfter(200, 0);
    const after = samples.find((sample) => sample.phase === 'after')!;
    expect(after.status).toBe('fail');
    expect(after.reason).toMatch(/^error_rate: expected < 1%, saw \d/);
  });
});

describe('a window without requests', () => {
  it('is an error of the experiment, not fragility, when no request was due while a fault was in place', async () => {
    const { experiment } = parseExperiment(
      `title: t\nhypothesis:\n  - name: api\n    load: { url: "${url}", rate: 2/s, before: 1s, after: 1s }\n    timeout: 1s\n    expect: { thresholds: ["error_rate < 1%"] }\nmethod:\n  - wait: 1s\n`,
      't.yaml',
      {},
    );
    const phases = new LoadPhases(experiment.hypothesis);
    phases.start();
    await phases.baseline(signal);
    // Requests are due every 500ms from the first one: a fault held from +1.1s to +1.2s saw none.
    const t0 = phases.series()[0]!.timeline!.from;
    const samples = await phases.finish([{ from: t0 + 1100, to: t0 + 1200 }], Date.now(), 0, signal);
    const during = samples.find((sample) => sample.phase === 'during')!;
    expect(during.status).toBe('error');
    expect(during.reason).toBe(
      'no request of the load was due while a fault was in place (100ms in all; one every 500ms at 2/s): nothing to judge; hold the faults longer or raise the rate',
    );
    expect(samples.find((sample) => sample.phase === 'after')!.status).toBe('pass');
  });
});

describe('mergeIntervals', () => {
  it('counts overlapping fault intervals once', () => {
    expect(
      mergeIntervals([
        { from: 10, to: 20 },
        { from: 0, to: 5 },
        { from: 15, to: 30 },
      ]),
    ).toEqual([
      { from: 0, to: 5 },
      { from: 10, to: 30 },
    ]);
  });
});
