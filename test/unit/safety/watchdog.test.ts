import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerUnavailableError } from '../../../src/docker/engine-errors.js';
import { Ledger, readLedger, readRecords } from '../../../src/safety/ledger.js';
import { inFlightUntil, undoRecipe } from '../../../src/safety/undo.js';
import { watch } from '../../../src/safety/watchdog.js';
import { FakeDocker } from '../support/fake-docker.js';

const noRunner = () => Promise.reject(new Error('no network runner in this test'));

function ledgerWith(name: string, action: 'unpause' | 'start', settleMs = 0) {
  const dir = mkdtempSync(path.join(tmpdir(), 'faultline-watchdog-'));
  const ledger = Ledger.create(dir, {
    runId: 'r1',
    pid: process.pid,
    file: 'x.yaml',
    startedAt: new Date().toISOString(),
  });
  const target = { id: name, name };
  ledger.append({
    type: 'intent',
    faultId: 'f1',
    kind: action === 'unpause' ? 'pause' : 'stop',
    target,
    revert: { type: 'container', action, settleMs },
    deadline: Date.now() + 60_000,
    at: new Date().toISOString(),
  });
  return { dir, ledger, target };
}

/** Runs a watchdog on the ledger, and ends its lease as the run would: `handover`, `done`, or broken (''). */
function watchAfter(
  says: string,
  ledgerFile: string,
  stateDir: string,
  docker: FakeDocker,
  retryWindowMs?: number,
) {
  const lease = new PassThrough();
  const lines: string[] = [];
  const watching = watch({
    ledgerFile,
    stateDir,
    docker,
    lease,
    log: (line) => lines.push(line),
    pollMs: 20,
    ...(retryWindowMs === undefined ? {} : { retryWindowMs }),
  });
  if (says) lease.end(`${says}\n`);
  else lease.end();
  return { watching, lines };
}

