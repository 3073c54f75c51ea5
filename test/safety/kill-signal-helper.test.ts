import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersIn, proxyHelperImage, removeImage } from '../integration/proxy/http-client.js';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import { processStates, serviceOf, startSleeper } from '../support/limits.js';
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
 * `kill -9` of a run holding a SIGSTOP sent through the helper way (from a helper container in the
 * target's PID namespace, no process of the Docker host touched): the watchdog continues the stopped
 * processes the same way from the ledger's recipe; with the watchdog killed too, `faultline recover`
 * does it. No helper container is left either way.
 */
const lab = new SafetyLab(uniquePrefix('safety-sig-helper'));
const startRun = runStarter();
let image = '';
let sleepers = '';
let sleepersId = '';

const EXPERIMENT = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  '    every: 200ms',
  'method:',
  '  - signal: { target: { service: sleepers }, signal: SIGSTOP, process: sleep, all: true, duration: 60s }',
].join('\n');

beforeAll(async () => {
  image = await proxyHelperImage(lab.prefix);
  await lab.start([]);
  sleepers = await startSleeper(lab.prefix, 'sleepers', serviceOf(lab.prefix, 'sleepers'));
  sleepersId = await docker('inspect', '--format', '{{.Id}}', sleepers);
});

afterAll(async () => {
  await lab.remove();
  await docker('rm', '-f', sleepers).catch(() => undefined);
  if (image) await removeImage(image);
});

async function holdStopped(stateDir: string) {
  const { run, watchdogPid, runId } = await startRun(
    ['run', await lab.experiment(EXPERIMENT), '--via', 'helper', '--helper-image', image],
    stateDir,
  );
  await run.waitForInjected(1);
  expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
  const intent = ledgerOf(stateDir, runId).find((entry) => entry.type === 'intent');
  expect(intent).toMatchObject({ revert: { type: 'process', helper: { image, runId } } });
  expect(await containersIn(sleepersId)).toEqual([]);
  return { run, watchdogPid, runId };
}

describe('SIGKILL of a run holding a helper-way SIGSTOP', () => {
  it('the watchdog continues the stopped processes through a helper', async () => {
    const stateDir = await freshStateDir();
    const { run, watchdogPid, runId } = await holdStopped(stateDir);
    const killedAt = run.kill('SIGKILL');
    expect((await run.finished).signal).toBe('SIGKILL');
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(ledger.filter((entry) => entry.type === 'reverted')).toMatchObject([{ status: 'reverted' }]);
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await containersIn(sleepersId)).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');
    expect(locksIn(stateDir)).toEqual([]);
    report('kill holding a helper-way SIGSTOP (2 processes)', { 'last revert (ms)': lastRevertMs });
  });

  it('with the watchdog killed too, `faultline recover` continues them through a helper', async () => {
    const stateDir = await freshStateDir();
    const { run, watchdogPid, runId } = await holdStopped(stateDir);
    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:T', 'sleep:T']);
    const recovered = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(recovered.exitCode, recovered.output).toBe(recovered.foreignFailures.length > 0 ? 4 : 0);
    expect(recovered.ours.join('\n')).toMatch(/reverted +signal on \S+-sleepers /);
    expect(await processStates(sleepers)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await containersIn(sleepersId)).toEqual([]);
    expect(ledgerOf(stateDir, runId).at(-1)).toMatchObject({ type: 'end', outcome: 'recovered' });
  });
});
