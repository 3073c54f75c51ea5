import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../errors.js';
import { parseDuration } from '../util/duration.js';

export class WatchdogError extends EnvironmentError {
  constructor(message: string) {
    super('WATCHDOG_FAILED', `${message}; nothing was injected`, {
      hint: 'faultline starts a watchdog that reverts the faults if the run dies. See the watchdog log named above.',
    });
  }
}

/** What the run says on the lease: `done` lets the watchdog go; `handover` leaves it the faults a revert failed on. */
export const LEASE_DONE = 'done';
export const LEASE_HANDOVER = 'handover';

/**
 * How long a watchdog keeps retrying a revert that fails (Docker unreachable, say) before it gives up
 * and leaves the fault to `faultline recover`: 5 minutes, long enough for a Docker daemon to restart;
 * FAULTLINE_RETRY_WINDOW (a duration) changes it.
 */
export function retryWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.FAULTLINE_RETRY_WINDOW ? parseDuration(env.FAULTLINE_RETRY_WINDOW) : undefined;
  return set ?? 5 * 60_000;
}

/** The run's side of the lease: while it holds the pipe, the watchdog waits; `release()` ends it cleanly. */
export interface Lease {
  readonly pid: number;
  readonly logFile: string;
  /** The run is done and nothing it injected is left: the watchdog may go. */
  release(): void;
  /** The run is done but could not revert everything: the watchdog keeps retrying what is left. */
  handOver(): void;
}

const WATCHDOG_MAIN = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));

/**
 * Starts the run's watchdog in a session of its own (so the run's Ctrl-C or a kill of its process
 * group does not reach it) and waits until it watches.
 */
export async function startWatchdog(
  ledgerFile: string,
  stateDir: string,
  timeoutMs = 15_000,
): Promise<Lease> {
  const logFile = ledgerFile.replace(/\.jsonl$/, '.watchdog.log');
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [WATCHDOG_MAIN, ledgerFile, stateDir, logFile], {
      detached: true,
      stdio: ['pipe', 'pipe', logFd],
    });
  } finally {
    closeSync(logFd);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new WatchdogError(`the watchdog did not start within ${timeoutMs}ms (log: ${logFile})`)),
      timeoutMs,
    );
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new WatchdogError(`the watchdog exited at start (code ${code}; log: ${logFile})`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new WatchdogError(`cannot start the watchdog: ${error.message}`));
    });
  });
  child.removeAllListeners('exit');
  child.stdout!.destroy();
  // The watchdog must not keep this process alive, nor die with it.
  child.unref();
  (child.stdin as Socket).unref();
  return {
    pid: child.pid!,
    logFile,
    release() {
      // The watchdog may already have gone (it leaves once the ledger shows the run ended clean).
      child.stdin!.on('error', () => {});
      child.stdin!.end(`${LEASE_DONE}\n`);
    },
    handOver() {
      child.stdin!.on('error', () => {});
      child.stdin!.end(`${LEASE_HANDOVER}\n`);
    },
  };
}
