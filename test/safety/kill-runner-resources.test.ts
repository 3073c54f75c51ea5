import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import { cgroupLimits, inspectLimits, processStates, serviceOf, startSleeper } from '../support/limits.js';
import {
  freshStateDir,
  ledgerOf,
  locksIn,
  openFaults,
  recoverWith,
  report,
  runStarter,
  SafetyLab,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * `kill -9` of the run while it holds resource limits and stopped processes: the watchdog puts back
 * every limit exactly as inspect reported it (and the kernel's cgroup limits) and continues every
 * process the run stopped.
 */
const lab = new SafetyLab(uniquePrefix('safety-res'));
const startRun = runStarter();
let limited = '';
let unlimited = '';
let sleepers = '';

const ALWAYS = ['hypothesis:', '  - name: always', '    command: ["true"]', '    every: 200ms'].join('\n');

beforeAll(async () => {
  await lab.start([]);
  limited = await startSleeper(lab.prefix, 'limited', [
    ...serviceOf(lab.prefix, 'limited'),
    '--cpus',
    '1.5',
    '--memory',
    '256m',
    '--pids-limit',
    '200',
  ]);
  unlimited = await startSleeper(lab.prefix, 'unlimited', serviceOf(lab.prefix, 'unlimited'));
  sleepers = await startSleeper(lab.prefix, 'sleepers', serviceOf(lab.prefix, 'sleepers'));
});

afterAll(async () => {
  await lab.remove();
});

async function killWhileHeld(experiment: string, faults: number, held: () => Promise<void>) {
  const stateDir = await freshStateDir();
  const { run, watchdogPid, runId } = await startRun(['run', await lab.experiment(experiment)], stateDir);
  await run.waitForInjected(faults);
  await held();
  const killedAt = run.kill('SIGKILL');
  expect((await run.finished).signal).toBe('SIGKILL');
  const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
  expect(openFaults(ledger)).toEqual([]);
  expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
  expect(await statusOf(stateDir)).toBe('no active run');
  expect(locksIn(stateDir)).toEqual([]);
  return { ledger, lastRevertMs };
}

describe('SIGKILL of the run holding resource and process faults: the watchdog undoes them', () => {
  it('limits on a limited and an unlimited container are restored', async () => {
    const before = {
      limited: { inspect: await inspectLimits(limited), cgroup: await cgroupLimits(limited) },
      unlimited: { inspect: await inspectLimits(unlimited), cgroup: await cgroupLimits(unlimited) },
    };
    const experiment = [
      ALWAYS,
      'method:',
      '  - parallel:',
      '      - limit: { target: { service: limited }, cpus: 0.5, memory: 64m, pids: 20, duration: 30s }',
      '      - limit: { target: { service: unlimited }, cpus: 0.25, pids: 10, duration: 30s }',
    ].join('\n');
    const killed = await killWhileHeld(experiment, 2, async () => {
      expect(await cgroupLimits(limited)).toEqual({
        cpu: '50000',
        memory: String(64 * 1024 * 1024),
        pids: '20',
      });
      expect(await cgroupLimits(unlimited)).toMatchObject({ cpu: '25000', pids: '10' });
    });
    expect(await inspectLimits(limited)).toBe(before.limited.inspect);
    expect(await cgroupLimits(limited)).toEqual(before.limited.cgroup);
    expect(await cgroupLimits(unlimited)).toEqual(before.unlimited.cgroup);
    expect(
      killed.ledger.filter((entry) => entry.type === 'reverted' && entry.status === 'reverted'),
    ).toHaveLength(2);
    report('kill holding limits (2 containers)', { 'last revert (ms)': killed.lastRevertMs });
  });

  it('processes stopped with SIGSTOP are continued', async () => {
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    const experiment = [
      ALWAYS,
      'method:',
      '  - signal: { target: { service: sleepers }, signal: SIGSTOP, process: sleep, all: true, duration: 30s }',
    ].join('\n');
    const killed = await killWhileHeld(experiment, 1, async () => {
      expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
    });
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    report('kill holding SIGSTOP (2 processes)', { 'last revert (ms)': killed.lastRevertMs });
  });
});

describe('SIGKILL of the watchdog and then of the run', () => {
  it('leaves the limit and the stopped processes until `faultline recover` undoes them', async () => {
    const before = await inspectLimits(limited);
    const experiment = [
      ALWAYS,
      'method:',
      '  - parallel:',
      '      - limit: { target: { service: limited }, cpus: 0.5, pids: 20, duration: 30s }',
      '      - signal: { target: { service: sleepers }, signal: SIGSTOP, process: sleep, count: 1, duration: 30s }',
    ].join('\n');
    const stateDir = await freshStateDir();
    const { run, watchdogPid, runId } = await startRun(['run', await lab.experiment(experiment)], stateDir);
    await run.waitForInjected(2);
    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:S']);
    expect(await inspectLimits(limited)).not.toBe(before);

    const recovered = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(recovered.exitCode, recovered.output).toBe(recovered.foreignFailures.length > 0 ? 4 : 0);
    expect(recovered.ours.join('\n')).toMatch(/reverted +limit on \S+-limited /);
    expect(recovered.ours.join('\n')).toMatch(/reverted +signal on \S+-sleepers /);
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await inspectLimits(limited)).toBe(before);
    expect(ledgerOf(stateDir, runId).at(-1)).toMatchObject({ type: 'end', outcome: 'recovered' });
  });
});
