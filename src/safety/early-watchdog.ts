import { stateDir } from './state-dir.js';
import { newRunId, type StartedWatchdog, startWatchdogProcess } from './watchdog-process.js';

/**
 * `faultline run`'s first watchdog, started by bin/faultline.js before the CLI itself is loaded
 * (scripts/bundle-watchdog.mjs bundles this file alone): the watchdog's start-up, the longest wait
 * before a run's first fault, then overlaps loading the CLI as well as reading the files and the
 * baseline. The run takes it if it keeps its state in the same folder (WatchdogsAhead), and it is
 * never told to watch before the run's ledger is on disk. Nothing here keeps this process alive: if
 * the CLI stops before its run (a bad option, `--help`), this process exits, the watchdog's standard
 * input ends and it leaves without a trace.
 */
export function startEarly(program: string, env: NodeJS.ProcessEnv = process.env): StartedWatchdog {
  const started = startWatchdogProcess(stateDir(env), newRunId(), program);
  const child = started.child;
  if (child) {
    child.unref();
    (child.stdin as unknown as { unref(): void } | null)?.unref();
    (child.stdout as unknown as { unref(): void } | null)?.unref();
  }
  return started;
}
