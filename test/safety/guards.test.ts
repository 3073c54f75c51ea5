import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../src/model/journal.js';
import { faultline, tempDir } from '../support/cli.js';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import { freshStateDir, ledgerOf, openFaults, report, SafetyLab, statusOf } from '../support/safety.js';

/**
 * A guard that misses while faults are active reverts every fault at once and ends the run as
 * aborted (exit 5); the JSON report says how long the revert took after the guard failed.
 */
const lab = new SafetyLab(uniquePrefix('safety-guard'));
const TEN = Array.from({ length: 10 }, (_, index) => `t${index}`);

beforeAll(async () => {
  await lab.start([
    { name: 'guarded', service: 'guarded' },
    { name: 'peer', service: 'peer' },
    { name: 'solo', service: 'solo' },
    ...TEN.map((name) => ({ name, service: 't' })),
  ]);
});

afterAll(async () => {
  await lab.remove();
});

/** A hypothesis that always holds, and a guard that the guarded service is up. */
const GUARDED = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'guards:',
  '  - name: guarded service stays up',
  '    container: { target: { service: guarded } }',
];

/** Pause and partition every container of `service`, then pause the guarded service: the guard trips. */
const experiment = (service: string) =>
  [
    ...GUARDED,
    '    every: 100ms',
    'method:',
    `  - pause: { target: { service: ${service} } }`,
    `  - partition: { groups: [[{ service: ${service} }], [{ service: peer }]], direction: one-way }`,
    '  - wait: 300ms',
    '  - pause: { target: { service: guarded }, duration: 30s }',
    '  - wait: 30s',
  ].join('\n');

async function tripGuard(service: string, targets: number) {
  const stateDir = await freshStateDir();
  const json = path.join(await tempDir(), 'report.json');
  const before = await lab.snapshot();
  const started = Date.now();
  const result = await faultline(
    ['run', await lab.experiment(experiment(service)), '--report', `json=${json}`],
    {
      env: { FAULTLINE_STATE_DIR: stateDir },
    },
  );
  const tookMs = Date.now() - started;

  expect(result.exitCode).toBe(5);
  expect(result.all).toMatch(/GUARD +guarded service stays up failed: .*paused/);
  expect(result.all).toMatch(/ABORTED aborted by a guard: .*every fault was reverted/);
  expect(await lab.snapshot()).toEqual(before);

  const run = (JSON.parse(await readFile(json, 'utf8')) as SessionResult).runs[0]!;
  expect(run.outcome).toBe('aborted');
  expect(run.exitCode).toBe(5);
  // pause and partition on every target, and the pause of the guarded service.
  expect(run.faults).toHaveLength(2 * targets + 1);
  expect(run.faults.every((fault) => fault.status === 'reverted')).toBe(true);
  const guard = run.guard!;
  expect(guard.probe).toBe('guarded service stays up');
  const tripped = Date.parse(guard.trippedAt);
  const lastRevert = Math.max(...run.faults.map((fault) => Date.parse(fault.revertedAt!)));
  expect(guard.revertedWithinMs).toBe(lastRevert - tripped);
  // The run did not sit out its 30 s method.
  expect(tookMs).toBeLessThan(15_000);

  const runId = /runs\/([0-9a-f]+)\.jsonl/.exec(String(result.all))![1]!;
  const ledger = ledgerOf(stateDir, runId);
  expect(openFaults(ledger)).toEqual([]);
  expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'aborted' });
  expect(await statusOf(stateDir)).toBe('no active run');
  return guard.revertedWithinMs;
}

describe('a guard that misses', () => {
  it('reverts every fault at once and ends the run as aborted (exit 5), with 1 and with 10 targets', async () => {
    const one = await tripGuard('solo', 1);
    const ten = await tripGuard('t', 10);
    expect(one).toBeLessThan(1000);
    expect(ten).toBeLessThan(2000);
    report('guard failed -> last fault reverted, revertedWithinMs', { '1 target': one, '10 targets': ten });
  });

  it('before the first fault stops the run as aborted (exit 5) with nothing injected', async () => {
    const stateDir = await freshStateDir();
    const json = path.join(await tempDir(), 'report.json');
    const file = await lab.experiment(
      [...GUARDED, 'method:', '  - pause: { target: { service: solo }, duration: 5s }'].join('\n'),
    );
    // Harm before the run: the guarded service is already down.
    await docker('pause', lab.name('guarded'));
    try {
      const before = await lab.snapshot([lab.name('solo')]);
      const result = await faultline(['run', file, '--report', `json=${json}`], {
        env: { FAULTLINE_STATE_DIR: stateDir },
      });
      expect(result.exitCode, result.all).toBe(5);
      expect(result.all).toMatch(/GUARD +guarded service stays up failed: .*paused.*; nothing is injected/);
      expect(result.all).toMatch(/ABORTED aborted by a guard: .*; nothing was injected/);
      expect(result.all).not.toMatch(/inject +/);
      expect(await lab.snapshot([lab.name('solo')])).toEqual(before);
      const run = (JSON.parse(await readFile(json, 'utf8')) as SessionResult).runs[0]!;
      expect(run).toMatchObject({ outcome: 'aborted', exitCode: 5, faults: [] });
      const runId = /runs\/([0-9a-f]+)\.jsonl/.exec(String(result.all))![1]!;
      expect(ledgerOf(stateDir, runId).filter((entry) => entry.type === 'intent')).toEqual([]);
    } finally {
      await docker('unpause', lab.name('guarded'));
    }
  });
});
