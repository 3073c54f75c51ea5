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
 * a real container is paused, and the run is aborted with every fault reverted. A query Prometheus
 * refuses never lets a run pass: the run shows Prometheus's own error.
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

  /** An experiment that pauses the web container for `pause` while a prometheus guard runs `query`. */
  const guarded = (name: string, query: string, pause: string) =>
    writeExperiment(
      dir,
      name,
      `title: errors stay low while the web container is paused
hypothesis:
  - name: the idle counter is scraped
    prometheus: { url: "${prometheus.url}", query: "demo_idle_total" }
    expect: { value: "< 4" }
guards:
  - name: errors stay low
    prometheus: { url: "${prometheus.url}", query: "${query}" }
    expect: { value: "< 1" }
    every: 500ms
method:
  - pause: { target: { name: ${target} }, duration: ${pause} }
`,
    );

  it('a prometheus guard aborts the run once its query crosses the bound, and every fault is reverted', async () => {
    const file = await guarded('guard.yaml', 'sum(rate(demo_errors_total[5s])) or vector(0)', '60s');
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

  /** PromQL that Prometheus refuses, and how a run words it: faultline's words, then Prometheus's own error. */
  const refused = 'rate(';
  const refusal =
    /Prometheus refused the query \(bad_data\): invalid parameter "query": .*parse error: unclosed left parenthesis/;

  it('a hypothesis query Prometheus refuses errors the run in its baseline, with its own message, and injects nothing', async () => {
    const file = await writeExperiment(
      dir,
      'refused.yaml',
      `title: a hypothesis query with a syntax error
hypothesis:
  - name: errors stay low
    prometheus: { url: "${prometheus.url}", query: "${refused}" }
    expect: { value: "< 1" }
method:
  - pause: { target: { name: ${target} }, duration: 5s }
`,
    );
    const report = path.join(dir, 'refused.json');
    const result = await faultline(['run', file, '--report', `json=${report}`], { cwd: dir });
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toMatch(
      new RegExp(`before +ERR +errors stay low +probe could not run: ${refusal.source}`),
    );
    expect(result.all).toMatch(
      new RegExp(
        `ERRORED baseline not met, nothing was injected: the baseline could not be checked \\(errors stay low: probe could not run: ${refusal.source}`,
      ),
    );
    const run = (JSON.parse(await readFile(report, 'utf8')) as SessionResult).runs[0]!;
    expect(run.outcome).toBe('errored');
    expect(run.faults).toEqual([]);
    expect(run.probes.find((probe) => probe.phase === 'before')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(refusal),
    });
    expect((await docker('inspect', '-f', '{{.State.Status}}', target)).trim()).toBe('running');
  }, 60_000);

  it('a guard query Prometheus refuses stops the run before its first fault, as an error (exit 3), not as harm, with its own message', async () => {
    const file = await guarded('refused-guard.yaml', refused, '30s');
    const report = path.join(dir, 'refused-guard.json');
    const started = Date.now();
    const result = await faultline(['run', file, '--report', `json=${report}`], { cwd: dir });
    expect(result.exitCode, result.all).toBe(3);
    // At its first sample, before the pause, not at the end of it.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.all).toMatch(
      new RegExp(
        `GUARD +errors stay low could not be checked: probe could not run: ${refusal.source}.*; nothing is injected`,
      ),
    );
    expect(result.all).toMatch(
      new RegExp(
        `ERRORED stopped by a guard: guard "errors stay low" could not be checked: probe could not run: ${refusal.source}.*; nothing was injected`,
      ),
    );
    const run = (JSON.parse(await readFile(report, 'utf8')) as SessionResult).runs[0]!;
    expect(run.outcome).toBe('errored');
    expect(run.guard).toMatchObject({ probe: 'errors stay low', reason: expect.stringMatching(refusal) });
    expect(run.faults).toEqual([]);
    expect((await docker('inspect', '-f', '{{.State.Status}}', target)).trim()).toBe('running');
  }, 60_000);
});
