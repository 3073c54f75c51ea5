import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import {
  faultlineTraces,
  freshStateDir,
  ledgerOf,
  openFaults,
  SafetyLab,
  startFaultline,
  statusOf,
} from '../support/safety.js';

/**
 * A target removed (`docker rm -f`) while faultline holds a fault on it: the run carries on, reports
 * that fault as gone (a warning, not a failure), reverts the others, and gives its normal verdict.
 */
const lab = new SafetyLab(uniquePrefix('safety-gone'));

beforeAll(async () => {
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
    { name: 'c', service: 'c' },
    { name: 'd', service: 'd' },
  ]);
});

afterAll(async () => {
  await lab.remove();
});

describe('a target removed mid-run', () => {
  it('a paused and a partitioned container removed: warnings, the rest reverted, exit 0', async () => {
    const stateDir = await freshStateDir();
    const survivors = [lab.name('c'), lab.name('d')];
    const before = await lab.snapshot(survivors);
    const file = await lab.experiment(
      [
        'hypothesis:',
        '  - name: always',
        '    command: ["true"]',
        '    every: 200ms',
        'method:',
        '  - parallel:',
        '      - pause: { target: { service: a }, duration: 3s }',
        '      - pause: { target: { service: d }, duration: 3s }',
        '      - partition: { groups: [[{ service: b }], [{ service: c }]], duration: 3s }',
        '      - bandwidth: { target: { service: c }, rate: 1mbit, duration: 3s }',
      ].join('\n'),
    );
    const run = startFaultline(['run', file], stateDir);
    const runId = await run.runId();
    await run.waitForInjected(5);
    const held = await lab.snapshot([lab.name('a'), lab.name('b')]);
    expect(held[lab.name('a')]!.docker).toContain('paused=true');
    expect(faultlineTraces(held[lab.name('b')]!).join('\n')).toContain(`FL-${runId}-partition`);

    await docker('rm', '-f', lab.name('a'), lab.name('b'));

    const finished = await run.finished;
    expect(run.text).toMatch(new RegExp(`warn +${lab.name('a')}: the container was removed`));
    expect(run.text).toMatch(new RegExp(`warn +${lab.name('b')}: .*(gone|removed)`));
    expect(run.text).toMatch(new RegExp(`revert +${lab.name('d')}: unpaused`));
    expect(run.text).toMatch(new RegExp(`revert +${lab.name('c')}: removed chains FL-${runId}-partition`));
    expect(run.text).toMatch(new RegExp(`revert +${lab.name('c')}: removed bandwidth`));
    expect(run.text, run.text).not.toMatch(/REVERT FAILED|Error:|\n +at /);
    expect(run.text).toContain('PASSED');
    expect(finished.exitCode, run.text).toBe(0);

    expect(await lab.snapshot(survivors)).toEqual(before);
    const ledger = ledgerOf(stateDir, runId);
    expect(openFaults(ledger)).toEqual([]);
    const statuses = ledger.filter((entry) => entry.type === 'reverted').map((entry) => entry.status);
    expect(statuses.sort()).toEqual(['reverted', 'reverted', 'reverted', 'target-gone', 'target-gone']);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'passed' });
    expect(await statusOf(stateDir)).toBe('no active run');
  });
});
