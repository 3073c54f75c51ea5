import path from 'node:path';

/** Where a run's ledger is kept in the state folder. */
export function ledgerPath(stateDir: string, runId: string): string {
  return path.join(stateDir, 'runs', `${runId}.jsonl`);
}

/** The log of the watchdog of the run whose ledger is `ledgerFile`. */
export function watchdogLogPath(ledgerFile: string): string {
  return ledgerFile.replace(/\.jsonl$/, '.watchdog.log');
}
