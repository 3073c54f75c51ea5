import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTLINE_RUN_ID } from '../../src/docker/labels.js';
import { uniquePrefix, waitFor } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import {
  freshStateDir,
  ledgerOf,
  openFaults,
  recoverWith,
  report,
  runStarter,
  SafetyLab,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * `kill -9` of a run holding CPU, memory and I/O stress: the helpers run on their own in the targets'
 * cgroups, so the watchdog must remove every one of them (and `recover` must, when the watchdog is
 * killed too). What a user would check: no helper of the run is left, the ledger is closed.
 */
const lab = new SafetyLab(uniquePrefix('safety-stress'));
const startRun = runStarter();
const NAMES = ['a', 'b', 'c'].map((name) => lab.name(name));

const experiment = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  '    every: 200ms',
  'method:',
  '  - parallel:',
  '      - cpu-stress: { target: { service: a }, workers: 1, load: 50, duration: 60s }',
  '      - memory-stress: { target: { service: b }, size: 64MiB, duration: 60s }',
  '      - io-stress: { target: { service: c }, size: 8MiB, duration: 60s }',
].join('\n');

beforeAll(async () => {
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
    { name: 'c', service: 'c' },
  ]);
});

afterAll(async () => {
  await lab.remove();
});

async function helpersOf(runId: string): Promise<string[]> {
  const out = await docker(
    'ps',
    '-a',
    '--filter',
    `label=${FAULTLINE_RUN_ID}=${runId}`,
    '--format',
    '{{.Names}}',
  );
  return out.split('\n').filter(Boolean).sort();
}

/** The stress-ng processes in the targets' own cgroups (the helpers' processes join them). */
async function stressInTargets(): Promise<string[]> {
  const found: string[] = [];
  for (const name of NAMES) {
    const rows = (await docker('top', name, '-o', 'pid,args')).split('\n').slice(1);
    found.push(
      ...rows.filter((row) => /^\s*\d+\s+stress-ng/.test(row)).map((row) => `${name}: ${row.trim()}`),
    );
  }
  return found;
}

/** Starts the run and waits until the three helpers are running. */
async function holding(stateDir: string) {
  const { run, watchdogPid, runId } = await startRun(['run', await lab.experiment(experiment)], stateDir);
  for (let injected = 0; injected < 3; injected++) await run.waitForLine(/ {3}inject .*stress-ng/);
  expect(await helpersOf(runId)).toHaveLength(3);
  // Each helper's stress-ng is in its target before the step is reported injected; its workers fork
  // right after.
  await waitFor(
    'the stress-ng workers in the targets',
    async () => (await stressInTargets()).length >= 6,
    10_000,
  );
  return { run, watchdogPid, runId };
}

describe('SIGKILL of a run holding stress faults', () => {
  it('the watchdog removes every helper and closes the ledger', async () => {
    const stateDir = await freshStateDir();
    const before = await lab.snapshot(NAMES);
    const { run, watchdogPid, runId } = await holding(stateDir);
    const killedAt = run.kill('SIGKILL');
    expect((await run.finished).signal).toBe('SIGKILL');
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(await helpersOf(runId)).toEqual([]);
    expect(await stressInTargets()).toEqual([]);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(await lab.snapshot(NAMES)).toEqual(before);
    expect(await statusOf(stateDir)).toBe('no active run');
    report('SIGKILL during stress -> last helper removed by the watchdog (ms)', {
      'three helpers': lastRevertMs,
    });
  });

  it('with the watchdog killed too, recover removes every helper', async () => {
    const stateDir = await freshStateDir();
    const { run, watchdogPid, runId } = await holding(stateDir);
    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    expect(await helpersOf(runId)).toHaveLength(3);
    const recovered = await recoverWith(stateDir, [runId, lab.prefix]);
    expect(recovered.ours.filter((line) => line.includes('stress'))).toHaveLength(3);
    expect(await helpersOf(runId)).toEqual([]);
    expect(await stressInTargets()).toEqual([]);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
  });
});
