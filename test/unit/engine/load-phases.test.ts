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
    expect(series!.records.length).toBeGreaterThan(140);
    expect(series!.thresholds).toEqual(['error_rate < 1%', 'p95 < 500ms', 'throughput > 80/s']);
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
