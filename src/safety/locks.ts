import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { processAlive } from './ledger.js';

interface LockFile {
  runId: string;
  pid: number;
  container: string;
  file: string;
}

export class ContainerBusyError extends EnvironmentError {
  constructor(holders: string[]) {
    super(
      'CONTAINER_BUSY',
      `another faultline run is faulting the same container(s):\n  ${holders.join('\n  ')}`,
      {
        hint: 'Wait for that run to end (`faultline status` lists active runs). Two runs on one container would undo each other.',
      },
    );
  }
}

function lockDir(stateDir: string): string {
  return path.join(stateDir, 'locks');
}

/**
 * Takes a lock on every container the run will fault (one file each, created exclusively). A lock
 * whose run is no longer alive is stale and taken over. Throws ContainerBusyError, taking nothing,
 * when another live run holds any of them.
 */
export function acquireLocks(
  stateDir: string,
  runId: string,
  file: string,
  targets: readonly Target[],
): void {
  const dir = lockDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const taken: string[] = [];
  const busy: string[] = [];
  for (const target of new Map(targets.map((item) => [item.id, item])).values()) {
    const lockFile = path.join(dir, `${target.id}.lock`);
    const content = JSON.stringify({
      runId,
      pid: process.pid,
      container: target.name,
      file,
    } satisfies LockFile);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lockFile, 'wx', 0o600);
        writeSync(fd, content);
        closeSync(fd);
        taken.push(lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readLock(lockFile);
        if (holder && holder.runId !== runId && processAlive(holder.pid)) {
          busy.push(`${target.name}: run ${holder.runId} (pid ${holder.pid}, ${holder.file})`);
          break;
        }
        rmQuiet(lockFile);
      }
    }
  }
  if (busy.length > 0) {
    for (const lockFile of taken) rmQuiet(lockFile);
    throw new ContainerBusyError(busy);
  }
}

export function releaseLocks(stateDir: string, runId: string): void {
  const dir = lockDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const lockFile = path.join(dir, name);
    if (readLock(lockFile)?.runId === runId) rmQuiet(lockFile);
  }
}

function readLock(file: string): LockFile | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockFile;
  } catch {
    return undefined;
  }
}

function rmQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
