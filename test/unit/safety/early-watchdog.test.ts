import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as EarlyModule from '../../../src/safety/early-watchdog.js';
import type * as LedgerModule from '../../../src/safety/ledger.js';
import type * as AheadModule from '../../../src/safety/watchdogs-ahead.js';
import { sleep } from '../../../src/util/sleep.js';
import { REPO } from '../../support/cli.js';

/**
 * `faultline run` starts its first watchdog before the CLI loads (bin/faultline.js runs
 * dist/watchdog/early-watchdog.js): the run takes that watchdog, which watches only once the run's
 * ledger is on disk (a CLI that stops before its run lets it go: test/unit/cli/run-watchdog-early.test.ts).
 * Real processes, the built watchdog; no Docker.
 */
const EARLY = path.join(REPO, 'dist/watchdog/early-watchdog.js');
const PROGRAM = path.join(REPO, 'dist/watchdog/watchdog-main.js');

let early: typeof EarlyModule;
let ledgers: typeof LedgerModule;
let ahead: typeof AheadModule;
let root: string;

beforeAll(async () => {
  if (!existsSync(EARLY)) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (they run the built watchdog)');
  }
  early = createRequire(import.meta.url)(EARLY);
  ledgers = await import(pathToFileURL(path.join(REPO, 'dist/safety/ledger.js')).href);
  ahead = await import(pathToFileURL(path.join(REPO, 'dist/safety/watchdogs-ahead.js')).href);
  root = mkdtempSync(path.join(tmpdir(), 'faultline-early-watchdog-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
const stateDir = () => path.join(root, `state-${++count}`);

async function gone(pid: number): Promise<boolean> {
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
    if (!ledgers.processAlive(pid)) return true;
  }
  return false;
}

function ledgerIn(dir: string, runId: string) {
  return ledgers.Ledger.create(dir, {
    runId,
    pid: process.pid,
    file: 'early.yaml',
    startedAt: new Date().toISOString(),
    endpoint: { host: 'unix:///nonexistent/faultline-early/docker.sock', source: '--host' },
  });
}

describe('the watchdog started ahead of the CLI', () => {
  it('is the one the run takes, and watches once the run says its ledger is on disk', async () => {
    const dir = stateDir();
    const started = early.startEarly(PROGRAM, { FAULTLINE_STATE_DIR: dir });
    const watchdog = new ahead.WatchdogsAhead(dir, started).take(false);
    expect(watchdog.pid).toBe(started.child!.pid);
    expect(watchdog.runId).toBe(started.runId);
    const command = readFileSync(`/proc/${watchdog.pid}/cmdline`, 'utf8').split('\0');
    expect(command.slice(1, 4)).toEqual([PROGRAM, ledgers.ledgerPath(dir, started.runId), dir]);
    ledgerIn(dir, started.runId);
    await watchdog.watch();
    expect(readFileSync(watchdog.logFile, 'utf8')).toContain(
      `watching ${ledgers.ledgerPath(dir, started.runId)}`,
    );
    watchdog.release();
    expect(await gone(watchdog.pid!)).toBe(true);
    expect(readFileSync(watchdog.logFile, 'utf8')).toContain('done: released');
  });

  it('is let go when the run keeps its state elsewhere, and the run starts its own', async () => {
    const dir = stateDir();
    const elsewhere = stateDir();
    const started = early.startEarly(PROGRAM, { FAULTLINE_STATE_DIR: elsewhere });
    const watchdog = new ahead.WatchdogsAhead(dir, started).take(false);
    expect(watchdog.pid).not.toBe(started.child!.pid);
    expect(await gone(started.child!.pid!)).toBe(true);
    // It never watched: it took its empty log with it.
    expect(existsSync(started.logFile)).toBe(false);
    expect(ledgers.processAlive(watchdog.pid!)).toBe(true);
    watchdog.release();
    expect(await gone(watchdog.pid!)).toBe(true);
  });

  it('that died before the run asked it to watch fails the run at once: nothing is injected', async () => {
    const dir = stateDir();
    const started = early.startEarly(PROGRAM, { FAULTLINE_STATE_DIR: dir });
    process.kill(started.child!.pid!, 'SIGKILL');
    expect(await gone(started.child!.pid!)).toBe(true);
    await sleep(100);
    const watchdog = new ahead.WatchdogsAhead(dir, started).take(false);
    ledgerIn(dir, started.runId);
    const asked = Date.now();
    await expect(watchdog.watch()).rejects.toThrow(
      /watchdog exited at start \(SIGKILL.*nothing was injected/,
    );
    expect(Date.now() - asked).toBeLessThan(5_000);
  });
});
