import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, uniquePrefix } from '../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../support/docker-cli.js';
import {
  freshStateDir,
  ledgerOf,
  openFaults,
  recoverWith,
  report,
  runStarter,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * `kill -9` of a run that holds disk fills (on the container's own /tmp and on a named volume at
 * /data): its watchdog removes every fill file; with the watchdog killed too, `faultline recover`
 * removes them from the ledger; and with no ledger at all, recover finds a dead run's fill files by
 * looking.
 */
const prefix = uniquePrefix('safety-disk');
const target = `${prefix}-t`;
const volume = `${prefix}-vol`;
const startRun = runStarter();

beforeAll(async () => {
  await docker('volume', 'create', '--label', `${TEST_LABEL}=${prefix}`, volume);
  await docker(
    ...['run', '-d', '--name', target, '--label', `${TEST_LABEL}=${prefix}`, '--stop-timeout', '2'],
    ...['-v', `${volume}:/data`, FIXTURE_IMAGE, '/app/backend.mjs'],
  );
});

afterAll(async () => {
  await removeTestContainers(prefix);
  await docker('volume', 'rm', '-f', volume);
});

const FILLS = [
  'method:',
  '  - parallel:',
  `      - disk-fill: { target: { name: ${target} }, path: /tmp, size: 128MiB, duration: 30s }`,
  `      - disk-fill: { target: { name: ${target} }, path: /data, size: 32MiB, duration: 30s }`,
];

async function experiment(): Promise<string> {
  const text = ['title: fills', 'hypothesis:', '  - name: always', '    command: ["true"]', ...FILLS];
  return writeExperiment(await tempDir(), 'fills.yaml', text.join('\n'));
}

/** Fill files in the target's /tmp and /data. */
async function fills(): Promise<string[]> {
  const out = await docker('exec', target, 'sh', '-c', 'ls -a /tmp /data');
  return out.split('\n').filter((name) => name.startsWith('.faultline-fill-'));
}

async function start(stateDir: string, env: Record<string, string> = {}) {
  return startRun(['run', await experiment()], stateDir, env);
}

describe('SIGKILL of a run holding disk fills', () => {
  it('the watchdog removes both fill files', async () => {
    const stateDir = await freshStateDir();
    const { run, watchdogPid, runId } = await start(stateDir);
    await run.waitForInjected(2);
    expect(await fills()).toHaveLength(2);
    const killedAt = run.kill('SIGKILL');
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(await fills()).toEqual([]);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.filter((entry) => entry.type === 'reverted' && entry.status === 'reverted')).toHaveLength(
      2,
    );
    expect(await statusOf(stateDir)).toBe('no active run');
    report('disk-fill: SIGKILL -> both fills removed by the watchdog', { ms: lastRevertMs });
  });

  it.each(['intent-written', 'intent-written+2', 'fault-injected'])(
    'killed at %s: nothing is left once the watchdog is done',
    async (point) => {
      const stateDir = await freshStateDir();
      const { run, watchdogPid, runId } = await start(stateDir, { FAULTLINE_TEST_KILL_AT: point });
      const finished = await run.finished;
      expect(finished.signal).toBe('SIGKILL');
      await watchdogFinished(stateDir, runId, watchdogPid, finished.at);
      expect(await fills()).toEqual([]);
      expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
    },
  );

  it('with the watchdog killed too, `faultline recover` removes them from the ledger', async () => {
    const stateDir = await freshStateDir();
    const { run, watchdogPid, runId } = await start(stateDir);
    await run.waitForInjected(2);
    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await fills()).toHaveLength(2);
    expect(await statusOf(stateDir)).toContain(
      `run ${runId} died (pid ${run.pid} is gone) and left 2 fault(s)`,
    );

    const recovered = await recoverWith(stateDir, [target, runId]);
    expect(recovered.ours.join('\n').match(/reverted +disk-fill on/g)).toHaveLength(2);
    expect(recovered.ours.filter((line) => !line.startsWith('reverted'))).toEqual([]);
    expect(await fills()).toEqual([]);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
  });

  it('with no ledger, `faultline recover` finds fill files a dead run left and removes them', async () => {
    const pid = await docker('inspect', '-f', '{{.State.Pid}}', target);
    const left = ['/tmp/.faultline-fill-deadbeef-disk-fill-1', '/data/.faultline-fill-deadbeef-disk-fill-2'];
    for (const file of left) await writeFile(`/proc/${pid}/root${file}`, 'x'.repeat(4096));
    expect(await fills()).toHaveLength(2);

    const recovered = await recoverWith(await freshStateDir(), [target]);
    const ours = recovered.ours.join('\n');
    for (const file of left) expect(ours).toMatch(new RegExp(`reverted +fill file ${file} in ${target}`));
    expect(await fills()).toEqual([]);
  });
});
