import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as LeaseModule from '../../../src/safety/lease.js';
import type * as LedgerModule from '../../../src/safety/ledger.js';
import { sleep } from '../../../src/util/sleep.js';
import { REPO } from '../../support/cli.js';

/**
 * The watchdog a built run starts is its CommonJS bundle (dist/watchdog/watchdog-main.js, see
 * scripts/bundle-watchdog.mjs): it watches the ledger, and what reverts faults, which the bundle leaves
 * to tsc's output in dist/, loads when a fault has to be reverted. No Docker: the run's Engine is a
 * socket that does not exist, so the revert fails and the watchdog gives up after its retry window.
 */
const BUNDLE = path.join(REPO, 'dist/watchdog/watchdog-main.js');
const NOWHERE = 'unix:///nonexistent/faultline-watchdog-bundle/docker.sock';

let lease: typeof LeaseModule;
let ledgers: typeof LedgerModule;
let dir: string;
const windowBefore = process.env.FAULTLINE_RETRY_WINDOW;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built watchdog)');
  }
  lease = await import(pathToFileURL(path.join(REPO, 'dist/safety/lease.js')).href);
  ledgers = await import(pathToFileURL(path.join(REPO, 'dist/safety/ledger.js')).href);
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-watchdog-bundle-'));
  // The watchdog inherits it: a failed revert is retried for 300 ms, not 5 minutes.
  process.env.FAULTLINE_RETRY_WINDOW = '300ms';
});
afterAll(() => {
  if (windowBefore === undefined) delete process.env.FAULTLINE_RETRY_WINDOW;
  else process.env.FAULTLINE_RETRY_WINDOW = windowBefore;
  rmSync(dir, { recursive: true, force: true });
});

function ledgerFor(runId: string) {
  return ledgers.Ledger.create(dir, {
    runId,
    pid: process.pid,
    file: 'bundle.yaml',
    startedAt: new Date().toISOString(),
    endpoint: { host: NOWHERE, source: '--host' },
  });
}

async function gone(pid: number): Promise<boolean> {
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
    if (!ledgers.processAlive(pid)) return true;
  }
  return false;
}

describe('the watchdog bundle', () => {
  it('is the program a run starts, watches the ledger, and goes when the run lets it go', async () => {
    const watchdog = lease.spawnWatchdog(dir, 'bundle-clean');
    ledgerFor('bundle-clean');
    await watchdog.watch();
    const pid = watchdog.pid!;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(command.slice(1, 3)).toEqual([BUNDLE, ledgers.ledgerPath(dir, 'bundle-clean')]);
    watchdog.release();
    expect(await gone(pid)).toBe(true);
    expect(readFileSync(watchdog.logFile, 'utf8')).toContain('done: released');
  });

  it('loads what reverts faults from dist/ when it has to revert one', async () => {
    const watchdog = lease.spawnWatchdog(dir, 'bundle-handover');
    const ledger = ledgerFor('bundle-handover');
    await watchdog.watch();
    ledger.append({
      type: 'intent',
      faultId: 'f1',
      kind: 'pause',
      target: { id: 'faultline-watchdog-bundle-none', name: 'faultline-watchdog-bundle-none' },
      revert: { type: 'container', action: 'unpause', settleMs: 0 },
      deadline: Date.now() + 60_000,
      at: new Date().toISOString(),
    });
    watchdog.handOver();
    expect(await gone(watchdog.pid!)).toBe(true);
    const log = readFileSync(watchdog.logFile, 'utf8');
    expect(log).toContain('handed over 1 fault(s)');
    expect(log).not.toContain('cannot load what reverts faults');
    expect(log).toMatch(/giving up after .*pause on faultline-watchdog-bundle-none/);
    const end = ledgers.readRecords(ledger.file).find((record) => record.type === 'end');
    expect(end).toMatchObject({ outcome: 'left-by-watchdog' });
  });
});
