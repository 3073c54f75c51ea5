import type { DockerClient } from '../docker/client.js';
import type { RevertOutcome } from '../faults/fault.js';
import { formatDuration } from '../util/duration.js';
import { killPoint } from '../util/kill-points.js';
import { sleep } from '../util/sleep.js';
import { LEASE_DONE, LEASE_HANDOVER, retryWindowMs } from './lease.js';
import { appendRecord, type IntentRecord, type LedgerRecord, readLedger, readRecords } from './ledger.js';
import { releaseLocks } from './locks.js';
import { runnerFromLedger } from './network-runner.js';
import { inFlightUntil, undoRecipe } from './undo.js';

/**
 * The watchdog of one run: a separate process the run starts before injecting anything, holding the
 * other end of a pipe (the lease). It reverts, from the ledger alone:
 *   - every fault still open as soon as the lease breaks without the run saying it is done
 *     (the run was SIGKILLed, ran out of memory, its CI job was cancelled), and
 *   - any fault whose deadline has passed, even while the run is alive (a run that hangs), and
 *   - every fault the run could not revert itself (it hands them over on the lease before it exits).
 * A revert that fails is retried for RETRY_WINDOW_MS; what is still in place then stays open in the
 * ledger, where `faultline status` shows it and `faultline recover` takes it up.
 */
export interface WatchdogOptions {
  ledgerFile: string;
  stateDir: string;
  docker: DockerClient;
  lease: NodeJS.ReadableStream;
  log: (line: string) => void;
  pollMs?: number;
  /** How long it keeps retrying reverts that fail (Docker unreachable, say) before it gives up. */
  retryWindowMs?: number | undefined;
}

export async function watch(options: WatchdogOptions): Promise<'released' | 'recovered' | 'gave-up'> {
  const { ledgerFile, docker, log } = options;
  const initial = readLedger(ledgerFile);
  if (!initial) throw new Error(`no run in ${ledgerFile}`);
  const runner = runnerFromLedger(docker, initial.run, `watchdog-${initial.run.runId}`);
  const busy = new Set<string>();

  const append = (record: LedgerRecord) => appendRecord(ledgerFile, record);

  const record = (intent: IntentRecord, outcome: RevertOutcome, why: string) => {
    log(`${why}: ${intent.kind} on ${intent.target.name}: ${outcome.status} (${outcome.detail})`);
    append({
      type: 'reverted',
      faultId: intent.faultId,
      status: outcome.status,
      by: 'watchdog',
      at: new Date().toISOString(),
    });
  };

  const undo = async (intent: IntentRecord, injected: ReadonlySet<string>, why: string) => {
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

  let leaseState = 'held' as 'held' | 'released' | 'handed-over' | 'broken';
  let said = '';
  options.lease.on('data', (chunk: Buffer) => {
    said += chunk.toString();
    if (said.includes(LEASE_HANDOVER)) leaseState = 'handed-over';
    else if (said.includes(LEASE_DONE)) leaseState = 'released';
  });
  options.lease.on('end', () => {
    if (leaseState === 'held') leaseState = 'broken';
  });
  options.lease.on('error', () => {
    if (leaseState === 'held') leaseState = 'broken';
  });

  try {
    for (;;) {
      const state = readLedger(ledgerFile);
      if (!state) throw new Error(`the ledger ${ledgerFile} disappeared`);
      if (leaseState === 'released' || (state.ended && state.open.length === 0 && leaseState !== 'broken'))
        return 'released';
      if (leaseState === 'broken' || leaseState === 'handed-over') {
        const why = leaseState === 'broken' ? 'lease broken' : 'handed over';
        log(
          leaseState === 'broken'
            ? `the run (pid ${state.run.pid}) is gone without finishing: reverting ${state.open.length} fault(s)`
            : `the run handed over ${state.open.length} fault(s) it could not revert: retrying`,
        );
        const left = await revertUntilDone(
          ledgerFile,
          options.retryWindowMs ?? retryWindowMs(),
          (intent, injected) => undo(intent, injected, why),
        );
        if (left.length > 0) {
          log(
            `giving up after ${formatDuration(options.retryWindowMs ?? retryWindowMs())} of retries; left: ${left
              .map((intent) => `${intent.kind} on ${intent.target.name}`)
              .join(', ')}; run \`faultline recover\``,
          );
        }
        append({
          type: 'end',
          outcome: left.length > 0 ? 'left-by-watchdog' : 'recovered-by-watchdog',
          at: new Date().toISOString(),
        });
        releaseLocks(options.stateDir, state.run.runId);
        return left.length > 0 ? 'gave-up' : 'recovered';
      }
      const now = Date.now();
      const due = state.open.filter((intent) => intent.deadline <= now);
      await Promise.all(due.map((intent) => undo(intent, state.injected, 'deadline passed')));
      await sleep(options.pollMs ?? 200);
    }
  } finally {
    await runner.dispose().catch(() => undefined);
  }
}

/**
 * Reverts every open fault of the ledger, retrying with backoff until none is left or the window has
 * passed. Returns what is still open.
 */
async function revertUntilDone(
  ledgerFile: string,
  windowMs: number,
  undo: (intent: IntentRecord, injected: ReadonlySet<string>) => Promise<void>,
): Promise<IntentRecord[]> {
  const giveUpAt = Date.now() + windowMs;
  for (let attempt = 1; ; attempt++) {
    const state = readLedger(ledgerFile);
    const open = state?.open ?? [];
    if (open.length === 0) return [];
    await Promise.all(open.map((intent) => undo(intent, state!.injected)));
    const left = readLedger(ledgerFile)?.open ?? [];
    const wait = Math.min(5000, 200 * 2 ** attempt, giveUpAt - Date.now());
    if (left.length === 0 || wait <= 0) return left;
    await sleep(wait);
  }
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
