import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import {
  type CliProcess,
  freshStateDir,
  openFaults,
  processGone,
  report,
  SafetyLab,
  startFaultline,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * Ctrl-C twice: the first SIGINT starts the revert; a second one while it is under way makes the
 * process exit 130 at once, naming what may still be in place and the watchdog that reverts it; the
 * watchdog then does.
 */
const lab = new SafetyLab(uniquePrefix('safety-sigint'));
const TARGETS = Array.from({ length: 4 }, (_, index) => `t${index}`);
const started: CliProcess[] = [];

beforeAll(async () => {
  await lab.start([{ name: 'peer', service: 'peer' }, ...TARGETS.map((name) => ({ name, service: 't' }))]);
});

afterEach(() => {
  for (const run of started.splice(0)) if (!processGone(run.pid)) run.kill('SIGKILL');
});

afterAll(async () => {
  await lab.remove();
});

// 12 faults on 4 containers: their revert (iptables and tc through nsenter) takes a few hundred ms.
const EXPERIMENT = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'method:',
  '  - parallel:',
  '      - pause: { target: { service: t }, duration: 60s }',
  '      - partition: { groups: [[{ service: t }], [{ service: peer }]], direction: one-way, duration: 60s }',
  '      - bandwidth: { target: { service: t }, rate: 1mbit, direction: both, duration: 60s }',
].join('\n');

describe('Ctrl-C twice', () => {
  it('exits 130 at once, prints what may be left and the watchdog pid, and the watchdog reverts it', async () => {
    const stateDir = await freshStateDir();
    const before = await lab.snapshot();
    const run = startFaultline(['run', await lab.experiment(EXPERIMENT)], stateDir);
    started.push(run);
    const watchdogPid = await run.watchdogPid();
    const runId = await run.runId();
    await run.waitForInjected(12);

    run.kill('SIGINT');
    await run.waitForLine(/SIGINT: reverting every injected fault/);
    const secondAt = run.kill('SIGINT');
    const finished = await run.finished;
    const exitMs = finished.at - secondAt;

    expect(finished.exitCode).toBe(130);
    expect(exitMs).toBeLessThan(1000);
    expect(run.text).toContain('SIGINT again: exiting now. These faults may still be in place:');
    const left = run.lines.filter((line) =>
      /^ {2}(pause|partition|bandwidth) on \S+ {4}undo: /.test(line.text),
    );
    expect(left.length).toBeGreaterThan(0);
    expect(run.text).toContain(`The run's watchdog (pid ${watchdogPid}) reverts them now`);

    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, finished.at);
    expect(await lab.snapshot()).toEqual(before);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(await statusOf(stateDir)).toBe('no active run');
    report('Ctrl-C twice (12 faults on 4 containers)', {
      'second SIGINT -> exit (ms)': exitMs,
      'faults printed as possibly left': left.length,
      'exit -> last revert by the watchdog (ms)': lastRevertMs,
    });
  });
});
