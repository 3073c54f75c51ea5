import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import {
  freshStateDir,
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
 * `kill -9` of a run holding proxy faults (an HTTP abort on a target's own port, a TCP toxic on its
 * calls to a peer): the watchdog removes the nat rules and stops the proxy processes, whose command
 * lines name the run; with the watchdog killed too, `faultline recover` does it.
 */
const lab = new SafetyLab(uniquePrefix('safety-proxy'));
const startRun = runStarter();
const NAMES = ['a', 'b'].map((name) => lab.name(name));

const EXPERIMENT = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'method:',
  '  - parallel:',
  '      - http-abort: { target: { service: a }, port: 8080, status: 503, percent: 50%, duration: 60s }',
  '      - tcp-latency: { target: { service: a }, to: { service: b }, ports: 8080, latency: 20ms, duration: 60s }',
].join('\n');

/** Host processes that are proxies of this run. */
function proxiesOf(runId: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`faultline-proxy ${runId}`));
}

beforeAll(async () => {
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
  ]);
});

afterAll(async () => {
  await lab.remove();
});

async function killWhileHolding(stateDir: string, alsoWatchdog: boolean) {
  const file = await lab.experiment(EXPERIMENT);
  const before = await lab.snapshot(NAMES);
  const { run, watchdogPid, runId } = await startRun(['run', file, '--via', 'nsenter'], stateDir);
  await run.waitForLine(/ {3}inject .*tcp-latency/);
  await run.waitForLine(/ {3}inject .*http-abort/);
  expect(proxiesOf(runId)).toHaveLength(2);
  if (alsoWatchdog) process.kill(watchdogPid, 'SIGKILL');
  const killedAt = run.kill('SIGKILL');
  expect((await run.finished).signal).toBe('SIGKILL');
  return { run, runId, watchdogPid, killedAt, before };
}

describe('SIGKILL of a run holding proxy faults', () => {
  it('the watchdog removes the nat rules and stops both proxies', async () => {
    const stateDir = await freshStateDir();
    const { runId, watchdogPid, killedAt, before } = await killWhileHolding(stateDir, false);
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(await lab.snapshot(NAMES)).toEqual(before);
    expect(proxiesOf(runId)).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');
    expect(locksIn(stateDir)).toEqual([]);
    report('kill holding proxy faults', { 'watchdog done (ms)': lastRevertMs });
  });

  it('with the watchdog killed too, recover removes the rules and stops the proxies', async () => {
    const stateDir = await freshStateDir();
    const { runId, before } = await killWhileHolding(stateDir, true);
    expect(proxiesOf(runId)).toHaveLength(2);
    const recovered = await recoverWith(stateDir, [runId]);
    expect(recovered.ours.filter((line) => line.startsWith('FAILED'))).toEqual([]);
    expect(recovered.ours.length).toBeGreaterThan(0);
    expect(await lab.snapshot(NAMES)).toEqual(before);
    expect(proxiesOf(runId)).toEqual([]);
  });
});
