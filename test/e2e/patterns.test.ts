import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, SessionResult } from '../../src/model/journal.js';
import { faultline, REPO, tempDir } from '../support/cli.js';

/**
 * The resilience-patterns catalogue (experiments/patterns/ against fixtures/patterns/): every
 * experiment passes against the resilient stack and deviates against the same stack in fragile
 * mode. The stack gets its own project and port, so it can run beside a user's own.
 */
const STACK = { project: 'faultline-patterns-e2e', port: '28090' };
const SWITCHES = ['TIMEOUTS', 'RETRIES', 'BREAKER', 'BULKHEAD', 'DEGRADE', 'IDEMPOTENCY', 'ELECTION'];
const ENV: Record<string, string> = {
  FAULTLINE_PATTERNS_PROJECT: STACK.project,
  FAULTLINE_PATTERNS_PORT: STACK.port,
  FAULTLINE_PATTERNS_MODE: 'resilient',
  // Every pattern follows the mode, whatever the caller's environment says.
  ...Object.fromEntries(SWITCHES.map((name) => [`FAULTLINE_PATTERNS_${name}`, ''])),
};
const EXPERIMENTS = path.join(REPO, 'experiments/patterns');
/** The data-integrity and detection experiments need Prometheus: data-integrity.test.ts runs them. */
const ELSEWHERE = [
  'cap-partition-then-kill-primary.yaml',
  'detection-error-rate-visible.yaml',
  'idempotency-payments-retried-under-load.yaml',
];
const FILES = readdirSync(EXPERIMENTS)
  .filter((file) => /\.ya?ml$/.test(file) && !ELSEWHERE.includes(file))
  .sort();

let reports: string;

async function patternsStack(...args: string[]): Promise<void> {
  const result = await execa('bash', [path.join(REPO, 'fixtures/patterns/stack.sh'), ...args], {
    env: ENV,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`stack.sh ${args.join(' ')} failed:\n${result.all}`);
}

/**
 * Runs one experiment once the stack has settled from the previous one. An errored run (exit 3: the
 * environment failed, e.g. a baseline missed on a host too busy to answer) is run once more: it
 * says nothing about resilience either way. A verdict (exit 0 or 1) is never run again.
 */
async function runExperiment(
  file: string,
  mode: string,
): Promise<{ exitCode: number; output: string; run: RunResult }> {
  for (let attempt = 1; ; attempt++) {
    await patternsStack('wait');
    const report = path.join(reports, `${mode}-${path.basename(file, '.yaml')}-${attempt}.json`);
    const result = await faultline(['run', path.join(EXPERIMENTS, file), '--report', `json=${report}`], {
      env: ENV,
    });
    const json = await readFile(report, 'utf8').catch(() => {
      throw new Error(`no report from faultline (exit ${result.exitCode}):\n${result.all}`);
    });
    const session = JSON.parse(json) as SessionResult;
    const outcome = { exitCode: result.exitCode ?? -1, output: result.all ?? '', run: session.runs[0]! };
    if (outcome.exitCode !== 3 || attempt === 2) return outcome;
    console.warn(`${file} (${mode}) errored, running it once more: ${outcome.run.summary}`);
  }
}

beforeAll(async () => {
  reports = await tempDir();
  // `mode` recreates every container: a stack left over from an earlier run starts afresh.
  await patternsStack('mode', 'resilient');
}, 180_000);

afterAll(async () => {
  await patternsStack('down');
}, 120_000);

describe('the resilience-patterns catalogue', () => {
  it('has one or two experiments per pattern', () => {
    expect(FILES).toEqual([
      'bulkhead-cpu-starved-recommendations.yaml',
      'bulkhead-frozen-recommendations.yaml',
      'circuit-breaker-slow-orders.yaml',
      'graceful-degradation-catalog-down.yaml',
      'graceful-degradation-orders-disk-full.yaml',
      'idempotency-retried-payment.yaml',
      'leader-election-leader-killed.yaml',
      'retries-flaky-orders-replica.yaml',
      'retries-transient-partition.yaml',
    ]);
  });

  describe('against the resilient stack', () => {
    it.each(FILES)('%s passes (exit 0)', async (file) => {
      const { exitCode, output, run } = await runExperiment(file, 'resilient');
      expect(exitCode, output).toBe(0);
      expect(run.outcome).toBe('passed');
      expect(run.faults.length).toBeGreaterThan(0);
    });
  });

  describe('against the fragile stack', () => {
    beforeAll(async () => {
      await patternsStack('mode', 'fragile');
    }, 180_000);

    it.each(FILES)('%s deviates (exit 1)', async (file) => {
      const { exitCode, output, run } = await runExperiment(file, 'fragile');
      expect(exitCode, output).toBe(1);
      expect(run.outcome).toBe('deviated');
    });
  });
});
