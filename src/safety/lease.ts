import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../errors.js';
import { LEASE_DONE, LEASE_HANDOVER, LEASE_WATCH } from './lease-protocol.js';
import { ledgerPath } from './ledger.js';

export { LEASE_DONE, LEASE_HANDOVER, retryWindowMs } from './lease-protocol.js';

export class WatchdogError extends EnvironmentError {
  constructor(message: string) {
    super('WATCHDOG_FAILED', `${message}; nothing was injected`, {
      hint: 'faultline starts a watchdog that reverts the faults if the run dies. See the watchdog log named above.',
    });
  }
}

/**
 * The run's side of the lease. The watchdog process is started early (before the run's ledger exists,
 * so its start-up overlaps the run's own), and only watches once `watch()` tells it the ledger is on
 * disk. While the run holds the pipe, the watchdog waits; `release()` ends it cleanly.
 */
export interface Watchdog {
  readonly runId: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** The ledger is on disk: resolves once the watchdog watches it; rejects with a WatchdogError if it cannot. */
  watch(): Promise<void>;
  /** The run is done and nothing it injected is left: the watchdog may go (or never starts watching). */
  release(): void;
  /** The run is done but could not revert everything: the watchdog keeps retrying what is left. */
  handOver(): void;
}

/** A new run's id: it names its ledger, its watchdog's log and its iptables chains. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * The watchdog's program: its CommonJS bundle (scripts/bundle-watchdog.mjs), which starts about as fast
 * as Node itself, or else tsc's output. Both are named watchdog-main.js, the name `recover` looks for.
 */
let watchdogMain: string | undefined;
function watchdogProgram(): string {
  watchdogMain ??= [
    fileURLToPath(new URL('../watchdog/watchdog-main.js', import.meta.url)),
    fileURLToPath(new URL('./watchdog-main.js', import.meta.url)),
  ].find((file) => existsSync(file));
  return watchdogMain ?? fileURLToPath(new URL('./watchdog-main.js', import.meta.url));
}

/**
 * Starts the watchdog of run `runId` in a session of its own (so the run's Ctrl-C or a kill of its
 * process group does not reach it). It waits for `watch()`; a run that ends without calling it lets it
 * go with `release()`.
 */
export function spawnWatchdog(stateDir: string, runId: string, timeoutMs = 15_000): Watchdog {
  const ledgerFile = ledgerPath(stateDir, runId);
  const logFile = ledgerFile.replace(/\.jsonl$/, '.watchdog.log');
  let child: ChildProcess | undefined;
  let failure: WatchdogError | undefined;
  try {
    mkdirSync(path.dirname(logFile), { recursive: true });
    const logFd = openSync(logFile, 'a', 0o600);
    try {
      child = spawn(process.execPath, [watchdogProgram(), ledgerFile, stateDir, logFile], {
        detached: true,
        stdio: ['pipe', 'pipe', logFd],
      });
    } finally {
      closeSync(logFd);
    }
  } catch (error) {
    failure = new WatchdogError(`cannot start the watchdog: ${(error as Error).message}`);
  }
  // A watchdog that died is told by its exit, not by a write to its closed pipe.
  child?.stdin?.on('error', () => {});
  const ready = child ? readiness(child, logFile) : Promise.reject(failure);
  ready.catch(() => undefined);
  let finished = false;
  const finish = (word?: string) => {
    if (finished || !child) return;
    finished = true;
    // The watchdog may already have gone (it leaves once the ledger shows the run ended clean).
    child.stdin!.end(word ? `${word}\n` : undefined);
    letGo(child);
  };
  return {
    runId,
    pid: child?.pid,
    logFile,
    async watch() {
      child?.stdin?.write(`${LEASE_WATCH}\n`);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new WatchdogError(`the watchdog did not start within ${timeoutMs}ms (log: ${logFile})`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([ready, late]);
        if (child) letGo(child);
      } catch (error) {
        finish(LEASE_DONE);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    release: () => finish(LEASE_DONE),
    handOver: () => finish(LEASE_HANDOVER),
  };
}

/** Resolves when the watchdog answers `ready`; rejects if it exits or cannot be started first. */
function readiness(child: ChildProcess, logFile: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ready')) resolve();
    });
    child.once('exit', (code) => {
      reject(new WatchdogError(`the watchdog exited at start (code ${code}; log: ${logFile})`));
    });
    child.once('error', (error) => {
      reject(new WatchdogError(`cannot start the watchdog: ${error.message}`));
    });
  });
}

/** The watchdog must not keep this process alive, nor die with it. */
function letGo(child: ChildProcess): void {
  child.removeAllListeners('exit');
  child.stdout!.destroy();
  child.unref();
  (child.stdin as Socket).unref();
}
