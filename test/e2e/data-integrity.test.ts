import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, SessionResult } from '../../src/model/journal.js';
import type { WorkloadReport } from '../../src/probes/workload/report.js';
import { faultline, REPO, tempDir } from '../support/cli.js';

/**
 * Data integrity and detection against the real patterns stack and a real Prometheus: the workload
 * probe judges what a replicated store kept (CP keeps every acknowledged write, AP loses some) and
 * what a payment service charged (idempotent or not), and a detect check asks Prometheus whether the
 * gateway's error rate rose in time. One stack per mode; the stack and Prometheus get their own
 * project and ports, so they can run beside a user's demo.
 */
const STACK = { project: 'faultline-patterns-data', port: '28091' };
const PROMETHEUS_PORT = '29091';
const SWITCHES = ['TIMEOUTS', 'RETRIES', 'BREAKER', 'BULKHEAD', 'DEGRADE', 'IDEMPOTENCY', 'ELECTION'];
const ENV: Record<string, string> = {
  FAULTLINE_PATTERNS_PROJECT: STACK.project,
  FAULTLINE_PATTERNS_PORT: STACK.port,
  FAULTLINE_PROMETHEUS_PORT: PROMETHEUS_PORT,
  FAULTLINE_PROMETHEUS_URL: `http://127.0.0.1:${PROMETHEUS_PORT}`,
  // Every pattern, the replication and the metrics follow the mode, whatever the caller's environment says.
  ...Object.fromEntries(
    [...SWITCHES, 'REPLICATION', 'METRICS'].map((name) => [`FAULTLINE_PATTERNS_${name}`, '']),
  ),
};
const CAP = 'cap-partition-then-kill-primary.yaml';
const IDEMPOTENCY = 'idempotency-payments-retried-under-load.yaml';
const DETECTION = 'detection-error-rate-visible.yaml';

let reports: string;

async function script(file: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const result = await execa('bash', [path.join(REPO, file), ...args], {
    env: { ...ENV, ...env },
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed:\n${result.all}`);
}

/** Runs one experiment of experiments/patterns/ once the stack has settled; its exit and JSON report. */
async function run(
  file: string,
  label: string,
): Promise<{ exitCode: number; output: string; run: RunResult }> {
  await script('fixtures/patterns/stack.sh', ['wait']);
  const report = path.join(reports, `${label}-${path.basename(file, '.yaml')}.json`);
  const result = await faultline(
    ['run', path.join(REPO, 'experiments/patterns', file), '--report', `json=${report}`],
    { env: ENV },
  );
  const json = await readFile(report, 'utf8').catch(() => {
    throw new Error(`no report from faultline (exit ${result.exitCode}):\n${result.all}`);
  });
  const session = JSON.parse(json) as SessionResult;
  return { exitCode: result.exitCode ?? -1, output: result.all ?? '', run: session.runs[0]! };
}

function workload(run: RunResult): WorkloadReport {
  const report = run.workload?.[0]?.report;
  if (!report) throw new Error(`the run has no workload report: ${run.summary}`);
  return report;
}

beforeAll(async () => {
  reports = await tempDir();
  // `mode` recreates every container: a stack left over from an earlier run starts afresh.
  await script('fixtures/patterns/stack.sh', ['mode', 'resilient']);
  await script('fixtures/prometheus/prometheus.sh', ['start', `127.0.0.1:${STACK.port}`]);
}, 180_000);

afterAll(async () => {
  await script('fixtures/prometheus/prometheus.sh', ['stop']);
  await script('fixtures/patterns/stack.sh', ['down']);
}, 120_000);

describe('against the resilient stack (CP store, idempotent payments, metrics on)', () => {
  it('the CAP experiment passes: writes refused during the partition, none acknowledged lost', async () => {
    const { exitCode, output, run: result } = await run(CAP, 'resilient');
    expect(exitCode, output).toBe(0);
    expect(result.outcome).toBe('passed');
    const report = workload(result);
    expect(report.lost.count).toBe(0);
    expect(report.duplicates.ids).toBe(0);
    expect(report.totals.before.acknowledged).toBeGreaterThan(40);
    // Consistency over availability: the store refused what it could not replicate.
    expect(report.totals.during.refused).toBeGreaterThan(0);
    expect(report.totals.after.acknowledged).toBeGreaterThan(0);
  }, 120_000);

  it('retried payments charge each card once', async () => {
    const { exitCode, output, run: result } = await run(IDEMPOTENCY, 'resilient');
    expect(exitCode, output).toBe(0);
    const report = workload(result);
    expect(report.duplicates.ids).toBe(0);
    expect(report.totals.during.acknowledged).toBeGreaterThan(0);
  }, 120_000);

  it('the error-rate alert fires in Prometheus within 30 s of the outage', async () => {
    const { exitCode, output, run: result } = await run(DETECTION, 'resilient');
    expect(exitCode, output).toBe(0);
    const detection = result.detect?.[0];
    expect(detection?.detectedAfterMs, JSON.stringify(detection)).not.toBeNull();
    expect(detection!.detectedAfterMs!).toBeLessThanOrEqual(30_000);
    expect(output).toContain('PASSED');
  }, 120_000);
});

describe('against the resilient stack without metrics (METRICS=off)', () => {
  beforeAll(async () => {
    await script('fixtures/patterns/stack.sh', ['mode', 'resilient'], { FAULTLINE_PATTERNS_METRICS: 'off' });
  }, 180_000);

  it('the detection check fails: nothing to compute the error rate from', async () => {
    const { exitCode, output, run: result } = await run(DETECTION, 'no-metrics');
    expect(exitCode, output).toBe(1);
    expect(result.outcome).toBe('deviated');
    expect(result.detect?.[0]?.detectedAfterMs).toBeNull();
    // Only the detection failed: the shoppers were served throughout.
    const failed = result.probes.filter((probe) => probe.status !== 'pass').map((probe) => probe.probe);
    expect(failed).toEqual(["detect: the catalogue's error-rate alert fires"]);
    expect(output).toContain('not noticed within 30s');
  }, 120_000);
});

describe('against the fragile stack (AP store, payments without idempotency)', () => {
  beforeAll(async () => {
    await script('fixtures/patterns/stack.sh', ['mode', 'fragile']);
  }, 180_000);

  it('the CAP experiment deviates: acknowledged writes are lost', async () => {
    const { exitCode, output, run: result } = await run(CAP, 'fragile');
    expect(exitCode, output).toBe(1);
    expect(result.outcome).toBe('deviated');
    const report = workload(result);
    expect(report.lost.count).toBeGreaterThan(0);
    expect(report.lost.examples[0]?.outcome).toBe('acknowledged');
    expect(output).toMatch(/lost \d+ \(expected == 0\)/);
  }, 120_000);

  it('retried payments charge some cards twice', async () => {
    const { exitCode, output, run: result } = await run(IDEMPOTENCY, 'fragile');
    expect(exitCode, output).toBe(1);
    expect(workload(result).duplicates.ids).toBeGreaterThan(0);
  }, 120_000);
});
