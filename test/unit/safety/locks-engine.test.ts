import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerEndpoint } from '../../../src/docker/endpoint.js';
import { retryWindowMs } from '../../../src/safety/lease.js';
import { readLedger } from '../../../src/safety/ledger.js';
import { engineIdentity, lockFileName } from '../../../src/safety/lock-engine.js';
import {
  acquireLocks,
  ContainerBusyError,
  holderLookup,
  lockHolders,
  releaseLocks,
} from '../../../src/safety/locks.js';
import { DEADLINE_GRACE_MS, RunSafety } from '../../../src/safety/run-safety.js';

const target = (id: string) => ({ id, name: `name-${id}` });
const REMOTE: DockerEndpoint = { host: 'tcp://10.1.2.3:2376', source: 'DOCKER_HOST' };
const LOCAL: DockerEndpoint = { host: 'unix:///var/run/docker.sock', source: 'default' };

function stateDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'faultline-locks-engine-'));
}

function files(dir: string): string[] {
  return readdirSync(path.join(dir, 'locks')).sort();
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function writeLock(dir: string, name: string, holder: Record<string, unknown>): void {
  mkdirSync(path.join(dir, 'locks'), { recursive: true });
  writeFileSync(path.join(dir, 'locks', name), JSON.stringify(holder));
}

function busy(run: () => void): ContainerBusyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ContainerBusyError);
    return error as ContainerBusyError;
  }
  throw new Error('expected the container to be busy');
}

