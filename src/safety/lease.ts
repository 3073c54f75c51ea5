import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../errors.js';
import { LEASE_DONE, LEASE_HANDOVER, LEASE_WATCH } from './lease-protocol.js';
import { newRunId, type StartedWatchdog, startWatchdogProcess } from './watchdog-process.js';

export { LEASE_DONE, LEASE_HANDOVER, retryWindowMs } from './lease-protocol.js';
export { newRunId };

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
 * Starts the watchdog of run `runId` (see startWatchdogProcess) and takes its lease. It waits for
 * `watch()`; a run that ends without calling it lets it go with `release()`.
 */
export function spawnWatchdog(stateDir: string, runId: string, timeoutMs = 15_000): Watchdog {
  return leaseOn(startWatchdogProcess(stateDir, runId, watchdogProgram()), timeoutMs);
}

/** The run's side of the lease of a watchdog process already started. */
export function leaseOn(started: StartedWatchdog, timeoutMs = 15_000): Watchdog {
  const { child, logFile } = started;
  const ready = readiness(started);
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
    runId: started.runId,
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

/**
 * Resolves when the watchdog answers `ready`; rejects if it exits, or could not be started, first
 * (before this was called included: a watchdog started ahead of the run).
 */
function readiness({ child, failure, logFile, ...started }: StartedWatchdog): Promise<void> {
  if (!child) return Promise.reject(new WatchdogError(failure ?? 'cannot start the watchdog'));
  const exited = (code: number | null, signal: NodeJS.Signals | null) =>
    new WatchdogError(`the watchdog exited at start (${signal ?? `code ${code}`}; log: ${logFile})`);
  const cannot = (error: Error) => new WatchdogError(`cannot start the watchdog: ${error.message}`);
  return new Promise<void>((resolve, reject) => {
    if (started.error) return reject(cannot(started.error));
    if (child.exitCode !== null || child.signalCode !== null) {
      return reject(exited(child.exitCode, child.signalCode));
    }
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ready')) resolve();
    });
    child.once('exit', (code, signal) => reject(exited(code, signal)));
    child.once('error', (error) => reject(cannot(error)));
  });
}

/** The watchdog must not keep this process alive, nor die with it. */
function letGo(child: ChildProcess): void {
  child.removeAllListeners('exit');
  child.stdout!.destroy();
  child.unref();
  (child.stdin as Socket).unref();
}
