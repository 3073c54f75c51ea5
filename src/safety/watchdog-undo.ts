import type { DockerClient } from '../docker/client.js';
import type { RevertOutcome } from '../faults/fault.js';
import { killPoint } from '../util/kill-points.js';
import { appendRecord, type IntentRecord, readRecords } from './ledger.js';
import type { runnerFromLedger } from './network-runner.js';
import { inFlightUntil, undoRecipe } from './undo.js';

/**
 * How the watchdog undoes one fault from its ledger intent: at most one attempt per fault at a time,
 * each outcome logged and recorded in the ledger, and a call the run had sent that lands late undone
 * too (see watchdog.ts).
 */
export type UndoFault = (intent: IntentRecord, injected: ReadonlySet<string>, why: string) => Promise<void>;

export interface UndoContext {
  ledgerFile: string;
  docker: DockerClient;
  runner: ReturnType<typeof runnerFromLedger>;
  log: (line: string) => void;
}

export function faultUndoer({ ledgerFile, docker, runner, log }: UndoContext): UndoFault {
  const busy = new Set<string>();

  const record = (intent: IntentRecord, outcome: RevertOutcome, why: string) => {
    log(`${why}: ${intent.kind} on ${intent.target.name}: ${outcome.status} (${outcome.detail})`);
    appendRecord(ledgerFile, {
      type: 'reverted',
      faultId: intent.faultId,
      status: outcome.status,
      by: 'watchdog',
      at: new Date().toISOString(),
    });
  };

  return async (intent, injected, why) => {
    if (busy.has(intent.faultId)) return;
    busy.add(intent.faultId);
    // What is in place now is undone and recorded at once; then, while a call the run had sent may
    // still land, the watchdog keeps watching and undoes (and records) whatever lands late.
    const seen = readRecords(ledgerFile).length;
    const outcome = await undoRecipe(intent.revert, intent.target, docker, runner);
    if (outcome.status === 'failed' && closedByOthersSince(ledgerFile, seen, intent.faultId)) {
      // `faultline recover` reverted it while this attempt ran: its success stands, this failure is stale.
      log(`${why}: ${intent.kind} on ${intent.target.name}: reverted meanwhile by recover`);
      busy.delete(intent.faultId);
      return;
    }
    record(intent, outcome, why);
    killPoint('watchdog-reverted');
    const until = inFlightUntil(intent, injected);
    if (
      outcome.status !== 'failed' &&
      outcome.status !== 'target-gone' &&
      until !== undefined &&
      until > Date.now()
    ) {
      const late = await undoRecipe(intent.revert, intent.target, docker, runner, { inFlightUntil: until });
      if (late.status === 'reverted' || late.status === 'failed')
        record(intent, { ...late, detail: `landed after the first look: ${late.detail}` }, why);
      if (late.status === 'failed') busy.delete(intent.faultId);
    }
    if (outcome.status === 'failed') busy.delete(intent.faultId);
  };
}

/** Whether someone other than the watchdog recorded a successful revert of the fault after record `from`. */
function closedByOthersSince(ledgerFile: string, from: number, faultId: string): boolean {
  return readRecords(ledgerFile)
    .slice(from)
    .some(
      (record) =>
        record.type === 'reverted' &&
        record.faultId === faultId &&
        record.by !== 'watchdog' &&
        record.status !== 'failed',
    );
}
