import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir } from '../support/cli.js';
import { uniquePrefix } from '../support/containers.js';
import {
  faultlineTraces,
  freshStateDir,
  ledgerOf,
  locksIn,
  openFaults,
  SafetyLab,
  startFaultline,
  statusOf,
} from '../support/safety.js';

/**
 * Runs that must not start: no ledger can be written (nothing may be injected that could not be
 * undone after a crash), or another run is already faulting the same container.
 */
const lab = new SafetyLab(uniquePrefix('safety-refuse'));

beforeAll(async () => {
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
  ]);
});

afterAll(async () => {
  await lab.remove();
});

const experiment = (duration: string) =>
  [
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    'method:',
    '  - parallel:',
    `      - pause: { target: { service: a }, duration: ${duration} }`,
    `      - partition: { groups: [[{ service: a }], [{ service: b }]], duration: ${duration} }`,
    `      - bandwidth: { target: { service: b }, rate: 1mbit, duration: ${duration} }`,
  ].join('\n');
const EXPERIMENT = experiment('5s');

describe('the ledger cannot be written', () => {
  it('FAULTLINE_STATE_DIR under a regular file (ENOTDIR): exit 3, a clear message, nothing injected', async () => {
    const dir = await tempDir();
    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, 'a regular file\n');
    const before = await lab.snapshot();

    const result = await faultline(['run', await lab.experiment(EXPERIMENT)], {
      env: { FAULTLINE_STATE_DIR: path.join(blocker, 'state') },
    });
    expect(result.exitCode).toBe(3);
    expect(result.all).toContain(blocker);
    expect(result.all).toContain('nothing was injected');
    expect(result.all).toMatch(/FAULTLINE_STATE_DIR/);
    // A known environment problem, told in words: no stack trace.
    expect(result.all).not.toMatch(/\n\s+at /);
    expect(result.all).not.toMatch(/ {3}inject /);
    expect(await lab.snapshot()).toEqual(before);
  });

  it('the runs folder is a file (EEXIST): exit 3, a clear message, nothing injected, no lock kept', async () => {
    const stateDir = await freshStateDir();
    await writeFile(path.join(stateDir, 'runs'), 'a regular file\n');
    const before = await lab.snapshot();

    const result = await faultline(['run', await lab.experiment(EXPERIMENT)], {
      env: { FAULTLINE_STATE_DIR: stateDir },
    });
    expect(result.exitCode).toBe(3);
    expect(result.all).toMatch(/cannot write the run's ledger .*nothing was injected/);
    expect(result.all).toContain('FAULTLINE_STATE_DIR');
    expect(result.all).not.toMatch(/\n\s+at /);
    expect(result.all).not.toMatch(/ {3}inject /);
    expect(result.all).not.toMatch(/watchdog pid/);
    expect(await lab.snapshot()).toEqual(before);
    expect(locksIn(stateDir)).toEqual([]);
  });
});

describe('two runs on one container', () => {
  it('the second refuses with exit 3 naming the first, which completes normally', async () => {
    const stateDir = await freshStateDir();
    const before = await lab.snapshot();
    const first = startFaultline(['run', await lab.experiment(experiment('8s'))], stateDir);
    const firstId = await first.runId();
    await first.waitForInjected(4);

    const second = await faultline(
      [
        'run',
        await lab.experiment(
          [
            'hypothesis:',
            '  - name: always',
            '    command: ["true"]',
            'method:',
            '  - pause: { target: { service: b }, duration: 1s }',
          ].join('\n'),
        ),
      ],
      { env: { FAULTLINE_STATE_DIR: stateDir } },
    );
    expect(second.exitCode).toBe(3);
    expect(second.all).toContain('another faultline run is faulting the same container(s)');
    expect(second.all).toContain(`${lab.name('b')}: run ${firstId} (pid ${first.pid}`);
    expect(second.all).not.toMatch(/ {3}inject |watchdog pid/);
    expect(second.all).not.toMatch(/\n\s+at /);
    // The first run's faults were not disturbed.
    const held = await lab.snapshot();
    expect(held[lab.name('a')]!.docker).toContain('paused=true');
    expect(held[lab.name('b')]!.docker).toContain('paused=false');
    expect(faultlineTraces(held[lab.name('b')]!).join('\n')).toContain(`FL-${firstId}-partition`);
    expect(await statusOf(stateDir)).toMatch(new RegExp(`^run ${firstId} pid ${first.pid}`));

    const finished = await first.finished;
    expect(first.text).toContain('PASSED');
    expect(finished.exitCode, first.text).toBe(0);
    expect(await lab.snapshot()).toEqual(before);
    expect(openFaults(ledgerOf(stateDir, firstId))).toEqual([]);
    expect(locksIn(stateDir)).toEqual([]);
  });
});
