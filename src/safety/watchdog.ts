import type { DockerClient } from '../docker/client.js';
import { formatDuration } from '../util/duration.js';
import { sleep } from '../util/sleep.js';
import { LEASE_DONE, LEASE_HANDOVER, retryWindowMs } from './lease-protocol.js';
import { appendRecord, type IntentRecord, type RunRecord, type RunState, readLedger } from './ledger.js';
import { releaseLocks } from './locks.js';
import type { Reverter } from './watchdog-revert.js';
import type { UndoFault } from './watchdog-undo.js';

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
  /** The Engine to revert on, or how to reach it (made only once something has to be reverted). */
  docker: DockerClient | (() => Promise<DockerClient>);
  lease: NodeJS.ReadableStream;
  /** What the run said on the lease before the watchdog started following it. */
  said?: string;
  log: (line: string) => void;
  pollMs?: number;
  /** How long it keeps retrying reverts that fail (Docker unreachable, say) before it gives up. */
  retryWindowMs?: number | undefined;
}

export async function watch(options: WatchdogOptions): Promise<'released' | 'recovered' | 'gave-up'> {
  const { ledgerFile } = options;
  const initial = readLedger(ledgerFile);
  if (!initial) throw new Error(`no run in ${ledgerFile}`);
  const reverter = lazyReverter(options, initial.run);
  const leaseState = followLease(options.lease, options.said);
  const undo = reverter.undo;

  try {
    for (;;) {
      const state = readLedger(ledgerFile);
      if (!state) throw new Error(`the ledger ${ledgerFile} disappeared`);
      const lease = leaseState();
      if (lease === 'released' || (state.ended && state.open.length === 0 && lease !== 'broken'))
        return 'released';
      if (lease === 'broken' || lease === 'handed-over')
        return await takeOver(options, state, lease, undo, reverter.removeHelpers);
      // A fault is announced: what reverts it is loaded now, so that a revert does not wait for it.
      if (state.open.length > 0) reverter.prefetch();
      const now = Date.now();
      const due = state.open.filter((intent) => intent.deadline <= now);
      await Promise.all(due.map((intent) => undo(intent, state.injected, 'deadline passed')));
      await sleep(options.pollMs ?? 200);
    }
  } finally {
    await reverter.dispose();
  }
}

/**
 * The revert machinery (fault families, Docker client, way into namespaces), loaded once the run has
 * announced a fault (never for a run that injects nothing). A load that fails is logged and tried
 * again at the next attempt.
 */
function lazyReverter(options: WatchdogOptions, run: RunRecord): Reverter & { prefetch(): void } {
  let loading: Promise<Reverter> | undefined;
  const load = () => {
    loading ??= import('./watchdog-revert.js').then(async ({ createReverter }) => {
      const docker = typeof options.docker === 'function' ? await options.docker() : options.docker;
      return createReverter(docker, options.ledgerFile, run, options.log);
    });
    return loading.catch((error: unknown) => {
      loading = undefined;
      options.log(
        `cannot load what reverts faults: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    });
  };
  return {
    undo: async (intent, injected, why) => (await load())?.undo(intent, injected, why),
    removeHelpers: async () => (await load())?.removeHelpers(),
    dispose: async () => (loading ? (await load())?.dispose() : undefined),
    prefetch: () => void load(),
  };
}

type LeaseState = 'held' | 'released' | 'handed-over' | 'broken';

/** Follows what the run says on the lease, from now on; the result reads the latest state. */
function followLease(lease: NodeJS.ReadableStream, before = ''): () => LeaseState {
  let state: LeaseState = 'held';
  let said = '';
  const hear = (text: string) => {
    said += text;
    if (said.includes(LEASE_HANDOVER)) state = 'handed-over';
    else if (said.includes(LEASE_DONE)) state = 'released';
  };
  hear(before);
  lease.on('data', (chunk: Buffer) => hear(chunk.toString()));
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
  removeHelpers: () => Promise<void>,
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
  if (lease === 'broken' && left.length === 0) await removeHelpers();
  appendRecord(ledgerFile, {
    type: 'end',
    outcome: left.length > 0 ? 'left-by-watchdog' : 'recovered-by-watchdog',
    at: new Date().toISOString(),
  });
  releaseLocks(options.stateDir, state.run.runId);
  return left.length > 0 ? 'gave-up' : 'recovered';
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