describe('undo of a fault whose Docker call may still be in flight', () => {
  it('keeps watching until the call could no longer land: a stop that completes late is undone', async () => {
    const docker = new FakeDocker([{ name: 'api' }]);
    const { ledger, target } = ledgerWith('api', 'start', 600);
    const state = readLedger(ledger.file)!;
    // The stop the dead run sent finishes 300 ms after the first look.
    setTimeout(() => docker.setState('api', 'exited'), 300);
    const outcome = await undoRecipe(state.intents[0]!.revert, target, docker, noRunner, {
      inFlightUntil: inFlightUntil(state.intents[0]!, state.injected),
    });
    expect(outcome.status).toBe('reverted');
    expect(docker.stateOf('api')).toBe('running');
    expect(docker.callsTo('start')).toEqual(['api']);
  });

  it('trusts one look once the ledger says the injection finished', async () => {
    const docker = new FakeDocker([{ name: 'api' }]);
    const { ledger, target } = ledgerWith('api', 'start', 60_000);
    ledger.append({ type: 'injected', faultId: 'f1', at: new Date().toISOString() });
    const state = readLedger(ledger.file)!;
    expect(inFlightUntil(state.intents[0]!, state.injected)).toBeUndefined();
    const started = Date.now();
    const outcome = await undoRecipe(state.intents[0]!.revert, target, docker, noRunner, {
      inFlightUntil: inFlightUntil(state.intents[0]!, state.injected),
    });
    expect(outcome).toEqual({ status: 'already-reverted', detail: 'running' });
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('the watchdog after a run that could not revert', () => {
  it('keeps retrying a handed-over fault while Docker is unreachable and reverts it once Docker answers', async () => {
    const docker = new FakeDocker([{ name: 'api', state: 'paused' }]);
    const { dir, ledger } = ledgerWith('api', 'unpause');
    ledger.append({ type: 'injected', faultId: 'f1', at: new Date().toISOString() });
    ledger.append({
      type: 'reverted',
      faultId: 'f1',
      status: 'failed',
      by: 'run',
      at: new Date().toISOString(),
    });
    ledger.append({ type: 'end', outcome: 'revert-failed', at: new Date().toISOString() });
    // Docker is away for the first few attempts (a daemon restart).
    docker.failOn('inspect', 'api', {
      times: 4,
      error: () => new DockerUnavailableError(new Error('ECONNREFUSED')),
    });
    const { watching, lines } = watchAfter('handover', ledger.file, dir, docker, 60_000);
    expect(await watching).toBe('recovered');
    expect(docker.stateOf('api')).toBe('running');
    const state = readLedger(ledger.file)!;
    expect(state.open).toEqual([]);
    expect(state.outcome).toBe('recovered-by-watchdog');
    expect(lines.join('\n')).toContain('handed over 1 fault(s)');
  }, 30_000);

  it('a failed attempt does not reopen a fault that `faultline recover` reverted while it ran', async () => {
    const docker = new FakeDocker([{ name: 'api', state: 'paused' }]);
    const { dir, ledger } = ledgerWith('api', 'unpause');
    ledger.append({ type: 'injected', faultId: 'f1', at: new Date().toISOString() });
    ledger.append({ type: 'end', outcome: 'revert-failed', at: new Date().toISOString() });
    let recovered = false;
    // The watchdog's unpause fails; meanwhile, recover reverts the fault and records it.
    docker.failOn('unpause', 'api', {
      error: () => {
        if (!recovered) {
          recovered = true;
          ledger.append({
            type: 'reverted',
            faultId: 'f1',
            status: 'reverted',
            by: 'recover',
            at: new Date().toISOString(),
          });
        }
        return new Error('refused');
      },
    });
    const { watching, lines } = watchAfter('handover', ledger.file, dir, docker, 60_000);
    expect(await watching).toBe('recovered');
    expect(readLedger(ledger.file)!.open).toEqual([]);
    const reverts = readRecords(ledger.file).filter((record) => record.type === 'reverted');
    expect(reverts.map((record) => record.type === 'reverted' && `${record.by}:${record.status}`)).toEqual([
      'recover:reverted',
    ]);
    expect(lines.join('\n')).toContain('reverted meanwhile by recover');
  }, 30_000);

  it('gives up after its retry window, leaving the fault open in the ledger for status and recover', async () => {
    const docker = new FakeDocker([{ name: 'api', state: 'paused' }]);
    const { dir, ledger } = ledgerWith('api', 'unpause');
    ledger.append({ type: 'injected', faultId: 'f1', at: new Date().toISOString() });
    ledger.append({ type: 'end', outcome: 'revert-failed', at: new Date().toISOString() });
    docker.failOn('inspect', 'api', { error: () => new DockerUnavailableError(new Error('ECONNREFUSED')) });
    const { watching, lines } = watchAfter('handover', ledger.file, dir, docker, 1500);
    const started = Date.now();
    expect(await watching).toBe('gave-up');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(docker.stateOf('api')).toBe('paused');
    const state = readLedger(ledger.file)!;
    expect(state.open.map((intent) => intent.faultId)).toEqual(['f1']);
    expect(state.outcome).toBe('left-by-watchdog');
    expect(lines.join('\n')).toMatch(/giving up after 1\.5s of retries; left: pause on api/);
  }, 30_000);

  it('records what it found at once, then undoes and records a stop the dead run sent that lands late', async () => {
    const docker = new FakeDocker([{ name: 'api' }]);
    const { dir, ledger } = ledgerWith('api', 'start', 800);
    setTimeout(() => docker.setState('api', 'exited'), 300);
    const { watching } = watchAfter('', ledger.file, dir, docker);
    expect(await watching).toBe('recovered');
    expect(docker.stateOf('api')).toBe('running');
    const reverts = readRecords(ledger.file).filter((record) => record.type === 'reverted');
    expect(reverts.map((record) => record.type === 'reverted' && record.status)).toEqual([
      'already-reverted',
      'reverted',
    ]);
    expect(readLedger(ledger.file)!.open).toEqual([]);
  });

  it('lets go when the run released the lease', async () => {
    const docker = new FakeDocker([{ name: 'api' }]);
    const { dir, ledger } = ledgerWith('api', 'unpause');
    const { watching } = watchAfter('done', ledger.file, dir, docker);
    expect(await watching).toBe('released');
    expect(docker.callsTo('unpause')).toEqual([]);
  });
});
