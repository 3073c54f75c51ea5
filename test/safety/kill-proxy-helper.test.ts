import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyHelperImage, removeImage } from '../integration/proxy/http-client.js';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
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
 * `kill -9` of a run holding proxy faults with --via helper (an HTTP abort on a target's own port, a
 * TCP toxic on its calls to a peer): each proxy is a helper container sharing the target's network
 * namespace. The watchdog removes the nat rules and the proxy containers; with the watchdog killed
 * too, `faultline recover` does it.
 */
const prefix = uniquePrefix('safety-proxy-helper');
const lab = new SafetyLab(prefix);
const startRun = runStarter();
const NAMES = ['a', 'b'].map((name) => lab.name(name));
let image: string;

const EXPERIMENT = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'method:',
  '  - parallel:',
  '      - http-abort: { target: { service: a }, port: 8080, status: 503, percent: 50%, duration: 60s }',
  '      - tcp-latency: { target: { service: a }, to: { service: b }, ports: 8080, latency: 20ms, duration: 60s }',
].join('\n');

/** Containers (any state) faultline made for this run, by name. */
async function containersOf(runId: string): Promise<string[]> {
  const out = await docker(
    'ps',
    '-a',
    '--filter',
    `label=org.faultline.run-id=${runId}`,
    '--format',
    '{{.Names}}',
  );
  return out.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  image = await proxyHelperImage(prefix);
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
  ]);
});

afterAll(async () => {
  await lab.remove();
  if (image) await removeImage(image);
});

async function killWhileHolding(stateDir: string, alsoWatchdog: boolean) {
  const file = await lab.experiment(EXPERIMENT);
  const before = await lab.snapshot(NAMES);
  const { run, watchdogPid, runId } = await startRun(
    ['run', file, '--via', 'helper', '--helper-image', image],
    stateDir,
  );
  await run.waitForLine(/ {3}inject .*tcp-latency/);
  await run.waitForLine(/ {3}inject .*http-abort/);
  const proxies = (await containersOf(runId)).filter((name) => name.startsWith('faultline-proxy-'));
  expect(proxies).toEqual([
    `faultline-proxy-${runId}-http-abort-1`,
    `faultline-proxy-${runId}-tcp-latency-2`,
  ]);
  if (alsoWatchdog) process.kill(watchdogPid, 'SIGKILL');
  const killedAt = run.kill('SIGKILL');
  expect((await run.finished).signal).toBe('SIGKILL');
  return { runId, watchdogPid, killedAt, before };
}

describe('SIGKILL of a run holding proxy faults with --via helper', () => {
  it('the watchdog removes the nat rules and both proxy containers', async () => {
    const stateDir = await freshStateDir();
    const { runId, watchdogPid, killedAt, before } = await killWhileHolding(stateDir, false);
    const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(openFaults(ledger)).toEqual([]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(await lab.snapshot(NAMES)).toEqual(before);
    expect(await containersOf(runId)).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');
    expect(locksIn(stateDir)).toEqual([]);
    report('kill holding proxy faults via helper', { 'watchdog done (ms)': lastRevertMs });
  });

  it('with the watchdog killed too, recover removes the rules and the proxy containers', async () => {
    const stateDir = await freshStateDir();
    const { runId, before } = await killWhileHolding(stateDir, true);
    expect((await containersOf(runId)).filter((name) => name.startsWith('faultline-proxy-'))).toHaveLength(2);
    const recovered = await recoverWith(stateDir, [runId]);
    expect(recovered.ours.filter((line) => line.startsWith('FAILED'))).toEqual([]);
    expect(recovered.ours.join('\n')).toContain(
      `removed proxy container faultline-proxy-${runId}-http-abort-1`,
    );
    expect(await lab.snapshot(NAMES)).toEqual(before);
    expect(await containersOf(runId)).toEqual([]);
  });
});