describe('locks name the Engine', () => {
  it('keeps the same container id on two Engines apart', () => {
    const dir = stateDir();
    acquireLocks(dir, 'run-a', '/exp/a.yaml', [target('c1')], { endpoint: LOCAL });
    // Another Engine with a container of the same id: not the same container, so not refused.
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')], { endpoint: REMOTE });
    expect(files(dir)).toEqual(['c1.lock', lockFileName('c1', engineIdentity(REMOTE))]);
    expect(lockHolders(dir, LOCAL).get('c1')?.runId).toBe('run-a');
    expect(lockHolders(dir, REMOTE).get('c1')?.runId).toBe('run-b');
    expect(holderLookup(dir, REMOTE)('c1')?.runId).toBe('run-b');
    // The holder record carries the Engine and this machine's name.
    const raw = JSON.parse(readFileSync(path.join(dir, 'locks', files(dir)[1]!), 'utf8'));
    expect(raw).toMatchObject({ runId: 'run-b', endpoint: 'tcp://10.1.2.3:2376', hostname: hostname() });
    releaseLocks(dir, 'run-b');
    expect(files(dir)).toEqual(['c1.lock']);
  });

  it('refuses a second run on the same Engine, naming that Engine when it is not the default', () => {
    const dir = stateDir();
    acquireLocks(dir, 'run-a', '/exp/a.yaml', [target('c1')], { endpoint: REMOTE });
    // The same Engine named another way (TLS files, another source) is the same Engine.
    const same: DockerEndpoint = { host: 'tcp://10.1.2.3:2376', source: '--context', context: 'prod' };
    const error = busy(() => acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')], { endpoint: same }));
    expect(error.message).toContain(
      `name-c1: run run-a (pid ${process.pid}, /exp/a.yaml) engine tcp://10.1.2.3:2376`,
    );
  });

  it('names the default socket the same way whichever way it was chosen, and says nothing of it', () => {
    const dir = stateDir();
    acquireLocks(dir, 'run-a', '/exp/a.yaml', [target('c1')]);
    const viaHost: DockerEndpoint = { host: 'unix:///var/run/docker.sock', source: '--host' };
    const error = busy(() =>
      acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')], { endpoint: viaHost }),
    );
    expect(error.message).toMatch(/name-c1: run run-a \(pid \d+, \/exp\/a\.yaml\)$/m);
    expect(error.message).not.toContain('engine');
  });

  it('one ssh Engine is one lock whatever the user or a missing default port', () => {
    expect(engineIdentity('ssh://alice@Build-1')).toBe('ssh://build-1:22');
    expect(engineIdentity('ssh://bob@build-1:22')).toBe('ssh://build-1:22');
    expect(engineIdentity('ssh://bob@build-1:2222')).toBe('ssh://build-1:2222');
    expect(engineIdentity(undefined)).toBe('unix:///var/run/docker.sock');
  });

  it('reads a lock of the earlier format (no Engine, no host) as the default socket on this machine', () => {
    const dir = stateDir();
    writeLock(dir, 'c1.lock', { runId: 'old', pid: process.pid, container: 'x', file: '/exp/old.yaml' });
    expect(lockHolders(dir, LOCAL).get('c1')).toMatchObject({
      runId: 'old',
      endpoint: 'unix:///var/run/docker.sock',
    });
    expect(lockHolders(dir, REMOTE).size).toBe(0);
    // Held by a live process here: refused on the default socket, free on another Engine.
    busy(() => acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')]));
    acquireLocks(dir, 'run-c', '/exp/c.yaml', [target('c1')], { endpoint: REMOTE });
    // Its process gone: stale, by the local pid check, as before.
    writeLock(dir, 'c2.lock', { runId: 'gone', pid: deadPid(), container: 'y', file: '/exp/old.yaml' });
    acquireLocks(dir, 'run-d', '/exp/d.yaml', [target('c2')]);
    expect(lockHolders(dir).get('c2')?.runId).toBe('run-d');
  });
});

describe('a lock taken on another machine', () => {
  it('is held whatever a local pid says, naming that host, until its expiry', () => {
    const dir = stateDir();
    // A dead pid here: on this machine the lock would be stale, but it was taken elsewhere.
    writeLock(dir, 'c1.lock', {
      runId: 'far',
      pid: deadPid(),
      container: 'x',
      file: '/exp/far.yaml',
      endpoint: 'unix:///var/run/docker.sock',
      hostname: 'build-7.example',
      expiresAt: Date.UTC(2999, 0, 1),
    });
    expect(lockHolders(dir).get('c1')?.runId).toBe('far');
    const error = busy(() => acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')]));
    expect(error.message).toContain('name-c1: run far (pid');
    expect(error.message).toContain(
      'on host build-7.example, whose processes cannot be checked from here: held until 2999-01-01T00:00:00.000Z at the latest',
    );
    expect(files(dir)).toEqual(['c1.lock']);
  });

  it('is taken over once its expiry has passed', () => {
    const dir = stateDir();
    writeLock(dir, 'c1.lock', {
      runId: 'far',
      pid: process.pid,
      container: 'x',
      file: '/exp/far.yaml',
      hostname: 'build-7.example',
      expiresAt: Date.now() - 1000,
    });
    expect(lockHolders(dir).size).toBe(0);
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')]);
    expect(lockHolders(dir).get('c1')).toMatchObject({ runId: 'run-b', hostname: hostname() });
  });

  it('is held until released when it carries no expiry', () => {
    const dir = stateDir();
    writeLock(dir, lockFileName('c1', engineIdentity(REMOTE)), {
      runId: 'far',
      pid: deadPid(),
      container: 'x',
      file: '/exp/far.yaml',
      endpoint: 'tcp://10.1.2.3:2376',
      hostname: 'build-7.example',
    });
    const error = busy(() => acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')], { endpoint: REMOTE }));
    expect(error.message).toContain(
      'on host build-7.example, whose processes cannot be checked from here: held until that run releases it; engine tcp://10.1.2.3:2376',
    );
    releaseLocks(dir, 'far');
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')], { endpoint: REMOTE });
  });

  it('writes an expiry when the run gives one, and none otherwise', () => {
    const dir = stateDir();
    acquireLocks(dir, 'run-a', '/exp/a.yaml', [target('c1')], { expiresAt: 1234 });
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c2')]);
    const read = (name: string) => JSON.parse(readFileSync(path.join(dir, 'locks', name), 'utf8'));
    expect(read('c1.lock').expiresAt).toBe(1234);
    expect(read('c2.lock')).not.toHaveProperty('expiresAt');
  });
});

describe('a run takes its locks on its Engine', () => {
  it('records the Engine, this machine and an expiry past its end, its watchdog and retries', async () => {
    const dir = stateDir();
    const runDeadline = Date.now() + 60_000;
    const safety = await RunSafety.open(
      { stateDir: dir, watchdog: false },
      { runId: 'run-a', file: '/exp/a.yaml', endpoint: REMOTE, targets: [target('c1')], runDeadline },
    );
    const name = lockFileName('c1', engineIdentity(REMOTE));
    expect(files(dir)).toEqual([name]);
    expect(JSON.parse(readFileSync(path.join(dir, 'locks', name), 'utf8'))).toMatchObject({
      runId: 'run-a',
      endpoint: 'tcp://10.1.2.3:2376',
      hostname: hostname(),
      expiresAt: runDeadline + DEADLINE_GRACE_MS + retryWindowMs(),
    });
    expect(readLedger(safety.ledgerFile)?.run.hostname).toBe(hostname());
    safety.close('passed');
    expect(files(dir)).toEqual([]);
  });
});
