import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLocks, ContainerBusyError, lockHolders, releaseLocks } from '../../../src/safety/locks.js';
import { processStartTime, sameProcessAlive } from '../../../src/safety/process-identity.js';

const target = (id: string) => ({ id, name: `name-${id}` });

function stateDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'faultline-locks-'));
}

function files(dir: string): string[] {
  return readdirSync(path.join(dir, 'locks')).sort();
}

/** A pid no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function writeLock(dir: string, id: string, holder: Record<string, unknown>): void {
  mkdirSync(path.join(dir, 'locks'), { recursive: true });
  writeFileSync(path.join(dir, 'locks', `${id}.lock`), JSON.stringify(holder));
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

describe('processStartTime', () => {
  it('reads the start time of a live process, and nothing for a gone one', () => {
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(deadPid())).toBeUndefined();
  });

  it('tells a reused pid from its first owner by the start time', () => {
    const start = processStartTime(process.pid);
    expect(sameProcessAlive(process.pid, start)).toBe(true);
    expect(sameProcessAlive(process.pid, `${Number(start) + 1}`)).toBe(false);
    expect(sameProcessAlive(deadPid(), undefined)).toBe(false);
  });
});

describe('container locks', () => {
  it('refuses a second run while the first holds the container, naming run, pid and file', () => {
    const dir = stateDir();
    acquireLocks(dir, 'run-a', '/exp/a.yaml', [target('c1'), target('c2')]);
    // The holder is this very process, so it is alive; only another run id is refused.
    writeLock(dir, 'c3', {
      runId: 'run-a',
      pid: process.pid,
      startTime: processStartTime(process.pid),
      container: 'x',
      file: '/exp/a.yaml',
    });
    const error = busy(() => acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c0'), target('c2')]));
    expect(error.code).toBe('CONTAINER_BUSY');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(`name-c2: run run-a (pid ${process.pid}, /exp/a.yaml)`);
    // Refused runs take nothing: c0 is free again, and no guard or temporary file is left.
    expect(files(dir)).toEqual(['c1.lock', 'c2.lock', 'c3.lock']);
    releaseLocks(dir, 'run-a');
    expect(files(dir)).toEqual([]);
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c2')]);
    expect(files(dir)).toEqual(['c2.lock']);
  });

  it('takes over a lock whose process is gone', () => {
    const dir = stateDir();
    writeLock(dir, 'c1', { runId: 'dead', pid: deadPid(), container: 'x', file: '/exp/old.yaml' });
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')]);
    expect(lockHolders(dir).get('c1')).toMatchObject({ runId: 'run-b', pid: process.pid });
    expect(files(dir)).toEqual(['c1.lock']);
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse)', () => {
    const dir = stateDir();
    // The recorded pid is alive (it is this process) but started at another time: not the holder.
    const reused = `${Number(processStartTime(process.pid)) - 1}`;
    writeLock(dir, 'c1', {
      runId: 'old',
      pid: process.pid,
      startTime: reused,
      container: 'x',
      file: '/exp/old.yaml',
    });
    expect(lockHolders(dir).size).toBe(0);
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')]);
    expect(lockHolders(dir).get('c1')?.runId).toBe('run-b');
  });

  it('takes over an empty or unreadable lock file', () => {
    const dir = stateDir();
    mkdirSync(path.join(dir, 'locks'));
    writeFileSync(path.join(dir, 'locks', 'c1.lock'), '');
    acquireLocks(dir, 'run-b', '/exp/b.yaml', [target('c1')]);
    expect(JSON.parse(readFileSync(path.join(dir, 'locks', 'c1.lock'), 'utf8'))).toMatchObject({
      runId: 'run-b',
    });
  });

  it('releases only the locks of the run named, also from another process', () => {
    const dir = stateDir();
    acquireLocks(dir, 'run-a', '/exp/a.yaml', [target('c1')]);
    writeLock(dir, 'c2', { runId: 'run-dead', pid: deadPid(), container: 'x', file: '/exp/d.yaml' });
    releaseLocks(dir, 'run-dead');
    expect(files(dir)).toEqual(['c1.lock']);
    expect([...lockHolders(dir).keys()]).toEqual(['c1']);
  });
});

describe('container locks under contention', () => {
  const TAKERS = 20;
  const ROUNDS = 40;
  let dir: string;
  let takers: { child: ChildProcessWithoutNullStreams; lines: string[]; waiters: (() => void)[] }[];

  beforeAll(async () => {
    dir = stateDir();
    mkdirSync(path.join(dir, 'locks'));
    const script = path.join(import.meta.dirname, 'lock-taker.ts');
    takers = Array.from({ length: TAKERS }, (_, index) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, dir, `taker${index}`]);
      const taker = { child, lines: [] as string[], waiters: [] as (() => void)[] };
      createInterface({ input: child.stdout }).on('line', (line) => {
        taker.lines.push(line);
        for (const wake of taker.waiters.splice(0)) wake();
      });
      return taker;
    });
    await Promise.all(takers.map((taker) => nextLine(taker)));
  }, 60_000);

  afterAll(() => {
    for (const taker of takers ?? []) taker.child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function nextLine(taker: (typeof takers)[number]): Promise<string> {
    while (taker.lines.length === 0) await new Promise<void>((resolve) => taker.waiters.push(resolve));
    return taker.lines.shift()!;
  }

  it(`lets exactly one of ${TAKERS} processes take a stale lock, round after round`, async () => {
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = `race${round}`;
      // Half the rounds a dead holder, half a holder whose pid was reused by a live process.
      writeLock(
        dir,
        id,
        round % 2 === 0
          ? { runId: `dead-${round}`, pid: deadPid(), container: id, file: '/exp/old.yaml' }
          : {
              runId: `reused-${round}`,
              pid: process.pid,
              startTime: '1',
              container: id,
              file: '/exp/old.yaml',
            },
      );
      const startAt = Date.now() + 150;
      for (const taker of takers) taker.child.stdin.write(`${round} ${id} ${startAt}\n`);
      const answers = await Promise.all(takers.map((taker) => nextLine(taker)));
      expect(answers.filter((answer) => !/ (won|busy)$/.test(answer))).toEqual([]);
      const won = answers.filter((answer) => answer.endsWith(' won')).length;
      winners.push(won);
      const holder = lockHolders(dir).get(id);
      expect(holder?.runId).toMatch(new RegExp(`^taker\\d+-${round}$`));
      // Nothing but the lock itself is left: no guard, no temporary file.
      expect(files(dir).filter((name) => name.startsWith(`${id}.`))).toEqual([`${id}.lock`]);
    }
    expect(winners).toEqual(Array.from({ length: ROUNDS }, () => 1));
  }, 120_000);
});
