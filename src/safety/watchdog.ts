import type { DockerClient } from '../docker/client.js';
import { FAULTLINE_HELPER, FAULTLINE_RUN_ID } from '../docker/labels.js';
import { formatDuration } from '../util/duration.js';
import { sleep } from '../util/sleep.js';
import { LEASE_DONE, LEASE_HANDOVER, retryWindowMs } from './lease.js';
import { appendRecord, type IntentRecord, type RunState, readLedger } from './ledger.js';
import { releaseLocks } from './locks.js';
import { runnerFromLedger } from './network-runner.js';
import { faultUndoer, type UndoFault } from './watchdog-undo.js';

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
  const undo = faultUndoer({ ledgerFile, docker, runner, log });
  const leaseState = followLease(options.lease);

  try {
    for (;;) {
      const state = readLedger(ledgerFile);
      if (!state) throw new Error(`the ledger ${ledgerFile} disappeared`);
      const lease = leaseState();
      if (lease === 'released' || (state.ended && state.open.length === 0 && lease !== 'broken'))
        return 'released';
      if (lease === 'broken' || lease === 'handed-over') return await takeOver(options, state, lease, undo);
      const now = Date.now();
      const due = state.open.filter((intent) => intent.deadline <= now);
      await Promise.all(due.map((intent) => undo(intent, state.injected, 'deadline passed')));
      await sleep(options.pollMs ?? 200);
    }
  } finally {
    await runner.dispose().catch(() => undefined);
  }
}

type LeaseState = 'held' | 'released' | 'handed-over' | 'broken';

/** Follows what the run says on the lease, from now on; the result reads the latest state. */
function followLease(lease: NodeJS.ReadableStream): () => LeaseState {
  let state: LeaseState = 'held';
  let said = '';
  lease.on('data', (chunk: Buffer) => {
    said += chunk.toString();
    if (said.includes(LEASE_HANDOVER)) state = 'handed-over';
    else if (said.includes(LEASE_DONE)) state = 'released';
  });
  lease.on('end', () => {
    if (state === 'held') state = 'broken';
  });
  lease.on('error', () => {
    if (state === 'held') state = 'broken';
  });
  return () => state;
}

/**
 * The run is gone, or handed its faults over: revert every open fault (retrying for the window), record
 * the end of the run and release its locks.
 */
async function takeOver(
  options: WatchdogOptions,
  state: RunState,
  lease: 'broken' | 'handed-over',
  undo: UndoFault,
): Promise<'recovered' | 'gave-up'> {
  const { ledgerFile, log } = options;
  const why = lease === 'broken' ? 'lease broken' : 'handed over';
  log(
    lease === 'broken'
      ? `the run (pid ${state.run.pid}) is gone without finishing: reverting ${state.open.length} fault(s)`
      : `the run handed over ${state.open.length} fault(s) it could not revert: retrying`,
  );
  const windowMs = options.retryWindowMs ?? retryWindowMs();
  const left = await revertUntilDone(ledgerFile, windowMs, (intent, injected) => undo(intent, injected, why));
  if (left.length > 0) {
    log(
      `giving up after ${formatDuration(windowMs)} of retries; left: ${left
        .map((intent) => `${intent.kind} on ${intent.target.name}`)
        .join(', ')}; run \`faultline recover\``,
    );
  }
  // A run that died cannot remove its helper containers (the way into namespaces): once its faults are undone, do.
  if (lease === 'broken' && left.length === 0) await removeHelpersOf(options.docker, state.run.runId, log);
  appendRecord(ledgerFile, {
    type: 'end',
    outcome: left.length > 0 ? 'left-by-watchdog' : 'recovered-by-watchdog',
    at: new Date().toISOString(),
  });
  releaseLocks(options.stateDir, state.run.runId);
  return left.length > 0 ? 'gave-up' : 'recovered';
}

async function removeHelpersOf(docker: DockerClient, runId: string, log: (line: string) => void) {
  const all = await docker.listContainers({ all: true }).catch(() => []);
  for (const helper of all) {
    if (helper.labels[FAULTLINE_HELPER] === undefined || helper.labels[FAULTLINE_RUN_ID] !== runId) continue;
    await docker.remove(helper.id).then(
      () => log(`removed helper container ${helper.name}`),
      (error: Error) => log(`could not remove helper container ${helper.name}: ${error.message}`),
    );
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
