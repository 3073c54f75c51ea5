import type { DockerClient } from '../docker/client.js';
import { appendRecord, type IntentRecord, type LedgerRecord, readLedger } from './ledger.js';
import { releaseLocks } from './locks.js';
import { runnerFromLedger } from './network-runner.js';
import { undoRecipe } from './undo.js';

/**
 * The watchdog of one run: a separate process the run starts before injecting anything, holding the
 * other end of a pipe (the lease). It reverts, from the ledger alone:
 *   - every fault still open as soon as the lease breaks without the run saying it is done
 *     (the run was SIGKILLed, ran out of memory, its CI job was cancelled), and
 *   - any fault whose deadline has passed, even while the run is alive (a run that hangs).
 */
export interface WatchdogOptions {
  ledgerFile: string;
  stateDir: string;
  docker: DockerClient;
  lease: NodeJS.ReadableStream;
  log: (line: string) => void;
  pollMs?: number;
}

export async function watch(options: WatchdogOptions): Promise<'released' | 'recovered'> {
  const { ledgerFile, docker, log } = options;
  const initial = readLedger(ledgerFile);
  if (!initial) throw new Error(`no run in ${ledgerFile}`);
  const runner = runnerFromLedger(docker, initial.run, `watchdog-${initial.run.runId}`);
  const busy = new Set<string>();

  const append = (record: LedgerRecord) => appendRecord(ledgerFile, record);

  const undo = async (intent: IntentRecord, why: string) => {
    if (busy.has(intent.faultId)) return;
    busy.add(intent.faultId);
    const outcome = await undoRecipe(intent.revert, intent.target, docker, runner);
    log(`${why}: ${intent.kind} on ${intent.target.name}: ${outcome.status} (${outcome.detail})`);
    append({
      type: 'reverted',
      faultId: intent.faultId,
      status: outcome.status,
      by: 'watchdog',
      at: new Date().toISOString(),
    });
    if (outcome.status === 'failed') busy.delete(intent.faultId);
  };

  let leaseState = 'held' as 'held' | 'released' | 'broken';
  options.lease.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('done')) leaseState = 'released';
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
      if (leaseState === 'released' || (state.ended && state.open.length === 0)) return 'released';
      if (leaseState === 'broken') {
        log(
          `the run (pid ${state.run.pid}) is gone without finishing: reverting ${state.open.length} fault(s)`,
        );
        for (let attempt = 1; ; attempt++) {
          const open = readLedger(ledgerFile)?.open ?? [];
          if (open.length === 0) break;
          await Promise.all(open.map((intent) => undo(intent, 'lease broken')));
          if (attempt >= 30) {
            log(`giving up after ${attempt} attempts; run \`faultline recover\``);
            break;
          }
          if ((readLedger(ledgerFile)?.open.length ?? 0) > 0)
            await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
        }
        append({ type: 'end', outcome: 'recovered-by-watchdog', at: new Date().toISOString() });
        releaseLocks(options.stateDir, state.run.runId);
        return 'recovered';
      }
      const now = Date.now();
      const due = state.open.filter((intent) => intent.deadline <= now);
      await Promise.all(due.map((intent) => undo(intent, 'deadline passed')));
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    }
  } finally {
    await runner.dispose().catch(() => undefined);
  }
}
