import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTLINE_RUN_ID } from '../../src/docker/labels.js';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../src/platform/docker/helper-image/index.js';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import {
  faultlineTraces,
  freshStateDir,
  ledgerOf,
  locksIn,
  openFaults,
  recoverWith,
  report,
  runStarter,
  SafetyLab,
  snapshotOf,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * `kill -9` of a run holding a partition made through helper containers (one per target, taking its
 * commands on stdin for the whole run): the watchdog removes the rules through helpers of its own and
 * removes the dead run's helpers; with the watchdog killed too, `faultline recover` does both.
 */
const lab = new SafetyLab(uniquePrefix('safety-net-helper'));
const startRun = runStarter();
const AB = ['a', 'b'].map((name) => lab.name(name));

const EXPERIMENT = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  '    every: 200ms',
  'method:',
  '  - partition: { groups: [[{ service: a }], [{ service: b }]], duration: 60s }',
].join('\n');

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
  ]);
});

afterAll(async () => {
  await lab.remove();
});

/** faultline's helper containers of a run, running or not. */
const helpersOf = async (runId: string) =>
  (await docker('ps', '-aq', '--filter', `label=${FAULTLINE_RUN_ID}=${runId}`)).split('\n').filter(Boolean);

async function holdPartition(stateDir: string) {
  const before = await lab.snapshot(AB);
  const { run, watchdogPid, runId } = await startRun(
    ['run', await lab.experiment(EXPERIMENT), '--via', 'helper'],
    stateDir,
  );
  await run.waitForInjected(2);
  // The partition is in place in both namespaces, and each target has its one helper.
  for (const name of AB) expect(faultlineTraces(await snapshotOf(name))).not.toEqual([]);
  expect(await helpersOf(runId)).toHaveLength(2);
  return { before, run, watchdogPid, runId };
}

describe('SIGKILL of a run holding a partition through helper containers', () => {
  it('the watchdog removes the rules and the dead run’s helpers', async () => {
    const stateDir = await freshStateDir();
    const { before, run, watchdogPid, runId } = await holdPartition(stateDir);
    const killedAt = run.kill('SIGKILL');
    expect((await run.finished).signal).toBe('SIGKILL');
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(ledger.filter((entry) => entry.type === 'reverted').map((entry) => entry.status)).toEqual([
      'reverted',
      'reverted',
    ]);
    expect(await lab.snapshot(AB)).toEqual(before);
    expect(await helpersOf(runId)).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');
    expect(locksIn(stateDir)).toEqual([]);
    report('kill holding a helper-way partition (2 targets)', { 'last revert (ms)': lastRevertMs });
  });

  it('with the watchdog killed too, `faultline recover` removes the rules and the helpers', async () => {
    const stateDir = await freshStateDir();
    const { before, run, watchdogPid, runId } = await holdPartition(stateDir);
    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    // Nothing reverted the partition on its own: the rules are still there.
    for (const name of AB) expect(faultlineTraces(await snapshotOf(name))).not.toEqual([]);
    const recovered = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(recovered.exitCode, recovered.output).toBe(recovered.foreignFailures.length > 0 ? 4 : 0);
    expect(await lab.snapshot(AB)).toEqual(before);
    expect(await helpersOf(runId)).toEqual([]);
    expect(ledgerOf(stateDir, runId).at(-1)).toMatchObject({ type: 'end', outcome: 'recovered' });
  });
});
