import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../../src/model/journal.js';
import { faultline, tempDir, writeExperiment } from '../../support/cli.js';
import { removeTestContainers, startContainers, uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import {
  type MetricsServer,
  type PrivatePrometheus,
  requirePrometheus,
  startMetricsServer,
  startPrometheus,
} from './lab.js';

/**
 * `faultline run` with prometheus probes in the hypothesis and as a guard, against a real Prometheus
 * scraping a /metrics endpoint this test serves: the guard trips once the errors it counts rise while
 * a real container is paused, and the run is aborted with every fault reverted.
 */
const prefix = uniquePrefix('prom-run');
const target = `${prefix}-web`;
let metrics: MetricsServer;
let prometheus: PrivatePrometheus;
let dir: string;

describe('prometheus probes in a run', () => {
  beforeAll(async () => {
    requirePrometheus();
    dir = await tempDir();
    await startContainers(prefix, [{ name: 'web' }]);
    metrics = await startMetricsServer();
    prometheus = await startPrometheus([metrics.target]);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await metrics?.close();
    await removeTestContainers(prefix);
  });

  it('a prometheus guard aborts the run once its query crosses the bound, and every fault is reverted', async () => {
    const file = await writeExperiment(
      dir,
      'guard.yaml',
      `title: errors stay low while the web container is paused
hypothesis:
  - name: the idle counter is scraped
    prometheus: { url: "${prometheus.url}", query: "demo_idle_total" }
    expect: { value: "< 4" }
guards:
  - name: errors stay low
    prometheus: { url: "${prometheus.url}", query: "sum(rate(demo_errors_total[5s])) or vector(0)" }
    expect: { value: "< 1" }
    every: 500ms
method:
  - pause: { target: { name: ${target} }, duration: 60s }
`,
    );
    const report = path.join(dir, 'guard.json');
    // Errors start to rise once the container is paused.
    let raisedAt: number | undefined;
    const raising = (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if ((await docker('inspect', '-f', '{{.State.Status}}', target)).trim() === 'paused') {
          metrics.raiseErrors(true);
          raisedAt = Date.now();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const started = Date.now();
    const result = await faultline(['run', file, '--report', `json=${report}`], { cwd: dir });
    await raising;
    metrics.raiseErrors(false);
    expect(result.exitCode, result.all).toBe(5);
    // Well before the pause's 60 s: the guard tripped within seconds of the errors rising.
    expect(Date.now() - started).toBeLessThan(40_000);
    const run = (JSON.parse(await readFile(report, 'utf8')) as SessionResult).runs[0]!;
    expect(run.outcome).toBe('aborted');
    expect(run.guard?.probe).toBe('errors stay low');
    // It tripped on the errors' rate, after they started to rise: not on a missing series.
    expect(run.guard?.reason).toMatch(/value: expected < 1, saw \d/);
    expect(raisedAt).toBeDefined();
    expect(Date.parse(run.guard!.trippedAt)).toBeGreaterThan(raisedAt!);
    expect((await docker('inspect', '-f', '{{.State.Status}}', target)).trim()).toBe('running');
    const before = run.probes.find(
      (probe) => probe.probe === 'the idle counter is scraped' && probe.phase === 'before',
    );
    expect(before?.status).toBe('pass');
  }, 120_000);
});
