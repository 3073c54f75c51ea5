import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import { runExperiment } from '../../../src/engine/run-experiment.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { type Watchdog, WatchdogError } from '../../../src/safety/lease.js';
import { ledgerPath, readRecords } from '../../../src/safety/ledger.js';
import { sleep } from '../../../src/util/sleep.js';
import { FakeDocker } from '../support/fake-docker.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-watchdog-order-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const EXPERIMENT = `title: api pause
scope: { compose: shop }
hypothesis:
  - name: host check
    command: [node, -e, "process.exit(0)"]
method:
  - pause: { target: { service: api }, duration: 50ms }
`;

/**
 * A watchdog slow to watch: it answers once the baseline was checked (or after 3 s, should the run wait
 * for it first), or fails then; it notes in `order` when it watches and when it is let go.
 */
function slowWatchdog(order: string[], fails = false): Watchdog {
  const answer = async () => {
    const until = Date.now() + 3000;
    while (!order.includes('before probe') && Date.now() < until) await sleep(20);
    await sleep(100);
    // What the ledger holds when the watchdog starts watching: the run record, nothing injected.
    order.push(`watching with ${readRecords(ledgerPath(dir, 'order-run')).length} record(s)`);
    if (fails) throw new WatchdogError('the watchdog exited at start (code 1)');
  };
  return {
    runId: 'order-run',
    pid: undefined,
    logFile: path.join(dir, 'watchdog.log'),
    watch: answer,
    release: () => order.push('released'),
    handOver: () => order.push('handed over'),
  };
}

async function runWith(watchdog: Watchdog, order: string[], docker: FakeDocker) {
  return runExperiment(parseExperiment(EXPERIMENT, path.join(dir, 'experiment.yaml'), {}), {
    docker,
    seed: 1,
    signal: new AbortController().signal,
    safety: { stateDir: dir, watchdog: true, startWatchdog: () => watchdog },
    reporter: {
      name: 'order',
      onEvent(entry) {
        if (entry.type === 'probe') order.push(`${entry.sample.phase} probe`);
        if (entry.type === 'fault-injected') order.push('injected');
      },
    },
  });
}

function shop(): FakeDocker {
  return new FakeDocker([
    { name: 'shop-api-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'api' } },
  ]);
}

describe('the watchdog and the first injection', () => {
  it('checks the baseline while the watchdog starts, and injects only once it watches', async () => {
    const order: string[] = [];
    const docker = shop();
    const result = await runWith(slowWatchdog(order), order, docker);
    expect(result.outcome).toBe('passed');
    expect(order.slice(0, 3)).toEqual(['before probe', 'watching with 1 record(s)', 'injected']);
    expect(order.at(-1)).toBe('released');
    const ledger = readRecords(ledgerPath(dir, 'order-run'));
    expect(ledger.map((record) => record.type)).toEqual(['run', 'intent', 'injected', 'reverted', 'end']);
  });

  it('errors before injecting anything when the watchdog cannot start (exit 3)', async () => {
    const order: string[] = [];
    const docker = shop();
    const result = await runWith(slowWatchdog(order, true), order, docker);
    expect(result.exitCode).toBe(3);
    expect(result.outcome).toBe('errored');
    expect(result.summary).toMatch(/watchdog exited at start/);
    expect(docker.callsTo('pause')).toEqual([]);
    expect(order).not.toContain('injected');
    const ledger = readRecords(ledgerPath(dir, 'order-run'));
    expect(ledger.map((record) => record.type)).toEqual(['run', 'end']);
  });
});
