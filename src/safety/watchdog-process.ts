import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { ledgerPath, watchdogLogPath } from './run-files.js';

/** A new run's id: it names its ledger, its watchdog's log and its iptables chains. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * A watchdog process as started, before a run takes its lease (lease.ts). It waits for `watch` on its
 * standard input, and leaves when that input ends first.
 */
export interface StartedWatchdog {
  readonly runId: string;
  readonly stateDir: string;
  readonly ledgerFile: string;
  readonly logFile: string;
  readonly child: ChildProcess | undefined;
  /** Why no process could be started (the state folder cannot be written, say). */
  readonly failure: string | undefined;
  /** What the process reported before anyone listened: it could not be spawned. */
  error?: Error;
}

/**
 * Starts `node PROGRAM LEDGER STATE_DIR LOG` (the command line `recover` reads) for run `runId`, in a
 * session of its own, so the run's Ctrl-C or a kill of its process group does not reach it. Its
 * standard error is its log. Never throws: what went wrong is in `failure` or `error`, for the run to
 * report when it asks the watchdog to watch.
 */
export function startWatchdogProcess(stateDir: string, runId: string, program: string): StartedWatchdog {
  const ledgerFile = ledgerPath(stateDir, runId);
  const logFile = watchdogLogPath(ledgerFile);
  const named = { runId, stateDir, ledgerFile, logFile };
  let child: ChildProcess;
  try {
    mkdirSync(path.dirname(logFile), { recursive: true });
    const logFd = openSync(logFile, 'a', 0o600);
    try {
      child = spawn(process.execPath, [program, ledgerFile, stateDir, logFile], {
        detached: true,
        stdio: ['pipe', 'pipe', logFd],
      });
    } finally {
      closeSync(logFd);
    }
  } catch (error) {
    return { ...named, child: undefined, failure: `cannot start the watchdog: ${(error as Error).message}` };
  }
  const started: StartedWatchdog = { ...named, child, failure: undefined };
  // Heard now, whenever the run listens: a process that could not be spawned, and a lease whose
  // watchdog has gone (told by its exit, not by a write to its closed pipe).
  child.once('error', (error) => {
    started.error ??= error;
  });
  child.stdin?.on('error', () => {});
  return started;
}
